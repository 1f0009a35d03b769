import Foundation
package import TDMockCore
package import TDMockStore

/// The inbox listing (`GET /tdmock/v1/conversations`) written straight from the store's rows to JSON bytes.
///
/// Decoding each row into a record to encode it again with `JSONEncoder` is far from the bench's target
/// for 100k conversations. So each row (`InboxRow`, read by the store in two halves at once) is written
/// once as a JSON object, and the objects are then put in inbox order (most recent activity first, then
/// id) by sorting small entries that point at them, each half on its own reader, and merging the two.
/// The keys and their order are those of `AgentWire.ConversationSummary` (sorted, as every answer of the
/// agent API): the tests compare the bytes with `JSONCoding.encoder`'s.
package final class InboxListing: @unchecked Sendable {  // immutable once made
    private let parts: [InboxJSON.Rows]
    private let entries: [InboxJSON.Entry]

    private init(parts: [InboxJSON.Rows], entries: [InboxJSON.Entry]) {
        self.parts = parts
        self.entries = entries
    }

    /// The inbox, newest activity first, of one status or all.
    package static func read(_ database: AppDatabase, status: ConversationStatus?) async throws -> InboxListing {
        let parts = try await database.inboxRows(status: status, into: InboxJSON.self)
        let buffers = parts.map(\.rows)
        // Each half comes sorted (on its reader, at the same time): merge them.
        let entries = buffers[0].withBytes { zero in
            buffers[1].withBytes { one in
                let bytes = { (part: Int) in part == 0 ? zero : one }
                let (left, right) = (parts[0].entries, parts[1].entries)
                var merged = [InboxJSON.Entry]()
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

    /// The JSON array's length in bytes.
    package var contentLength: Int {
        entries.reduce(2 + max(entries.count - 1, 0)) { $0 + $1.end - $1.start }
    }

    /// Where `chunk(from:maxBytes:_:)` starts; it returns `end` once the array is written.
    package var start: Int { -1 }
    package var end: Int { entries.count + 1 }

    /// Hands `write` the array's bytes from position `position` (`start` is the opening bracket, each
    /// entry after it, `end` past the closing one) until about `maxBytes` are written; returns the
    /// position to go on from.
    package func chunk(from position: Int, maxBytes: Int, _ write: (UnsafeRawBufferPointer) -> Void) -> Int {
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

/// Writes one half of the listing's rows as JSON objects, each with its sort key.
struct InboxJSON: InboxRowReader, ~Copyable {
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
    }

    /// A part's bytes, shared by the listing that writes them out.
    final class Rows: @unchecked Sendable {  // read-only once made
        private let bytes: JSONBytes
        init(_ bytes: consuming JSONBytes) { self.bytes = bytes }
        func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result { try bytes.withBytes(body) }
    }

    /// A half, written and sorted.
    final class Part: @unchecked Sendable {  // made on one reader, read-only afterwards
        let rows: Rows
        let entries: [Entry]

        init(rows: Rows, entries: [Entry]) {
            self.rows = rows
            self.entries = entries
        }
    }

    private let part: Int
    private var rows: JSONBytes
    private var entries: [Entry] = []

    init(part: Int, expectedRows: Int) {
        self.part = part
        // Sized up front: growing a buffer of tens of MB by doubling costs copies and page faults.
        rows = JSONBytes(capacity: expectedRows * 420)
        entries.reserveCapacity(expectedRows)
    }

    /// One row as its object: keys sorted, absent values left out, as JSONEncoder writes
    /// `AgentWire.ConversationSummary`.
    mutating func read(_ row: InboxRow) {
        let start = rows.count
        rows.append(byte: UInt8(ascii: "{"))
        if let agent = row.agent {
            rows.literal(#""agent":"#)
            rows.string(agent)
            rows.append(byte: UInt8(ascii: ","))
        }
        rows.literal(#""contact_person":{"email":"#)
        rows.string(row.contactEmail)
        if let name = row.contactName {
            rows.literal(#","name":"#)
            rows.string(name)
        }
        rows.literal(#"},"created_at":"#)
        rows.timestamp(milliseconds: row.createdAt)
        if let endedAt = row.endedAt {
            rows.literal(#","ended_at":"#)
            rows.timestamp(milliseconds: endedAt)
        }
        if let endedBy = row.endedBy {
            rows.literal(#","ended_by":"#)
            rows.string(endedBy)
        }
        rows.literal(#","id":"#)
        let idStart = rows.count
        rows.string(row.id)
        let idEnd = rows.count
        rows.literal(#","last_activity_at":"#)
        rows.timestamp(milliseconds: row.lastActivityAt)
        rows.literal(#","message_count":"#)
        rows.integer(row.messageCount)
        rows.literal(#","status":"#)
        rows.string(row.status)
        if let subject = row.subject {
            rows.literal(#","subject":"#)
            rows.string(subject)
        }
        rows.literal(#","touchpoint_id":"#)
        rows.string(row.touchpointID)
        rows.append(byte: UInt8(ascii: "}"))
        entries.append(
            Entry(
                lastActivity: row.lastActivityAt,
                idKey: InboxRow.key(row.id),
                part: part,
                start: start,
                end: rows.count,
                idStart: idStart,
                idEnd: idEnd
            )
        )
    }

    /// The half in inbox order. Rows come mostly in creation order, so reversed they are nearly in inbox
    /// order already, which the (run-detecting, stable) sort then passes through quickly.
    consuming func finish() -> Part {
        var entries = entries
        entries.reverse()
        rows.withBytes { bytes in entries.sort { $0.precedes($1, { _ in bytes }) } }
        return Part(rows: Rows(rows), entries: entries)
    }
}
