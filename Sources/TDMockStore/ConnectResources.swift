import Foundation
import GRDB
import TDMockCore

/// The flows and modules made through Connect's flow API, each a row of `connect_resource`, kept across
/// restarts and across `tdmock reset` (they are what was deployed, not what a test did).
enum ConnectResources {
    static func save(_ db: Database, _ resource: ConnectResource) throws {
        var statement = try RawStatement(
            db,
            """
            INSERT INTO connect_resource (kind, id, name, type, description, state, status, content, tags, created_at, modified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (kind, id) DO UPDATE SET name = excluded.name, type = excluded.type, description = excluded.description,
                state = excluded.state, status = excluded.status, content = excluded.content, tags = excluded.tags,
                modified_at = excluded.modified_at
            """
        )
        statement.bind(resource.kind.rawValue)
        statement.bind(resource.id)
        statement.bind(resource.name)
        statement.bind(resource.type)
        statement.bind(resource.description)
        statement.bind(resource.state)
        statement.bind(resource.status)
        statement.bind(resource.content)
        statement.bind(String(decoding: try JSONEncoder().encode(resource.tags), as: UTF8.self))
        statement.bind(Timestamp.milliseconds(resource.createdAt))
        statement.bind(Timestamp.milliseconds(resource.modifiedAt))
        try statement.execute()
    }

    /// Whether a row was there to delete.
    static func delete(_ db: Database, kind: ConnectResource.Kind, id: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM connect_resource WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
        return db.changesCount > 0
    }

    static func all(_ db: Database) throws -> [ConnectResource] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT kind, id, name, type, description, state, status, content, tags, created_at, modified_at
                FROM connect_resource ORDER BY created_at, kind, id
                """
        ).map { row in
            let tags = (row["tags"] as String?).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            return ConnectResource(
                kind: ConnectResource.Kind(rawValue: row["kind"]) ?? .flow,
                id: row["id"],
                name: row["name"],
                type: row["type"],
                description: row["description"],
                state: row["state"],
                status: row["status"],
                content: row["content"],
                tags: tags,
                createdAt: Date(timeIntervalSince1970: Double(row["created_at"] as Int64) / 1000),
                modifiedAt: Date(timeIntervalSince1970: Double(row["modified_at"] as Int64) / 1000)
            )
        }
    }
}
