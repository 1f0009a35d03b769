/// What can go wrong with an action on the inbox, whoever asked for it.
public enum InboxError: Error, Sendable, Hashable {
    case conversationNotFound(String)
    case conversationEnded(String)
    /// The client's credentials do not cover the conversation's touchpoint.
    case touchpointNotAllowed(String)
    /// An `x-idempotency-key` reused with a different request.
    case idempotencyKeyReused(String)
}

extension InboxError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .conversationNotFound(let id): "conversation \(id) does not exist"
        case .conversationEnded(let id): "conversation \(id) has ended"
        case .touchpointNotAllowed(let id): "this client may not use touchpoint \(id)"
        case .idempotencyKeyReused(let key): "idempotency key \(key) was already used with a different request"
        }
    }
}
