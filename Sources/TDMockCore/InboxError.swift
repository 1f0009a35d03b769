/// What can go wrong with an action on the inbox, whoever asked for it.
public enum InboxError: Error, Sendable, Hashable {
    case conversationNotFound(String)
    case conversationEnded(String)
    /// The client's credentials do not cover the conversation's touchpoint.
    case touchpointNotAllowed(String)
    /// An `x-idempotency-key` reused with a different request.
    case idempotencyKeyReused(String)
    /// Another agent has the conversation.
    case assignedToAnother(conversation: String, agent: String)
    case deliveryNotFound(String)
    /// Only a failed delivery can be redelivered.
    case deliveryNotFailed(String, DeliveryStatus)
}

extension InboxError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .conversationNotFound(let id): "conversation \(id) does not exist"
        case .conversationEnded(let id): "conversation \(id) has ended"
        case .touchpointNotAllowed(let id): "this client may not use touchpoint \(id)"
        case .idempotencyKeyReused(let key): "idempotency key \(key) was already used with a different request"
        case .assignedToAnother(let id, let agent): "conversation \(id) is assigned to \(agent)"
        case .deliveryNotFound(let id): "callback delivery \(id) does not exist"
        case .deliveryNotFailed(let id, let status): "callback delivery \(id) is \(status.rawValue), not failed: only failed deliveries can be redelivered"
        }
    }
}
