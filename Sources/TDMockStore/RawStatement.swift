import Foundation
import GRDB
import GRDBSQLite

/// A statement GRDB compiled and caches, run through SQLite's C API: for the few statements every
/// message runs (reading the conversation's head, inserting the message, touching the conversation)
/// and for the rows a conversation's detail reads by the thousand (its transcript and deliveries, on
/// every agent action), where GRDB's argument arrays, value conversions and execution hooks cost more
/// than SQLite itself.
/// It binds and reads text with its length, so a string holding U+0000 is kept whole (GRDB's own
/// bindings pass text to SQLite as NUL-terminated C strings and read it back the same way): every
/// statement that writes or reads a string an integration or an agent sent goes through here.
/// Only for plain reads and writes inside a transaction GRDB opened (no transaction or savepoint
/// statements: GRDB tracks those), and the store has no transaction observers for the hooks to tell.
struct RawStatement: ~Copyable {
    private let handle: OpaquePointer
    private let db: Database
    private let sql: String
    private var index: Int32 = 1

    init(_ db: Database, _ sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        self.db = db
        self.sql = sql
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    deinit { sqlite3_reset(handle) }

    /// SQLite copies the bytes (SQLITE_TRANSIENT), so the text need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static var empty: UnsafePointer<CChar> { UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self) }

    mutating func bind(_ text: String?) {
        if let text {
            var text = text
            text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    // An empty text still needs a pointer: a null one would bind NULL.
                    _ = sqlite3_bind_text(handle, index, chars.baseAddress ?? Self.empty, Int32(chars.count), Self.transient)
                }
            }
        } else {
            sqlite3_bind_null(handle, index)
        }
        index += 1
    }

    mutating func bind(_ data: Data) {
        data.withUnsafeBytes { bytes in
            // An empty blob still needs a pointer: a null one would bind NULL.
            _ = sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(Self.empty), Int32(bytes.count), Self.transient)
        }
        index += 1
    }

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
        index += 1
    }

    /// Steps once: true with a row to read, false when done.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }

    /// Runs a statement that returns no rows.
    func execute() throws {
        _ = try step()
    }

    /// A text column of the current row; nil for NULL.
    func text(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    /// A text column's bytes, valid until the next step (no String made); nil for NULL.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
    }

    /// A text column that the schema makes NOT NULL.
    func string(_ column: Int32) -> String { text(column) ?? "" }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }

    func data(_ column: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }

    /// An integer column of milliseconds since 1970, read as GRDB's `.millisecondsSince1970` reads it.
    func date(_ column: Int32) -> Date { Date(timeIntervalSince1970: Double(int64(column)) / 1000.0) }

    func optionalDate(_ column: Int32) -> Date? { isNull(column) ? nil : date(column) }

    /// A text column holding one of an enumeration's raw values; a clear error for any other text.
    func value<Value: RawRepresentable<String>>(_ column: Int32, as type: Value.Type) throws -> Value {
        let text = string(column)
        guard let value = Value(rawValue: text) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "unexpected \(Value.self) '\(text)' in the store", sql: sql)
        }
        return value
    }
}
