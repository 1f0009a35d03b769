import GRDB
import TDMockCore

@testable import TDMockStore

/// The plain query `InboxPage.page` is held to: kept here, beside the test that compares them, since
/// nothing but that test runs it.
extension Inbox {
    /// One page of the inbox (the workspace's): newest activity first, optionally of one status and
    /// matching `search` (a case-insensitive part of the id, the contact's name or email, or the subject),
    /// with how many conversations match in all, by SQLite's own `ORDER BY … LIMIT … OFFSET`.
    static func page(
        _ db: Database,
        status: ConversationStatus?,
        search: String?,
        limit: Int,
        offset: Int
    ) throws
        -> (conversations: [Conversation], total: Int)
    {
        let filter = PageFilter(status: status, search: search)
        var count = try RawStatement(db, "SELECT COUNT(*) FROM conversation \(filter.sql)")
        filter.bind(&count)
        let total = try count.step() ? count.int(0) : 0
        var rows = try RawStatement(
            db,
            """
            SELECT \(conversationColumns) FROM conversation \(filter.sql)
            ORDER BY last_activity_at DESC, id LIMIT ?3 OFFSET ?4
            """
        )
        filter.bind(&rows)
        rows.bind(Int64(limit))
        rows.bind(Int64(offset))
        var conversations = [Conversation]()
        while try rows.step() { conversations.append(try conversation(rows)) }
        return (conversations, total)
    }
}
