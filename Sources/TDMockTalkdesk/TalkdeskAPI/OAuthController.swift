import Foundation
package import Hummingbird
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// `POST /oauth/token`: the client credentials grant of Talkdesk ID.
package struct OAuthController {
    let services: AppServices

    package init(services: AppServices) {
        self.services = services
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        router.post("/oauth/token") { request, context in try await token(request, context: context) }
    }

    private struct Form: Decodable {
        var grant_type: String?
        var scope: String?
    }

    func token(_ request: Request, context: some RequestContext) async throws -> Response {
        try await services.faults.inject(.token)
        let client = try authenticate(request)
        let data = try await request.collectBody(
            orThrow: OAuthError(
                status: .contentTooLarge,
                error: "invalid_request",
                description: "The request body is larger than \(BodyLimit.bytes) bytes"
            )
        )
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            throw OAuthError.invalidRequest("The body must be application/x-www-form-urlencoded, found \(type)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw OAuthError.invalidRequest("The request body is not valid UTF-8")
        }
        let form: Form
        do {
            form = try URLEncodedFormDecoder().decode(Form.self, from: text)
        } catch {
            throw OAuthError.invalidRequest("The request body is not a valid form: \(error)")
        }
        guard let grantType = form.grant_type, !grantType.isEmpty else {
            throw OAuthError.invalidRequest("grant_type is required")
        }
        guard grantType == "client_credentials" else { throw OAuthError.unsupportedGrantType(grantType) }

        var granted: [String] = []
        for scope in (form.scope ?? "").split(separator: " ").map(String.init) where !granted.contains(scope) {
            guard client.scopes.contains(scope) else {
                throw OAuthError.invalidScope("The client '\(client.id)' may not ask for scope '\(scope)'")
            }
            granted.append(scope)
        }
        if granted.isEmpty { granted = client.scopes }

        let grant = try await services.tokens.issue(for: client, scopes: granted, now: services.clock())
        var response = JSONResponse.make(
            status: .ok,
            body: TokenResponse(
                accessToken: grant.token,
                tokenType: "Bearer",
                expiresIn: services.tokens.lifetime,
                scope: granted.joined(separator: " ")
            )
        )
        response.headers[.cacheControl] = "no-store"
        response.headers[.pragma] = "no-cache"
        return response
    }

    /// The client named by the HTTP Basic header, with its secret checked.
    private func authenticate(_ request: Request) throws(OAuthError) -> OAuthClient {
        guard let header = request.headers[.authorization] else {
            throw .invalidClient("Client authentication is required: HTTP Basic with client_id:client_secret")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: decoded, encoding: .utf8),
            let colon = credentials.firstIndex(of: ":")
        else {
            throw .invalidClient("The Authorization header must be Basic base64(client_id:client_secret)")
        }
        let id = String(credentials[..<colon])
        let secret = String(credentials[credentials.index(after: colon)...])
        guard let client = services.tokens.authenticate(clientID: id, secret: secret) else {
            throw .invalidClient("Unknown client or wrong secret")
        }
        return client
    }
}

extension OAuthController {
    /// Talkdesk ID's token service: journalled, its errors in OAuth's shape.
    package static let surface = Surface(
        prefixes: ["/oauth"],
        journalled: true,
        errors: { failure in
            OAuthError(
                status: failure.status,
                error: failure.status == .internalServerError ? "server_error" : "invalid_request",
                description: failure.message ?? failure.status.reasonPhrase
            )
        }
    )
}
