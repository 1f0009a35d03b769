import Foundation
import GRDB
import GRDBSQLite
import TDMockCore

/// The inbox listing (`GET /tdmock/v1/conversations`) written straight from SQLite rows to JSON bytes.
///
/// The inbox can hold hundreds of thousands of conversations, and decoding each row into a record to
/// encode it again with `JSONEncoder` (or going through GRDB's `Row`) is far from the bench's target for
/// 100k. So the table is read in storage order (a sequential scan, where reading it in
/// `last_activity_at` order through an index cost a random lookup per row; migration v3 dropped that
/// index), in two halves at once, with SQLite's C API; each row is written once as a JSON object, and
/// the objects are then put in inbox order (most recent activity first, then id) by sorting small
/// entries that point at them, each half on its own reader, and merging the two. The keys and their order
/// are those of `AgentWire.ConversationSummary` (sorted, as every answer of the agent API).
enum InboxJSON {
    private enum Column: Int32 {
        case agent, contactEmail, contactName, createdAt, endedAt, endedBy, id, lastActivityAt, messageCount, status, subject,
            touchpointID
    }

    /// Where one conversation's object lies in its part's buffer, and what it sorts by: newest activity
    /// first, then by id, compared as the id's first 16 bytes packed in two integers (the whole id only
    /// when those are equal).
    struct Entry {
        var lastActivity: Int64
        var idKey: (UInt64, UInt64)
        var part: Int
        var start: Int
        var end: Int
        var idStart: Int
        var idEnd: Int

        /// Whether `self` comes before `other` in the inbox; `bytes` gives each one's part's buffer.
        @inline(__always)
        func precedes(_ other: Entry, _ bytes: (Int) -> UnsafeRawBufferPointer) -> Bool {
            if lastActivity != other.lastActivity { return lastActivity > other.lastActivity }
            if idKey.0 != other.idKey.0 { return idKey.0 < other.idKey.0 }
            if idKey.1 != other.idKey.1 { return idKey.1 < other.idKey.1 }
            return bytes(part)[idStart..<idEnd].lexicographicallyPrecedes(bytes(other.part)[other.idStart..<other.idEnd])
        }

        /// The first 16 bytes of a text, big-endian in two integers (zeros past its end), so that the
        /// integers order as the texts do.
        static func key(_ text: UnsafeBufferPointer<UInt8>?) -> (UInt64, UInt64) {
            guard let text else { return (0, 0) }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<16 {
                let byte = index < text.count ? UInt64(text[index]) : 0
                if index < 8 { high = high << 8 | byte } else { low = low << 8 | byte }
            }
            return (high, low)
        }
    }

    /// The inbox as JSON: the table is read in two halves by rowid, on two reader connections at once
    /// (one per core here), then the objects are put in order.
    static func conversations(_ reader: any DatabaseReader, status: ConversationStatus?) async throws -> InboxListing {
        let last = try await reader.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(rowid) FROM conversation") } ?? 0
        let middle = last / 2
        async let first = reader.read { db in try Part(db, index: 0, status: status, rowids: Int64.min...middle, last: last) }
        async let second = reader.read { db in try Part(db, index: 1, status: status, rowids: (middle + 1)...Int64.max, last: last) }
        let parts = try await [first, second]
        let buffers = parts.map(\.rows)
        // Each half comes sorted (on its reader, at the same time): merge them.
        let entries = buffers[0].withBytes { zero in
            buffers[1].withBytes { one in
                let bytes = { (part: Int) in part == 0 ? zero : one }
                let (left, right) = (parts[0].entries, parts[1].entries)
                var merged = [Entry]()
                merged.reserveCapacity(left.count + right.count)
                var (i, j) = (0, 0)
                while i < left.count, j < right.count {
                    if right[j].precedes(left[i], bytes) {
                        merged.append(right[j])
                        j += 1
                    } else {
                        merged.append(left[i])
                        i += 1
                    }
                }
                merged.append(contentsOf: left[i...])
                merged.append(contentsOf: right[j...])
                return merged
            }
        }
        return InboxListing(parts: buffers, entries: entries)
    }

