import Foundation
import GRDB
import NIOCore
import TDMockCore

/// `GET /tdmock/v1/conversations` written straight from SQLite rows to JSON bytes.
///
/// The inbox can hold hundreds of thousands of conversations; decoding each row into a record and
/// encoding it again with `JSONEncoder` took seconds for 100k (see bench/results). The keys and their
/// order are those of `AgentWire.ConversationSummary` (sorted, as every answer of the agent API).
enum InboxJSON {
    static func conversations(_ db: Database, status: ConversationStatus?) throws -> ByteBuffer {
        var sql = """
            SELECT agent, contact_email, contact_name, created_at, ended_at, ended_by, id, last_activity_at,
                   message_count, status, subject, touchpoint_id
            FROM conversation
            """
        var arguments: StatementArguments = []
        if let status {
            sql += " WHERE status = ?"
            arguments = [status.rawValue]
        }
        sql += " ORDER BY last_activity_at DESC, id"
        var out = [UInt8]()
        out.reserveCapacity(4096)
        out.append(UInt8(ascii: "["))
        var first = true
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            key(&out, "agent", first: true); string(&out, row[0] as String?)
            key(&out, "contact_person")
            out.append(contentsOf: Array(#"{"email":"#.utf8)); string(&out, row[1] as String?)
            if let name = row[2] as String? {
                out.append(contentsOf: Array(#","name":"#.utf8)); string(&out, name)
            }
            out.append(UInt8(ascii: "}"))
            key(&out, "created_at"); timestamp(&out, row[3] as Int64?)
            key(&out, "ended_at"); timestamp(&out, row[4] as Int64?)
            key(&out, "ended_by"); string(&out, row[5] as String?)
            key(&out, "id"); string(&out, row[6] as String?)
            key(&out, "last_activity_at"); timestamp(&out, row[7] as Int64?)
            key(&out, "message_count"); out.append(contentsOf: Array(String(row[8] as Int64? ?? 0).utf8))
            key(&out, "status"); string(&out, row[9] as String?)
            key(&out, "subject"); string(&out, row[10] as String?)
            key(&out, "touchpoint_id"); string(&out, row[11] as String?)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return ByteBuffer(bytes: out)
    }

    private static func key(_ out: inout [UInt8], _ name: String, first: Bool = false) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    private static func timestamp(_ out: inout [UInt8], _ milliseconds: Int64?) {
        string(&out, milliseconds.map { Timestamp.string(from: Date(timeIntervalSince1970: Double($0) / 1000)) })
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string (or null), escaped as RFC 8259 asks: quote, backslash and control characters.
    static func string(_ out: inout [UInt8], _ value: String?) {
        guard let value else {
            out.append(contentsOf: Array("null".utf8))
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20: out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
