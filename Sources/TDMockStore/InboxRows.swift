import Foundation
import GRDB
import GRDBSQLite
import TDMockCore

/// One conversation's row of the inbox listing as SQLite holds it, for a reader that writes it out
/// straight from the row: each text column as its UTF-8 bytes (nil for NULL), valid only while the row is
/// being read (a reader copies what it keeps), and the times in milliseconds.
public struct InboxRow {
    public let agent: UnsafeBufferPointer<UInt8>?
    public let contactEmail: UnsafeBufferPointer<UInt8>?
    public let contactName: UnsafeBufferPointer<UInt8>?
    public let createdAt: Int64
    public let endedAt: Int64?
    public let endedBy: UnsafeBufferPointer<UInt8>?
    public let id: UnsafeBufferPointer<UInt8>?
    public let lastActivityAt: Int64
    public let messageCount: Int64
    public let status: UnsafeBufferPointer<UInt8>?
    public let subject: UnsafeBufferPointer<UInt8>?
    public let touchpointID: UnsafeBufferPointer<UInt8>?

    /// The first 16 bytes of a text, big-endian in two integers (zeros past its end), so that the
    /// integers order as the texts do: how the listing and the workspace's page compare ids cheaply.
    public static func key(_ text: UnsafeBufferPointer<UInt8>?) -> (UInt64, UInt64) {
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

/// What reads one half of the inbox listing's rows: made for its half (its index, and how many rows to
/// expect, to size its buffers once), given each row in storage order, then asked for what it made.
public protocol InboxRowReader: ~Copyable {
    associatedtype Part: Sendable
    init(part: Int, expectedRows: Int)
    mutating func read(_ row: InboxRow)
    consuming func finish() -> Part
}

/// The inbox listing's rows (`GET /tdmock/v1/conversations`), for a reader that writes them out.
///
/// The inbox can hold hundreds of thousands of conversations, and decoding each row into a record (or
/// going through GRDB's `Row`) to encode it again is far from the bench's target for 100k. So the table
/// is read in storage order (a sequential scan, where reading it in `last_activity_at` order through an
/// index cost a random lookup per row; migration v3 dropped that index), in two halves by rowid at once,
/// each on its own reader (one per core here), with SQLite's C API, and each column is asked for once
/// (SQLite's column accessors were a fifth of the listing's time). What the rows become is the
/// reader's (the agent API writes them as JSON).
enum InboxRows {
    private enum Column: Int32 {
        case agent, contactEmail, contactName, createdAt, endedAt, endedBy, id, lastActivityAt, messageCount, status, subject,
            touchpointID
    }

    static func read<Reader: InboxRowReader & ~Copyable>(
        _ reader: any DatabaseReader,
        status: ConversationStatus?,
        into _: Reader.Type
    ) async throws
        -> [Reader.Part]
    {
        let last = try await reader.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(rowid) FROM conversation") } ?? 0
        let middle = last / 2
        async let first = reader.read { db in
            try Self.part(db, Reader.self, index: 0, status: status, rowids: Int64.min...middle, last: last)
        }
        async let second = reader.read { db in
            try Self.part(db, Reader.self, index: 1, status: status, rowids: (middle + 1)...Int64.max, last: last)
        }
        return try await [first, second]
    }

    /// The conversations whose rowids are in `rowids`, each given to a reader of `Reader`; `last` is the
    /// highest rowid when the listing began.
    private static func part<Reader: InboxRowReader & ~Copyable>(
        _ db: Database,
        _: Reader.Type,
        index: Int,
        status: ConversationStatus?,
        rowids: ClosedRange<Int64>,
        last: Int64
    ) throws -> Reader.Part {
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
        // Unfiltered, the rowids the part spans up to `last` are its conversations (rowids start at 1 and
        // conversations are never deleted one by one), where a COUNT(*) would be a second pass over the
        // table; with a status, the span could be far more than the matches, so those are counted.
        let expected =
            status == nil
            ? Int(max(0, min(rowids.upperBound, last) - max(rowids.lowerBound, 1) + 1))
            : try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversation" + filter, arguments: arguments) ?? 0
        var reader = Reader(part: index, expectedRows: expected)
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
            // A NULL text is a null pointer; the timestamps but `ended_at` are NOT NULL.
            func text(_ column: Column) -> UnsafeBufferPointer<UInt8>? {
                sqlite3_column_text(handle, column.rawValue).map {
                    UnsafeBufferPointer(start: $0, count: Int(sqlite3_column_bytes(handle, column.rawValue)))
                }
            }
            func integer(_ column: Column) -> Int64 { sqlite3_column_int64(handle, column.rawValue) }
            let row = InboxRow(
                agent: text(.agent),
                contactEmail: text(.contactEmail),
                contactName: text(.contactName),
                createdAt: integer(.createdAt),
                endedAt: sqlite3_column_type(handle, Column.endedAt.rawValue) == SQLITE_NULL ? nil : integer(.endedAt),
                endedBy: text(.endedBy),
                id: text(.id),
                lastActivityAt: integer(.lastActivityAt),
                messageCount: integer(.messageCount),
                status: text(.status),
                subject: text(.subject),
                touchpointID: text(.touchpointID)
            )
            reader.read(row)
        }
        return reader.finish()
    }
}
