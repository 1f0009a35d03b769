import Foundation
import GRDB
public import TDMockCore

/// The message an agent action wrote, if any, and the callbacks it owes (in order). (The answer reads the
/// conversation afresh, after the commit.)
public struct AgentActionResult: Sendable, Hashable {
    public var message: Message?
    public var deliveries: [CallbackDelivery]
}

/// The agent's side of the inbox. Each action writes its callback deliveries in the same transaction.
enum AgentActions {
    /// Assigns a queued conversation to `agent` (→ `conversation_started`). Assigning it again to the same
    /// agent changes nothing; another agent's conversation is refused.
    static func assign(
        _ db: Database,
        conversationID: String,
        agent: String,
        ids: IdentifierGenerator,
        now: Date
    ) throws
        -> AgentActionResult
    {
        let head = try Inbox.openConversation(db, conversationID, allowedTouchpoints: nil)
        if head.status == .assigned {
            guard head.agent == agent else {
                throw InboxError.assignedToAnother(conversation: conversationID, agent: head.agent ?? "another agent")
            }
            return AgentActionResult(message: nil, deliveries: [])
        }
        try Inbox.setAgent(db, conversationID, agent: agent, assignedAt: now)
        let delivery = try Outbox.enqueue(
            db,
            conversationID: conversationID,
            event: .conversationStarted,
            payload: .init(authorName: agent),
            ids: ids,
            now: now
        )
        return AgentActionResult(message: nil, deliveries: [delivery])
    }

    /// Sends the agent's message (→ `message_created`), assigning a queued conversation first, so that the
    /// integration always sees `conversation_started` before the first `message_created`.
    static func reply(
        _ db: Database,
        conversationID: String,
        agent: String,
        content: String,
        ids: IdentifierGenerator,
        now: Date
    ) throws -> AgentActionResult {
        var result = try assign(db, conversationID: conversationID, agent: agent, ids: ids, now: now)
        let message = try Inbox.appendMessage(
            db,
            to: conversationID,
            id: ids.identifier(),
            author: .agent,
            authorName: agent,
            content: content,
            attachments: [],
            now: now
        )
        let delivery = try Outbox.enqueue(
            db,
            conversationID: conversationID,
            event: .messageCreated,
            payload: .init(messageId: message.id, content: content, authorName: agent),
            ids: ids,
            now: now
        )
        result.message = message
        result.deliveries.append(delivery)
        return result
    }

    /// Closes the conversation (→ `conversation_ended`), ended by the agent.
    static func close(
        _ db: Database,
        conversationID: String,
        agent: String,
        ids: IdentifierGenerator,
        now: Date
    ) throws
        -> AgentActionResult
    {
        let head = try Inbox.openConversation(db, conversationID, allowedTouchpoints: nil)
        if head.status == .assigned, let owner = head.agent, owner != agent {
            throw InboxError.assignedToAnother(conversation: conversationID, agent: owner)
        }
        let ended = try Inbox.endConversation(db, conversationID: conversationID, by: .agent, allowedTouchpoints: nil, now: now)
        if ended.agent == nil {
            try Inbox.setAgent(db, conversationID, agent: agent, assignedAt: nil)
        }
        let delivery = try Outbox.enqueue(
            db,
            conversationID: conversationID,
            event: .conversationEnded,
            payload: .init(authorName: agent),
            ids: ids,
            now: now
        )
        return AgentActionResult(message: nil, deliveries: [delivery])
    }
}
