import Foundation
import GRDB
import TDMockCore

/// One page of the inbox for the workspace (`GET /tdmock/v1/conversations?limit=&offset=&q=`), chosen
/// from a scan of the matching rows' sort keys and then read in full by rowid.
///
/// It replaces the plain `ORDER BY last_activity_at DESC, id LIMIT ? OFFSET ?`, which SQLite
/// answers through its sorter, reading and sorting every matching row whole: at the bench's 100k
/// conversations, too slow for the workspace's first render (bench/results). An index on
/// `last_activity_at` would answer it at once, but every Send a Message would pay for it: migration v3
/// dropped it. The scan reads three columns of each matching row without making a String, the keys are
/// sorted as integers, and only the page's rows are read whole. InboxPageTests holds it to that plain query
/// (`Inbox.page`, in the tests).
enum InboxPage {
    struct Key {
        var lastActivity: Int64
        /// The id's first 16 bytes as two integers (`InboxRow.key`); equal keys are told apart by
        /// the whole ids, read again.
        var idKey: (UInt64, UInt64)
        var rowid: Int64

        /// Newest activity first, then by id.
        static func precedes(_ a: Key, _ b: Key) -> Bool {
            if a.lastActivity != b.lastActivity { return a.lastActivity > b.lastActivity }
            if a.idKey.0 != b.idKey.0 { return a.idKey.0 < b.idKey.0 }
            return a.idKey.1 < b.idKey.1
        }

        func sameKey(_ other: Key) -> Bool {
            lastActivity == other.lastActivity && idKey == other.idKey
        }
    }

    static func page(
        _ db: Database,
        status: ConversationStatus?,
        search: String?,
        limit: Int,
        offset: Int
    ) throws
        -> (conversations: [Conversation], total: Int)
    {
        let filter = Inbox.PageFilter(status: status, search: search)
        var scan = try RawStatement(db, "SELECT last_activity_at, rowid, id FROM conversation \(filter.sql)")
        filter.bind(&scan)
        var keys = [Key]()
        while try scan.step() {
            keys.append(Key(lastActivity: scan.int64(0), idKey: InboxRow.key(scan.bytes(2)), rowid: scan.int64(1)))
        }
        let total = keys.count
        guard offset < total else { return ([], total) }
        keys.sort(by: Key.precedes)
        var end = min(offset + limit, total)
        // A run of equal keys reaching into the page is put in order by the whole ids.
        var start = offset
        while start > 0, keys[start - 1].sameKey(keys[start]) { start -= 1 }
        while end < total, keys[end - 1].sameKey(keys[end]) { end += 1 }
        var index = start
        while index < end {
            var runEnd = index + 1
            while runEnd < end, keys[runEnd].sameKey(keys[index]) { runEnd += 1 }
            if runEnd - index > 1 {
                let ids = try keys[index..<runEnd].map { ($0, try Inbox.id(db, rowid: $0.rowid)) }
                keys.replaceSubrange(index..<runEnd, with: ids.sorted { $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) }.map(\.0))
            }
            index = runEnd
        }
        let page = keys[offset..<min(offset + limit, total)].map(\.rowid)
        return (try Inbox.conversations(db, rowids: Array(page)), total)
    }
}
