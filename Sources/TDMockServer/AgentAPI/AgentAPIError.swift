import Foundation
public import Hummingbird
public import TDMockCore

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

/// The agent API's token (`--agent-token`): asked of every agent API request when one is set, as
/// `Authorization: Bearer <token>` or, from the workspace in a browser, as the cookie its sign-in sets.
struct AgentTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
        return try await next(request, context)
    }
}

extension AgentAPIError {
    static func unauthorized(_ message: String) -> AgentAPIError {
        var error = AgentAPIError(.unauthorized, "unauthorized", message)
        error.headers = [.wwwAuthenticate: #"Bearer realm="tdmock agent API""#]
        return error
    }
}
