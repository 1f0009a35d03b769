import Hummingbird
import TDMockCore

/// An agent API error: `{"error": "<kind>", "message": "<one line a person can act on>"}`.
public struct AgentAPIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var body: AgentWire.ErrorBody

    public init(_ status: HTTPResponse.Status, _ error: String, _ message: String) {
        self.status = status
        self.body = AgentWire.ErrorBody(error: error, message: message)
    }

    public init(_ error: InboxError) {
        switch error {
        case .conversationNotFound, .deliveryNotFound:
            self.init(.notFound, "not_found", error.description)
        case .conversationEnded, .assignedToAnother, .deliveryNotFailed, .idempotencyKeyReused:
            self.init(.conflict, "conflict", error.description)
        case .touchpointNotAllowed:
            self.init(.forbidden, "forbidden", error.description)
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: status, body: body)
    }
}
