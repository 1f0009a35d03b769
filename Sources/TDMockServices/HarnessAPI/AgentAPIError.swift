import Foundation
public import Hummingbird
public import TDMockCore
package import TDMockHTTP

/// An agent API error: `{"error": "<kind>", "message": "<one line a person can act on>"}`.
public struct AgentAPIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var body: AgentWire.ErrorBody
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ error: String, _ message: String) {
        self.status = status
        self.body = AgentWire.ErrorBody(error: error, message: message)
    }

    public init(_ error: InboxError) {
        switch error {
        case .conversationNotFound, .deliveryNotFound, .questionNotFound, .contactNotFound:
            self.init(.notFound, "not_found", error.description)
        case .conversationEnded, .assignedToAnother, .deliveryNotFailed, .idempotencyKeyReused, .questionClosed, .contactEnded, .contactBusy:
            self.init(.conflict, "conflict", error.description)
        case .touchpointNotAllowed:
            self.init(.forbidden, "forbidden", error.description)
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body: body)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// The agent API's token (`--agent-token`): asked of every agent API and contact API request when one
/// is set, as `Authorization: Bearer <token>` or, from the workspace in a browser, as the cookie its
/// sign-in sets.
enum AgentToken {
    static func check(_ request: Request, token: String) throws(AgentAPIError) {
        if let header = request.headers[.authorization] {
            let prefix = "bearer "
            guard header.count > prefix.count, header.lowercased().hasPrefix(prefix),
                constantTimeEquals(String(header.dropFirst(prefix.count)), token)
            else {
                throw AgentAPIError.unauthorized("the agent token is not this tdmock's")
            }
        } else if let cookie = request.cookies[WorkspaceSignIn.cookieName] {
            guard let sent = WorkspaceSignIn.token(fromCookie: cookie.value), constantTimeEquals(sent, token) else {
                throw AgentAPIError.unauthorized("the workspace's sign-in is not for this tdmock's agent token: sign in again")
            }
        } else {
            throw AgentAPIError.unauthorized(
                "this tdmock asks for the agent token: send Authorization: Bearer <token> (tdmock commands: --agent-token or TDMOCK_AGENT_TOKEN)"
            )
        }
    }
}

extension AgentAPIError {
    package static func unauthorized(_ message: String) -> AgentAPIError {
        var error = AgentAPIError(.unauthorized, "unauthorized", message)
        error.headers = [.wwwAuthenticate: #"Bearer realm="tdmock agent API""#]
        return error
    }
}

extension AgentAPIError: SurfaceShapedError {
    /// The agent API's shape for an error raised outside it, which the question-response API and the
    /// contact API share: the kind from the status, the floor's message or one naming the request.
    package static func unrouted(_ failure: Surface.Failure) -> AgentAPIError {
        let kind =
            switch failure.status {
            case .notFound: "not_found"
            case .contentTooLarge: "too_large"
            case .unsupportedMediaType: "unsupported_media_type"
            case .internalServerError: "internal"
            default: "invalid_request"
            }
        let routed: String =
            switch failure.status {
            case .notFound: "No operation at \(failure.method) \(failure.path)"
            case .methodNotAllowed: "\(failure.method) is not allowed on \(failure.path); use \(failure.allowed.joined(separator: ", "))"
            default: failure.status.reasonPhrase
            }
        let message = failure.message ?? routed
        return AgentAPIError(failure.status, kind, message)
    }
}

/// tdmock's own APIs (the agent API, and the contact API beside it): one error shape (`AgentAPIError`),
/// state changes only as JSON, and the agent token when one is set.
package enum HarnessAPI {
    /// Where the agent API lives.
    package static let agentPrefix = "/tdmock/v1"

    /// A harness API's surface: not journalled (it is the harness, not the integration), its errors as
    /// `{error, message}`, state changes only as JSON, and `token` asked of every request when one is set
    /// but the workspace's sign-in and sign-out, which are how a browser gives it.
    package static func surface(prefix: String, token: String?) -> Surface {
        Surface(
            prefixes: [prefix],
            journalled: false,
            bodyRule: .jsonMediaType,
            admission: token.map(admission),
            errors: { failure in AgentAPIError.unrouted(failure) }
        )
    }

    private static func admission(_ token: String) -> @Sendable (Request) throws -> Void {
        { request in
            let path = request.uri.path
            guard path != WorkspaceSignIn.signInPath, path != WorkspaceSignIn.signOutPath else { return }
            try AgentToken.check(request, token: token)
        }
    }
}
