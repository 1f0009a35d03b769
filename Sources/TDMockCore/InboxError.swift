import Foundation

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
        case .conversationNotFound(let id): "conversation \(id) does not exist (tdmock inbox --status all lists them)"
        case .conversationEnded(let id): "conversation \(id) has ended: it can be read (tdmock show \(id)), not answered"
        case .touchpointNotAllowed(let id): "this client may not use touchpoint \(id)"
        case .idempotencyKeyReused(let key): "idempotency key \(key) was already used with a different request"
        case .assignedToAnother(let id, let agent):
            "conversation \(id) is assigned to \(agent): only \(agent) can act on it (pass --agent \(shellQuoted(agent)), or set TDMOCK_AGENT)"
        case .deliveryNotFound(let id): "callback delivery \(id) does not exist (tdmock callbacks lists them)"
        case .deliveryNotFailed(let id, let status): "callback delivery \(id) is \(status.rawValue), not failed: only failed deliveries can be redelivered"
        }
    }
}

/// A word as a POSIX shell reads it back: as it is when it is safe, else in single quotes.
func shellQuoted(_ word: String) -> String {
    let safe = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.@+:/=,".unicodeScalars.contains(scalar))
    }
    return safe ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
