import Foundation
import GRDB
import TDMockCore

/// What an agent action changed, and the callbacks it owes (in order).
public struct AgentActionResult: Sendable, Hashable {
    public var conversation: Conversation
    public var message: Message?
    public var deliveries: [CallbackDelivery]
}

/// The agent's side of the inbox. Each action writes its callback deliveries in the same transaction.
public enum AgentActions {
    /// Assigns a queued conversation to `agent` (→ `conversation_started`). Assigning it again to the same
    /// agent changes nothing; another agent's conversation is refused.
    public static func assign(_ db: Database, conversationID: String, agent: String, ids: IdentifierGenerator, now: Date) throws
        -> AgentActionResult
    {
        var record = try Inbox.openConversation(db, conversationID, allowedTouchpoints: nil)
        if record.status == .assigned {
            guard record.agent == agent else {
                throw InboxError.assignedToAnother(conversation: conversationID, agent: record.agent ?? "another agent")
            }
            return AgentActionResult(conversation: record.conversation, message: nil, deliveries: [])
        }
        record.status = .assigned
        record.agent = agent
        record.lastActivityAt = now
        try record.update(db)
        let delivery = try Outbox.enqueue(
            db, conversationID: conversationID, event: .conversationStarted, payload: .init(authorName: agent), ids: ids, now: now)
        return AgentActionResult(conversation: record.conversation, message: nil, deliveries: [delivery])
    }

    /// Sends the agent's message (→ `message_created`), assigning a queued conversation first, so that the
    /// integration always sees `conversation_started` before the first `message_created`.
    public static func reply(
        _ db: Database, conversationID: String, agent: String, content: String, ids: IdentifierGenerator, now: Date
    ) throws -> AgentActionResult {
        var result = try assign(db, conversationID: conversationID, agent: agent, ids: ids, now: now)
        let record = try Inbox.openConversation(db, conversationID, allowedTouchpoints: nil)
        let message = try Inbox.appendMessage(
            db, to: record, author: .agent, authorName: agent, content: content, attachments: [], ids: ids, now: now)
        let delivery = try Outbox.enqueue(
            db, conversationID: conversationID, event: .messageCreated,
            payload: .init(messageId: message.id, content: content, authorName: agent), ids: ids, now: now)
        result.message = message
        result.deliveries.append(delivery)
        result.conversation = try Inbox.conversation(db, id: conversationID) ?? result.conversation
        return result
    }

    /// Closes the conversation (→ `conversation_ended`), ended by the agent.
    public static func close(_ db: Database, conversationID: String, agent: String, ids: IdentifierGenerator, now: Date) throws
        -> AgentActionResult
    {
        let current = try Inbox.openConversation(db, conversationID, allowedTouchpoints: nil)
        if current.status == .assigned, let owner = current.agent, owner != agent {
            throw InboxError.assignedToAnother(conversation: conversationID, agent: owner)
        }
        var conversation = try Inbox.endConversation(db, conversationID: conversationID, by: .agent, allowedTouchpoints: nil, now: now)
        if conversation.agent == nil {
            conversation.agent = agent
            try db.execute(sql: "UPDATE conversation SET agent = ? WHERE id = ?", arguments: [agent, conversationID])
        }
        let delivery = try Outbox.enqueue(
            db, conversationID: conversationID, event: .conversationEnded, payload: .init(authorName: agent), ids: ids, now: now)
        return AgentActionResult(conversation: conversation, message: nil, deliveries: [delivery])
    }
}