    /// The conversations whose rowids are in `rowids`, each written once as a JSON object; `last` is the
    /// highest rowid when the listing began.
    fileprivate final class Part: @unchecked Sendable {  // made on one reader, read-only afterwards
        let rows: Rows
        let entries: [Entry]

        init(_ db: Database, index: Int, status: ConversationStatus?, rowids: ClosedRange<Int64>, last: Int64) throws {
            var filter = " WHERE rowid BETWEEN ? AND ?"
            var arguments: StatementArguments = [rowids.lowerBound, rowids.upperBound]
            if let status {
                filter += " AND status = ?"
                arguments += [status.rawValue]
            }
            let sql = """
                SELECT agent, contact_email, contact_name, created_at, ended_at, ended_by, id, last_activity_at,
                       message_count, status, subject, touchpoint_id
                FROM conversation
                """ + filter
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(arguments)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            // Sized up front: growing a buffer of tens of MB by doubling costs copies and page faults.
            // Unfiltered, the rowids the part spans up to `last` are its conversations (rowids start at 1
            // and conversations are never deleted one by one), where a COUNT(*) would be a second pass
            // over the table; with a status, the span could be far more than the matches, so those are
            // counted.
            let expected =
                status == nil
                ? Int(max(0, min(rowids.upperBound, last) - max(rowids.lowerBound, 1) + 1))
                : try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversation" + filter, arguments: arguments) ?? 0
            var rows = JSONBytes(capacity: expected * 420)
            var entries = [Entry]()
            entries.reserveCapacity(expected)
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                        sql: sql
                    )
                }
                let start = rows.count
                // Keys sorted, absent values left out: as JSONEncoder writes `AgentWire.ConversationSummary`.
                // Each column is asked for once (a NULL text is a null pointer; the timestamps but `ended_at`
                // are NOT NULL): SQLite's column accessors were a fifth of the listing's time.
                func text(_ column: Column) -> UnsafeBufferPointer<UInt8>? {
                    sqlite3_column_text(handle, column.rawValue).map {
                        UnsafeBufferPointer(start: $0, count: Int(sqlite3_column_bytes(handle, column.rawValue)))
                    }
                }
                func integer(_ column: Column) -> Int64 { sqlite3_column_int64(handle, column.rawValue) }
                rows.append(byte: UInt8(ascii: "{"))
                if let agent = text(.agent) {
                    rows.literal(#""agent":"#)
                    rows.string(agent)
                    rows.append(byte: UInt8(ascii: ","))
                }
                rows.literal(#""contact_person":{"email":"#)
                rows.string(text(.contactEmail))
                if let name = text(.contactName) {
                    rows.literal(#","name":"#)
                    rows.string(name)
                }
                rows.literal(#"},"created_at":"#)
                rows.timestamp(milliseconds: integer(.createdAt))
                if sqlite3_column_type(handle, Column.endedAt.rawValue) != SQLITE_NULL {
                    rows.literal(#","ended_at":"#)
                    rows.timestamp(milliseconds: integer(.endedAt))
                }
                if let endedBy = text(.endedBy) {
                    rows.literal(#","ended_by":"#)
                    rows.string(endedBy)
                }
                rows.literal(#","id":"#)
                let id = text(.id)
                let idStart = rows.count
                rows.string(id)
                let idEnd = rows.count
                let lastActivity = integer(.lastActivityAt)
                rows.literal(#","last_activity_at":"#)
                rows.timestamp(milliseconds: lastActivity)
                rows.literal(#","message_count":"#)
                rows.integer(integer(.messageCount))
                rows.literal(#","status":"#)
                rows.string(text(.status))
                if let subject = text(.subject) {
                    rows.literal(#","subject":"#)
                    rows.string(subject)
                }
                rows.literal(#","touchpoint_id":"#)
                rows.string(text(.touchpointID))
                rows.append(byte: UInt8(ascii: "}"))
                entries.append(
                    Entry(
                        lastActivity: lastActivity,
                        idKey: Entry.key(id),
                        part: index,
                        start: start,
                        end: rows.count,
                        idStart: idStart,
                        idEnd: idEnd
                    )
                )
            }
            // Rows come mostly in creation order, so reversed they are nearly in inbox order already,
            // which the (run-detecting, stable) sort then passes through quickly.
            entries.reverse()
            rows.withBytes { bytes in entries.sort { $0.precedes($1, { _ in bytes }) } }
            self.rows = Rows(rows)
            self.entries = entries
        }
    }

    /// A part's bytes, shared by the listing that writes them out.
    final class Rows: @unchecked Sendable {  // read-only once made
        private let bytes: JSONBytes
        init(_ bytes: consuming JSONBytes) { self.bytes = bytes }
        func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result { try bytes.withBytes(body) }
    }

}

/// The conversations' objects and their order, handed out in chunks for the answer's body (no second copy
/// of the whole list).
public final class InboxListing: @unchecked Sendable {  // immutable once made
    private let parts: [InboxJSON.Rows]
    private let entries: [InboxJSON.Entry]

    fileprivate init(parts: [InboxJSON.Rows], entries: [InboxJSON.Entry]) {
        self.parts = parts
        self.entries = entries
    }

    static func read(_ reader: any DatabaseReader, status: ConversationStatus?) async throws -> InboxListing {
        try await InboxJSON.conversations(reader, status: status)
    }

    /// The JSON array's length in bytes.
    public var contentLength: Int {
        entries.reduce(2 + max(entries.count - 1, 0)) { $0 + $1.end - $1.start }
    }

    /// Where `chunk(from:maxBytes:_:)` starts; it returns `end` once the array is written.
    public var start: Int { -1 }
    public var end: Int { entries.count + 1 }

    /// Hands `write` the array's bytes from position `position` (`start` is the opening bracket, each
    /// entry after it, `end` past the closing one) until about `maxBytes` are written; returns the
    /// position to go on from.
    public func chunk(from position: Int, maxBytes: Int, _ write: (UnsafeRawBufferPointer) -> Void) -> Int {
        var position = position
        var written = 0
        withUnsafeBytes(of: UInt8(ascii: "[")) {
            if position == start {
                write($0)
                written += 1
                position += 1
            }
        }
        while position < entries.count, written < maxBytes {
            let entry = entries[position]
            if position > 0 { withUnsafeBytes(of: UInt8(ascii: ",")) { write($0) } }
            parts[entry.part].withBytes { bytes in write(UnsafeRawBufferPointer(rebasing: bytes[entry.start..<entry.end])) }
            written += entry.end - entry.start + 1
            position += 1
        }
        if position == entries.count {
            withUnsafeBytes(of: UInt8(ascii: "]")) { write($0) }
            position += 1
        }
        return position
    }
}
