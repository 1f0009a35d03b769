import Foundation
import GRDB
import TDMockCore

/// The inbox's reads and writes, each inside a transaction its caller opened.
enum Inbox {
    /// Stores a new queued conversation and its previous messages as the first messages of its transcript.
    static func startConversation(
        _ db: Database,
        _ new: NewConversation,
        clientID: String,
        ids: IdentifierGenerator,
        now: Date
    ) throws -> Conversation {
        let conversation = Conversation(
            id: ids.identifier(),
            touchpointID: new.touchpointID,
            clientID: clientID,
            subject: new.subject,
            contactPerson: new.contactPerson,
            contextParameters: new.contextParameters,
            status: .queued,
            agent: nil,
            endedBy: nil,
            createdAt: now,
            lastActivityAt: now,
            endedAt: nil,
            messageCount: new.previousMessages.count
        )
        var insert = try RawStatement(
            db,
            """
            INSERT INTO conversation (id, touchpoint_id, client_id, subject, contact_email, contact_name, context_parameters,
                                      status, created_at, last_activity_at, message_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
            """
        )
        insert.bind(conversation.id)
        insert.bind(conversation.touchpointID)
        insert.bind(clientID)
        insert.bind(conversation.subject)
        insert.bind(conversation.contactPerson.email)
        insert.bind(conversation.contactPerson.name)
        insert.bind(String(decoding: try JSONCoding.encoder.encode(conversation.contextParameters), as: UTF8.self))
        insert.bind(Timestamp.milliseconds(now))
        insert.bind(Timestamp.milliseconds(now))
        insert.bind(Int64(conversation.messageCount))
        try insert.execute()
        for previous in new.previousMessages {
            let author: MessageAuthor = previous.kind == .user ? .contact : .system
            try insertMessage(
                db,
                Message(
                    id: ids.identifier(),
                    conversationID: conversation.id,
                    author: author,
                    authorName: author == .contact ? new.contactPerson.name : nil,
                    content: previous.content,
                    attachments: [],
                    createdAt: previous.createdAt ?? now
                )
            )
        }
        return conversation
    }

    /// Adds the contact's message, with the id `messageID`, to an open conversation.
    static func addContactMessage(
        _ db: Database,
        conversationID: String,
        _ new: NewContactMessage,
        allowedTouchpoints: Set<String>?,
        messageID: String,
        now: Date
    ) throws -> Message {
        let conversation = try openConversation(db, conversationID, allowedTouchpoints: allowedTouchpoints)
        return try appendMessage(
            db,
            to: conversation.id,
            id: messageID,
            author: .contact,
            authorName: conversation.contactName,
            content: new.content,
            attachments: new.attachments,
            now: now
        )
    }

    /// Ends an open conversation on behalf of `party`.
    @discardableResult
    static func endConversation(
        _ db: Database,
        conversationID: String,
        by party: ConversationParty,
        allowedTouchpoints: Set<String>?,
        now: Date
    ) throws -> ConversationHead {
        var head = try openConversation(db, conversationID, allowedTouchpoints: allowedTouchpoints)
        try db.cachedStatement(
            sql: "UPDATE conversation SET status = 'ended', ended_by = ?, ended_at = ?, last_activity_at = ? WHERE id = ?"
        ).execute(arguments: [party.rawValue, Timestamp.milliseconds(now), Timestamp.milliseconds(now), conversationID])
        head.status = .ended
        return head
    }

    /// One conversation, or nil.
    static func conversation(_ db: Database, id: String) throws -> Conversation? {
        var statement = try RawStatement(db, "SELECT \(conversationColumns) FROM conversation WHERE id = ?")
        statement.bind(id)
        return try statement.step() ? try conversation(statement) : nil
    }

    /// The columns `conversation(_:)` reads, in its order.
    static let conversationColumns = """
        id, touchpoint_id, client_id, subject, contact_email, contact_name, context_parameters, status, agent, ended_by,
        created_at, last_activity_at, ended_at, message_count
        """

    static func conversation(_ row: borrowing RawStatement) throws -> Conversation {
        let context = row.string(6)
        return Conversation(
            id: row.string(0),
            touchpointID: row.string(1),
            clientID: row.string(2),
            subject: row.text(3),
            contactPerson: ContactPerson(email: row.string(4), name: row.text(5)),
            contextParameters: context == "{}" ? [:] : try JSONDecoder().decode([String: JSONValue].self, from: Data(context.utf8)),
            status: try row.value(7, as: ConversationStatus.self),
            agent: row.text(8),
            endedBy: row.isNull(9) ? nil : try row.value(9, as: ConversationParty.self),
            createdAt: row.date(10),
            lastActivityAt: row.date(11),
            endedAt: row.optionalDate(12),
            messageCount: row.int(13)
        )
    }

    /// A conversation's transcript, oldest first.
    static func messages(_ db: Database, conversationID: String) throws -> [Message] {
        // Read on every agent action (its answer is the whole conversation): one cached statement through
        // SQLite's C API (a test reads every column back as written).
        var statement = try RawStatement(
            db,
            "SELECT id, conversation_id, author, author_name, content, attachments, created_at FROM message WHERE conversation_id = ? ORDER BY seq"
        )
        statement.bind(conversationID)
        var messages = [Message]()
        while try statement.step() {
            let attachments = statement.string(5)
            messages.append(
                Message(
                    id: statement.string(0),
                    conversationID: statement.string(1),
                    author: try statement.value(2, as: MessageAuthor.self),
                    authorName: statement.text(3),
                    content: statement.string(4),
                    attachments: attachments == "[]" ? [] : try JSONDecoder().decode([Attachment].self, from: Data(attachments.utf8)),
                    createdAt: statement.date(6)
                )
            )
        }
        return messages
    }

