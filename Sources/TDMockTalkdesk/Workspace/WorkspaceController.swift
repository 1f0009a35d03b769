import Foundation
import HTTPTypes
package import Hummingbird
import TDMockCore
import TDMockHTTP
package import TDMockServices

/// The agents' web workspace (docs/workspace.md) at `GET /`: one page and its script and style sheet, compiled
/// into the binary (`PackageResources`, from `Workspace/Assets`), which draw everything from the agent
/// API and its event stream. Also the workspace's sign-in, for a tdmock that asks for the agent token.
package struct WorkspaceController {
    let services: AppServices

    package init(services: AppServices) {
        self.services = services
    }

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

    package func addRoutes(to router: Router<some RequestContext>) {
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
        router.post(RouterPath(WorkspaceSignIn.signInPath)) { request, _ in try await self.signIn(request) }
        router.post(RouterPath(WorkspaceSignIn.signOutPath)) { _, _ in
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

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
}
