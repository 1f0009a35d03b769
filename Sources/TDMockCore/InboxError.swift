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
    case questionNotFound(String)
    /// A question answered already, or let go (expired): its answer cannot change.
    case questionClosed(String, QuestionStatus)
    case contactNotFound(String)
    /// The call has ended (how: the branch that ended it, or `hangup`).
    case contactEnded(String, how: String)
    /// The contact's previous utterance is still with the Lambda.
    case contactBusy(String)
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
        case .deliveryNotFailed(let id, let status):
            "callback delivery \(id) is \(status.rawValue), not failed: only failed deliveries can be redelivered"
        case .questionNotFound(let id): "question \(id) does not exist (tdmock questions --status all lists them)"
        case .questionClosed(let id, .expired):
            "question \(id) has expired: the request that asked it stopped waiting, so an answer would reach nobody"
        case .questionClosed(let id, _): "question \(id) is already answered (tdmock questions --status answered shows how)"
        case .contactNotFound(let id): "contact \(id) does not exist (tdmock contacts lists them)"
        case .contactEnded(let id, let how): "contact \(id) has ended (\(how)): start another call"
        case .contactBusy(let id): "contact \(id) is still waiting for the Lambda's answer to its previous utterance"
        }
    }
}

/// A word as a POSIX shell reads it back: as it is when it is safe, else in single quotes.
func shellQuoted(_ word: String) -> String {
    let safe =
        !word.isEmpty
        && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.@+:/=,".unicodeScalars.contains(scalar))
        }
    return safe ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
