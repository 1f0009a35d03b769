import Foundation
import GRDB
import TDMockCore

/// The Attachments API's upload links and attachments, each inside a transaction its caller opened.
/// Names and metadata an integration sent go through `RawStatement` (kept whole, U+0000 included); the
/// file is a blob on its upload link's row until the attachment that names the link is deleted.
enum Attachments {
    static func insertUpload(_ db: Database, _ upload: AttachmentUpload, clientID: String, now: Date) throws {
        var insert = try RawStatement(
            db,
            "INSERT INTO attachment_upload (request_id, client_id, allowed_types, created_at, expires_at) VALUES (?, ?, ?, ?, ?)"
        )
        insert.bind(upload.requestID)
        insert.bind(clientID)
        insert.bind(JSONCoding.text(upload.allowedTypes))
        insert.bind(Timestamp.milliseconds(now))
        insert.bind(Timestamp.milliseconds(upload.expiresAt))
        try insert.execute()
    }

    /// Keeps the file of a link: once, before the link expires, of a type the link allows.
    static func upload(_ db: Database, requestID: String, type: String, data: Data, now: Date) throws {
        var find = try RawStatement(db, "SELECT allowed_types, expires_at, size FROM attachment_upload WHERE request_id = ?")
        find.bind(requestID)
        guard try find.step() else { throw AttachmentError.uploadNotFound(requestID) }
        let allowed = JSONValue(parsing: Data(find.string(0).utf8))?.arrayValue?.compactMap(\.stringValue) ?? []
        guard find.date(1) > now else { throw AttachmentError.uploadExpired(requestID) }
        guard find.isNull(2) else { throw AttachmentError.alreadyUploaded(requestID) }
        guard allowed.isEmpty || allowed.contains(where: { $0.lowercased() == type.lowercased() }) else {
            throw AttachmentError.typeNotAllowed(type: type, allowed: allowed)
        }
        var update = try RawStatement(db, "UPDATE attachment_upload SET content_type = ?, size = ?, data = ? WHERE request_id = ?")
        update.bind(type)
        update.bind(Int64(data.count))
        update.bind(data)
        update.bind(requestID)
        try update.execute()
    }

    /// A new attachment of an upload link's request; its name must be free.
    static func create(
        _ db: Database,
        id: String,
        name: String,
        requestID: String,
        metadata: [String: JSONValue],
        now: Date
    ) throws
        -> AttachmentFile
    {
        var upload = try RawStatement(db, "SELECT 1 FROM attachment_upload WHERE request_id = ?")
        upload.bind(requestID)
        guard try upload.step() else { throw AttachmentError.uploadNotFound(requestID) }
        var taken = try RawStatement(db, "SELECT 1 FROM attachment WHERE name = ?")
        taken.bind(name)
        guard try !taken.step() else { throw AttachmentError.nameTaken(name) }
        var insert = try RawStatement(db, "INSERT INTO attachment (id, name, request_id, metadata, created_at) VALUES (?, ?, ?, ?, ?)")
        insert.bind(id)
        insert.bind(name)
        insert.bind(requestID)
        insert.bind(JSONCoding.text(JSONValue.object(metadata)))
        insert.bind(Timestamp.milliseconds(now))
        try insert.execute()
        guard let attachment = try find(db, id: id) else { throw AttachmentError.notFound(id) }
        return attachment
    }

    static func find(_ db: Database, id: String) throws -> AttachmentFile? {
        var statement = try RawStatement(db, "SELECT \(columns) FROM attachment a JOIN attachment_upload u USING (request_id) WHERE a.id = ?")
        statement.bind(id)
        return try statement.step() ? attachment(statement) : nil
    }

    /// The attachments, oldest first, filtered by name, types and state; one page, and how many match.
    static func list(
        _ db: Database,
        name: String?,
        types: [String],
        state: AttachmentFile.State?,
        limit: Int,
        offset: Int
    ) throws -> (attachments: [AttachmentFile], total: Int) {
        var conditions: [String] = []
        if name != nil { conditions.append("a.name = ?") }
        if !types.isEmpty { conditions.append("u.content_type IN (\(types.map { _ in "?" }.joined(separator: ", ")))") }
        switch state {
        case .published?: conditions.append("u.size IS NOT NULL")
        case .uploading?: conditions.append("u.size IS NULL")
        case nil: break
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        func bindFilters(_ statement: inout RawStatement) {
            if let name { statement.bind(name) }
            for type in types { statement.bind(type) }
        }
        var count = try RawStatement(db, "SELECT count(*) FROM attachment a JOIN attachment_upload u USING (request_id)\(filter)")
        bindFilters(&count)
        let total = try count.step() ? count.int(0) : 0
        var statement = try RawStatement(
            db,
            "SELECT \(columns) FROM attachment a JOIN attachment_upload u USING (request_id)\(filter) ORDER BY a.created_at, a.rowid LIMIT ? OFFSET ?"
        )
        bindFilters(&statement)
        statement.bind(Int64(limit))
        statement.bind(Int64(min(offset, Int(Int64.max))))
        var attachments: [AttachmentFile] = []
        while try statement.step() { attachments.append(attachment(statement)) }
        return (attachments, total)
    }

    /// A published attachment's name, its file's media type and the file.
    static func content(_ db: Database, id: String) throws -> (name: String, type: String, data: Data)? {
        var statement = try RawStatement(
            db,
            """
            SELECT a.name, u.content_type, u.data FROM attachment a JOIN attachment_upload u USING (request_id)
            WHERE a.id = ? AND u.size IS NOT NULL
            """
        )
        statement.bind(id)
        return try statement.step() ? (statement.string(0), statement.string(1), statement.data(2)) : nil
    }

    /// Deletes an attachment and its file; false when there was none.
    static func delete(_ db: Database, id: String) throws -> Bool {
        guard let attachment = try find(db, id: id) else { return false }
        var delete = try RawStatement(db, "DELETE FROM attachment WHERE id = ?")
        delete.bind(id)
        try delete.execute()
        var upload = try RawStatement(db, "DELETE FROM attachment_upload WHERE request_id = ?")
        upload.bind(attachment.requestID)
        try upload.execute()
        return true
    }

    static func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM attachment")
        try db.execute(sql: "DELETE FROM attachment_upload")
    }

    private static let columns = "a.id, a.name, a.request_id, a.metadata, a.created_at, u.content_type, u.size"

    private static func attachment(_ row: borrowing RawStatement) -> AttachmentFile {
        let uploaded = !row.isNull(6)
        return AttachmentFile(
            id: row.string(0),
            name: row.string(1),
            requestID: row.string(2),
            metadata: JSONValue(parsing: Data(row.string(3).utf8))?.objectValue ?? [:],
            state: uploaded ? .published : .uploading,
            type: row.text(5),
            size: uploaded ? row.int64(6) : nil,
            createdAt: row.date(4)
        )
    }
}
