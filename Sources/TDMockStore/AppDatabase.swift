import CSQLiteSetup
import Foundation
import GRDB

/// The inbox's SQLite database: conversations, messages, idempotency records, access tokens, callback
/// deliveries, and the question-response line's questions and contacts.
///
/// It owns the schema (named migrations, never edited once landed) and every write goes through one
/// transaction per request.
public struct AppDatabase: Sendable {
    /// The connection (a WAL `DatabasePool` on a file, a `DatabaseQueue` in memory). Writes go through
    /// `write` (group commit) and the operations in `AppDatabase+Operations.swift`; readers get `reader`.
    private let writer: any DatabaseWriter
    private let groupCommit: GroupCommit
    private let checkpointer: Checkpointer?

    init(_ writer: any DatabaseWriter) throws {
        try self.init(writer, checkpointer: nil)
    }

    private init(_ writer: any DatabaseWriter, checkpointer: Checkpointer?, pressure: WALPressure? = nil) throws {
        self.writer = writer
        self.groupCommit = GroupCommit(writer: writer, pressure: pressure)
        self.checkpointer = checkpointer
        try Self.migrator.migrate(writer)
    }

    /// Runs a request's writes as one unit (a savepoint in a group-committed transaction) and answers
    /// once they are committed. A write that throws leaves nothing behind.
    func write<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await groupCommit.write(operation)
    }

    /// `write` for callers outside an async context: `completion` runs once committed, on `executor` (with
    /// the other completions of the batch bound for it) or on the writer's queue when it is nil.
    func submitWrite<T: Sendable>(
        _ operation: @escaping @Sendable (Database) throws -> T,
        on executor: (any CompletionExecutor)?,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        groupCommit.submit(operation, on: executor, completion: completion)
    }

    /// Opens (creating when missing) the database file at `path`, in WAL mode.
    public static func open(path: String) throws -> AppDatabase {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = configuration()
        configuration.prepareDatabase { db in
            // Checkpoints (which fsync) run on a connection of their own, off the write path.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Checkpointer.walLimit)")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        let pressure = WALPressure()
        return try AppDatabase(pool, checkpointer: Checkpointer(path: path, pressure: pressure), pressure: pressure)
    }

    /// A throwaway database that lives as long as the process.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(configuration: configuration()))
    }

    /// For reads (tests read the store through it, with `@testable import`); writes go through `write`.
    var reader: any DatabaseReader { writer }

    /// SQLite's process-wide settings, made once, before the first connection opens (see CSQLiteSetup).
    private static let sqliteConfigured: Void = { _ = tdmock_sqlite_configure() }()

    private static func configuration() -> Configuration {
        _ = sqliteConfigured
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL is durable against a killed process at NORMAL: a committed transaction is in the WAL
            // file before the commit returns; only a power loss could cost the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        configuration.busyMode = .timeout(10)
        return configuration
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "conversation") { t in
                t.primaryKey("id", .text)
                t.column("touchpoint_id", .text).notNull()
                t.column("client_id", .text).notNull()
                t.column("subject", .text)
                t.column("contact_email", .text).notNull()
                t.column("contact_name", .text)
                t.column("context_parameters", .text).notNull()
                t.column("status", .text).notNull()
                t.column("agent", .text)
                t.column("ended_by", .text)
                t.column("created_at", .integer).notNull()
                t.column("last_activity_at", .integer).notNull()
                t.column("ended_at", .integer)
                t.column("message_count", .integer).notNull().defaults(to: 0)
            }
            try db.create(index: "conversation_on_last_activity", on: "conversation", columns: ["last_activity_at"])
            try db.create(index: "conversation_on_status", on: "conversation", columns: ["status", "last_activity_at"])

            try db.create(table: "message") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("id", .text).notNull().unique()
                t.column("conversation_id", .text).notNull().references("conversation", onDelete: .cascade)
                t.column("author", .text).notNull()
                t.column("author_name", .text)
                t.column("content", .text).notNull()
                t.column("attachments", .text).notNull()
                t.column("created_at", .integer).notNull()
            }
            try db.create(index: "message_on_conversation", on: "message", columns: ["conversation_id", "seq"])

            try db.create(table: "idempotency_record") { t in
                t.column("client_id", .text).notNull()
                t.column("key", .text).notNull()
                t.column("fingerprint", .text).notNull()
                t.column("status", .integer).notNull()
                t.column("body", .blob).notNull()
                t.column("created_at", .integer).notNull()
                t.primaryKey(["client_id", "key"])
            }

            try db.create(table: "access_token") { t in
                t.primaryKey("token", .text)
                t.column("client_id", .text).notNull()
                t.column("scopes", .text).notNull()
                t.column("expires_at", .integer).notNull()
            }
            try db.create(index: "access_token_on_expiry", on: "access_token", columns: ["expires_at"])
        }
        migrator.registerMigration("v2-callbacks") { db in
            // The Builder integration's outbox: one row per agent action, written with the action.
            try db.create(table: "callback_delivery") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("delivery_id", .text).notNull().unique()
                t.column("conversation_id", .text).notNull().references("conversation", onDelete: .cascade)
                t.column("event_type", .text).notNull()
                t.column("body", .blob).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("attempts_allowed_from", .integer).notNull().defaults(to: 0)
                t.column("next_attempt_at", .integer).notNull()
                t.column("last_status_code", .integer)
                t.column("last_error", .text)
                t.column("created_at", .integer).notNull()
                t.column("delivered_at", .integer)
            }
            try db.create(index: "callback_delivery_on_pending", on: "callback_delivery", columns: ["status", "conversation_id", "seq"])
            try db.create(index: "callback_delivery_on_conversation", on: "callback_delivery", columns: ["conversation_id", "seq"])

            // The journal: every attempt, with its outcome and latency.
            try db.create(table: "callback_attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("delivery_id", .text).notNull().references("callback_delivery", column: "delivery_id", onDelete: .cascade)
                t.column("attempt", .integer).notNull()
                t.column("started_at", .integer).notNull()
                t.column("status_code", .integer)
                t.column("error", .text)
                t.column("latency_ms", .double).notNull()
            }
            try db.create(index: "callback_attempt_on_delivery", on: "callback_attempt", columns: ["delivery_id", "attempt"])
        }
        migrator.registerMigration("v3-unused-conversation-indexes") { db in
            // Every message moves its conversation's entry in both (last_activity_at changes), and no query
            // uses them: the inbox listing reads the table by rowid and sorts (InboxRows).
            try db.drop(index: "conversation_on_last_activity")
            try db.drop(index: "conversation_on_status")
        }
        migrator.registerMigration("v4-question-response") { db in
            // The third-party question-response API's questions (docs/question-response.md).
            try db.create(table: "question") { t in
                t.primaryKey("id", .text)
                t.column("session_id", .text).notNull()
                t.column("question", .text).notNull()
                t.column("attributes", .text).notNull()
                t.column("status", .text).notNull()
                t.column("answer_type", .text)
                t.column("answer_text", .text)
                t.column("answer_reason", .text)
                t.column("answered_by", .text)
                t.column("created_at", .integer).notNull()
                t.column("answered_at", .integer)
            }
            try db.create(index: "question_on_session", on: "question", columns: ["session_id", "created_at"])
            try db.create(index: "question_on_status", on: "question", columns: ["status", "created_at"])

            // tdmock's Amazon Connect contacts (docs/question-response.md) and each turn of them.
            try db.create(table: "contact") { t in
                t.primaryKey("id", .text)
                t.column("caller", .text)
                t.column("session_attributes", .text).notNull()
                t.column("ended_by", .text)
                t.column("created_at", .integer).notNull()
                t.column("ended_at", .integer)
            }
            try db.create(table: "contact_turn") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("contact_id", .text).notNull().references("contact", onDelete: .cascade)
                t.column("utterance", .text).notNull()
                t.column("event", .text).notNull()
                t.column("status_code", .integer)
                t.column("function_error", .text)
                t.column("answer", .blob)
                t.column("latency_ms", .integer).notNull()
                t.column("branch", .text).notNull()
                t.column("prompt", .text).notNull()
                t.column("ended", .integer).notNull()
                t.column("note", .text)
                t.column("at", .integer).notNull()
            }
            try db.create(index: "contact_turn_on_contact", on: "contact_turn", columns: ["contact_id", "seq"])
        }
        migrator.registerMigration("v5-attachments") { db in
            // Talkdesk's Attachments API: upload links (with the file, once it is uploaded) and the
            // attachments made from them.
            try db.create(table: "attachment_upload") { t in
                t.primaryKey("request_id", .text)
                t.column("client_id", .text).notNull()
                t.column("allowed_types", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.column("expires_at", .integer).notNull()
                t.column("content_type", .text)
                t.column("size", .integer)
                t.column("data", .blob)
            }
            try db.create(table: "attachment") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull().unique()
                t.column("request_id", .text).notNull()
                t.column("metadata", .text).notNull()
                t.column("created_at", .integer).notNull()
            }
        }
        migrator.registerMigration("v6-contact-flows") { db in
            // Where each call is in its contact flow and the data the flow's JSONPaths read (docs/contact-flows.md),
            // the actions its start ran, and the actions each turn ran.
            try db.alter(table: "contact") { t in
                t.add(column: "flow_state", .text)
                t.add(column: "start_path", .text)
                t.add(column: "start_prompt", .text)
            }
            try db.alter(table: "contact_turn") { t in t.add(column: "path", .text) }
        }
        migrator.registerMigration("v7-connect-resources") { db in
            // The flows and modules made through Connect's flow API (docs/connect-api.md).
            try db.create(table: "connect_resource") { t in
                t.column("kind", .text).notNull()
                t.column("id", .text).notNull()
                t.column("name", .text).notNull()
                t.column("type", .text)
                t.column("description", .text)
                t.column("state", .text).notNull()
                t.column("status", .text).notNull()
                t.column("content", .text).notNull()
                t.column("tags", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.column("modified_at", .integer).notNull()
                t.primaryKey(["kind", "id"])
            }
        }
        migrator.registerMigration("v8-connect-test-cases") { db in
            // Connect's test cases and their executions (docs/connect-tests.md).
            try db.create(table: "connect_test_case") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull().unique()
                t.column("description", .text)
                t.column("content", .text).notNull()
                t.column("entry_point", .text).notNull()
                t.column("initialization_data", .text)
                t.column("status", .text).notNull()
                t.column("tags", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.column("modified_at", .integer).notNull()
            }
            try db.create(table: "connect_test_execution") { t in
                t.primaryKey("id", .text)
                t.column("test_case_id", .text).notNull().indexed()
                t.column("status", .text).notNull()
                t.column("started_at", .integer).notNull()
                t.column("ended_at", .integer)
                t.column("total", .integer).notNull()
                t.column("records", .text).notNull()
                t.column("ending", .text)
                t.column("tags", .text).notNull()
            }
        }
        migrator.registerMigration("v9-test-execution-contact") { db in
            // The contact an execution's call or chat was, and the entry point it entered by (its records say both).
            try db.alter(table: "connect_test_execution") { t in
                t.add(column: "contact_id", .text)
                t.add(column: "entry_point", .text)
            }
        }
        return migrator
    }
}
