import Foundation
import HTTPTypes
import Hummingbird
import TDMockCore

/// The agents' web workspace (docs/workspace.md) at `GET /`: one page and its script and style sheet, compiled
/// into the binary (`PackageResources`, from `Workspace/Assets`), which draw everything from the agent
/// API and its event stream. Also the workspace's sign-in, for a tdmock that asks for the agent token.
struct WorkspaceController {
    let services: AppServices

    /// Where the page gives the agent token and takes it back (the agent API's paths, open without it).
    static let signInPath = AgentController.prefix + "/sign-in"
    static let signOutPath = AgentController.prefix + "/sign-out"

    /// The workspace's files: path, media type, bytes.
    static let assets: [String: (type: String, bytes: [UInt8])] = [
        "/": ("text/html; charset=utf-8", PackageResources.index_html),
        "/workspace/app.js": ("text/javascript; charset=utf-8", PackageResources.app_js),
        "/workspace/app.css": ("text/css; charset=utf-8", PackageResources.app_css),
        "/workspace/icon.svg": ("image/svg+xml", PackageResources.icon_svg),
    ]

    /// The page's own script, style sheet and API only: no inline script or style, nothing from elsewhere,
    /// no framing, no form posted anywhere.
    static let contentSecurityPolicy = """
        default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
        form-action 'none'; frame-ancestors 'none'; base-uri 'none'
        """

    func addRoutes(to router: Router<some RequestContext>) {
        for (path, asset) in Self.assets {
            let body = ByteBuffer(bytes: asset.bytes)
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: asset.type, .contentSecurityPolicy: Self.contentSecurityPolicy, .xContentTypeOptions: "nosniff",
                        .referrerPolicy: "no-referrer", .cacheControl: "no-cache",
                    ],
                    body: ResponseBody(byteBuffer: body)
                )
            }
        }
        router.post(RouterPath(Self.signInPath)) { request, _ in try await self.signIn(request) }
        router.post(RouterPath(Self.signOutPath)) { _, _ in
            var response = Response(status: .noContent)
            response.setCookie(WorkspaceSignIn.cookie(value: "", maxAge: 0))
            return response
        }
    }

    /// `POST /tdmock/v1/sign-in` `{"token": "<the agent token>"}`: 204 with the cookie the agent API then
    /// takes in place of `Authorization`, 401 for another token.
    private func signIn(_ request: Request) async throws -> Response {
        let body = try await request.jsonObject(of: AgentController.surface)
        guard case .string(let sent)? = body["token"] else {
            throw AgentAPIError(.badRequest, "invalid_request", "The body must be {\"token\": \"<the agent token>\"}")
        }
        guard let token = services.configuration.agentToken else {
            throw AgentAPIError(.badRequest, "invalid_request", "this tdmock asks for no agent token: the workspace is open without one")
        }
        guard constantTimeEquals(sent, token) else {
            throw AgentAPIError.unauthorized("that is not this tdmock's agent token")
        }
        var response = Response(status: .noContent)
        response.setCookie(WorkspaceSignIn.cookie(value: WorkspaceSignIn.cookieValue(token), maxAge: nil))
        return response
    }
}

/// The workspace's sign-in cookie: the agent token, hex-encoded (a cookie's value cannot hold every
/// character a token may), sent back only to this server's own pages (`SameSite=Strict`) and never
/// readable by a script (`HttpOnly`).
enum WorkspaceSignIn {
    static let cookieName = "tdmock_agent_token"

    /// `value` is hex or empty, so the cookie is always a valid one.
    static func cookie(value: String, maxAge: Int?) -> Cookie {
        (try? Cookie.validated(name: cookieName, value: value, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .strict))
            ?? Cookie(name: cookieName, value: "", maxAge: 0, path: "/", httpOnly: true)
    }

    static func cookieValue(_ token: String) -> String { IdentifierGenerator.hex(Array(token.utf8)) }

    /// The token a cookie's value holds; nil when it is not hex.
    static func token(fromCookie value: String) -> String? {
        let digits = Array(value.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
}