    /// Conversations, newest activity first, optionally of one status.
    static func conversations(
        _ db: Database,
        status: ConversationStatus?,
        limit: Int? = nil
    ) throws
        -> [Conversation]
    {
        var statement = try RawStatement(
            db,
            """
            SELECT \(conversationColumns) FROM conversation
            \(status == nil ? "" : "WHERE status = ?") ORDER BY last_activity_at DESC, id LIMIT ?
            """
        )
        if let status { statement.bind(status.rawValue) }
        statement.bind(Int64(limit ?? -1))
        var conversations = [Conversation]()
        while try statement.step() { conversations.append(try conversation(statement)) }
        return conversations
    }

    /// The `WHERE` of an inbox page: `?1` the status, `?2` the search as a `LIKE` pattern (`%`, `_` and `\\`
    /// in it are characters, not wildcards).
    struct PageFilter {
        var status: ConversationStatus?
        var pattern: String?

        init(status: ConversationStatus?, search: String?) {
            self.status = status
            pattern = search.map { text in
                "%"
                    + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            }
        }

        var sql: String {
            var conditions = [String]()
            if status != nil { conditions.append("status = ?1") }
            if pattern != nil {
                let fields = ["id", "contact_name", "contact_email", "subject"].map { "\($0) LIKE ?2 ESCAPE '\\'" }
                conditions.append("(" + fields.joined(separator: " OR ") + ")")
            }
            return conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        }

        /// Binds `?1` and `?2`, whether or not the statement uses them (SQLite ignores a parameter it lacks).
        func bind(_ statement: inout RawStatement) {
            statement.bind(status?.rawValue)
            statement.bind(pattern)
        }
    }

    /// Conversations by rowid, in the order given.
    static func conversations(_ db: Database, rowids: [Int64]) throws -> [Conversation] {
        try rowids.map { rowid in
            var statement = try RawStatement(db, "SELECT \(conversationColumns) FROM conversation WHERE rowid = ?")
            statement.bind(rowid)
            guard try statement.step() else { throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "conversation row \(rowid) went away") }
            return try conversation(statement)
        }
    }

    /// A conversation's id by rowid.
    static func id(_ db: Database, rowid: Int64) throws -> String {
        var statement = try RawStatement(db, "SELECT id FROM conversation WHERE rowid = ?")
        statement.bind(rowid)
        return try statement.step() ? statement.string(0) : ""
    }

    /// What the hot paths need to know of a conversation, read with one cached statement.
    struct ConversationHead: Sendable, Hashable {
        public var id: String
        public var touchpointID: String
        public var status: ConversationStatus
        public var agent: String?
        public var contactName: String?
    }

    static func head(_ db: Database, _ id: String) throws -> ConversationHead? {
        var statement = try RawStatement(db, "SELECT touchpoint_id, status, agent, contact_name FROM conversation WHERE id = ?")
        statement.bind(id)
        guard try statement.step() else { return nil }
        return ConversationHead(
            id: id,
            touchpointID: statement.text(0) ?? "",
            status: statement.text(1).flatMap(ConversationStatus.init(rawValue:)) ?? .ended,
            agent: statement.text(2),
            contactName: statement.text(3)
        )
    }

    /// The conversation, if it exists, is the client's to use, and has not ended.
    static func openConversation(_ db: Database, _ id: String, allowedTouchpoints: Set<String>?) throws -> ConversationHead {
        guard let head = try head(db, id) else { throw InboxError.conversationNotFound(id) }
        if let allowedTouchpoints, !allowedTouchpoints.contains(head.touchpointID) {
            throw InboxError.touchpointNotAllowed(head.touchpointID)
        }
        guard head.status != .ended else { throw InboxError.conversationEnded(id) }
        return head
    }

    static func appendMessage(
        _ db: Database,
        to conversationID: String,
        id: String,
        author: MessageAuthor,
        authorName: String?,
        content: String,
        attachments: [Attachment],
        now: Date
    ) throws -> Message {
        let message = Message(
            id: id,
            conversationID: conversationID,
            author: author,
            authorName: authorName,
            content: content,
            attachments: attachments,
            createdAt: now
        )
        try insertMessage(db, message)
        var touch = try RawStatement(db, "UPDATE conversation SET message_count = message_count + 1, last_activity_at = ? WHERE id = ?")
        touch.bind(Timestamp.milliseconds(now))
        touch.bind(conversationID)
        try touch.execute()
        return message
    }

    private static func insertMessage(_ db: Database, _ message: Message) throws {
        let attachmentsJSON = message.attachments.isEmpty ? "[]" : String(decoding: try JSONCoding.encoder.encode(message.attachments), as: UTF8.self)
        var insert = try RawStatement(
            db,
            "INSERT INTO message (id, conversation_id, author, author_name, content, attachments, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        insert.bind(message.id)
        insert.bind(message.conversationID)
        insert.bind(message.author.rawValue)
        insert.bind(message.authorName)
        insert.bind(message.content)
        insert.bind(attachmentsJSON)
        insert.bind(Timestamp.milliseconds(message.createdAt))
        try insert.execute()
    }

    /// Sets a conversation's agent (and, when given, its status and last activity).
    static func setAgent(_ db: Database, _ conversationID: String, agent: String, assignedAt now: Date?) throws {
        var update = try RawStatement(
            db,
            now == nil
                ? "UPDATE conversation SET agent = ? WHERE id = ?"
                : "UPDATE conversation SET status = 'assigned', agent = ?, last_activity_at = ? WHERE id = ?"
        )
        update.bind(agent)
        if let now { update.bind(Timestamp.milliseconds(now)) }
        update.bind(conversationID)
        try update.execute()
    }
}
