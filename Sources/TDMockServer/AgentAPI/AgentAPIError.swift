import Foundation
import Hummingbird
import TDMockCore

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
            throw AgentAPIError.unauthorized("this tdmock asks for the agent token: send Authorization: Bearer <token> (tdmock commands: --agent-token or TDMOCK_AGENT_TOKEN)")
        }
        return try await next(request, context)
    }
}

/// State-changing calls of the agent API and the contact API take a JSON body: a `POST` without
/// `Content-Type: application/json` is refused (415) before it changes anything. A browser sends that
/// type to another site only after a CORS preflight, which tdmock never grants, so a form or a script
/// on another site cannot act as the agent.
struct JSONBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .post || request.method == .put || request.method == .patch {
            let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/json" else {
                throw AgentAPIError(
                    .unsupportedMediaType, "unsupported_media_type",
                    "\(request.method.rawValue) \(request.uri.path) takes a JSON body: send Content-Type: application/json"
                        + (mediaType.map { " (not \($0))" } ?? ""))
            }
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

extension Request {
    /// The body as a JSON object, for the APIs that answer in the agent API's error shape (the agent
    /// API's questions, the question-response API, the contact API): 400 naming what is wrong otherwise,
    /// 413 over the body limit; an empty body is an empty object when `emptyAllowed`.
    func jsonObject(emptyAllowed: Bool = false) async throws -> [String: JSONValue] {
        let data = try await collectBody(orThrow: AgentAPIError(.contentTooLarge, "too_large", "The request body is larger than \(BodyLimit.bytes) bytes"))
        if data.isEmpty && emptyAllowed { return [:] }
        switch data.withUnsafeBytes(JSONReader.read) {
        case .failure(let problem): throw AgentAPIError(.badRequest, "invalid_request", "The body is not valid JSON: \(problem)")
        case .success(.object(let object)): return object
        case .success(let other): throw AgentAPIError(.badRequest, "invalid_request", "The body must be a JSON object, not \(other.typeDescription)")
        }
    }
}
