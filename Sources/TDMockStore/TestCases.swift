import Foundation
import GRDB
import TDMockCore

/// Connect's test cases (`connect_test_case`, kept across `tdmock reset`, like the flows they test) and their
/// executions (`connect_test_execution`, emptied by it), each execution's records kept as JSON.
enum TestCases {
    static func save(_ db: Database, _ testCase: TestCase) throws -> Bool {
        let taken = try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM connect_test_case WHERE name = ? AND id != ?)",
            arguments: [testCase.name, testCase.id]
        )
        if taken == true { return false }
        try db.execute(
            sql: """
                INSERT INTO connect_test_case (id, name, description, content, entry_point, initialization_data, status, tags, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, content = excluded.content,
                    entry_point = excluded.entry_point, initialization_data = excluded.initialization_data, status = excluded.status,
                    tags = excluded.tags, modified_at = excluded.modified_at
                """,
            arguments: [
                testCase.id, testCase.name, testCase.description, testCase.content, try json(testCase.entryPoint), testCase.initializationData,
                testCase.status, try json(testCase.tags), Timestamp.milliseconds(testCase.createdAt), Timestamp.milliseconds(testCase.modifiedAt),
            ]
        )
        return true
    }

    static func delete(_ db: Database, id: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM connect_test_case WHERE id = ?", arguments: [id])
        let deleted = db.changesCount > 0
        try db.execute(sql: "DELETE FROM connect_test_execution WHERE test_case_id = ?", arguments: [id])
        return deleted
    }

    static func all(_ db: Database) throws -> [TestCase] {
        try Row.fetchAll(db, sql: "SELECT * FROM connect_test_case ORDER BY created_at, id").map(testCase)
    }

    static func one(_ db: Database, id: String) throws -> TestCase? {
        try Row.fetchOne(db, sql: "SELECT * FROM connect_test_case WHERE id = ?", arguments: [id]).map(testCase)
    }

    static func save(_ db: Database, _ execution: TestExecution) throws {
        try db.execute(
            sql: """
                INSERT INTO connect_test_execution (id, test_case_id, status, started_at, ended_at, total, records, ending, tags, contact_id, entry_point)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at, records = excluded.records,
                    ending = excluded.ending
                """,
            arguments: [
                execution.id, execution.testCaseID, execution.status.rawValue, Timestamp.milliseconds(execution.startedAt),
                execution.endedAt.map(Timestamp.milliseconds), execution.totalObservations, try json(execution.records), execution.ending,
                try json(execution.tags), execution.contactID, try execution.entryPoint.map { try json($0) },
            ]
        )
    }

    static func executions(_ db: Database, testCaseID: String?) throws -> [TestExecution] {
        if let testCaseID {
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM connect_test_execution WHERE test_case_id = ? ORDER BY started_at DESC, id DESC",
                arguments: [testCaseID]
            ).map(execution)
        }
        return try Row.fetchAll(db, sql: "SELECT * FROM connect_test_execution ORDER BY started_at DESC, id DESC").map(execution)
    }

    static func execution(_ db: Database, id: String) throws -> TestExecution? {
        try Row.fetchOne(db, sql: "SELECT * FROM connect_test_execution WHERE id = ?", arguments: [id]).map(execution)
    }

    static func resetExecutions(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM connect_test_execution")
    }

    // MARK: Rows

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decoded<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return text.flatMap { try? decoder.decode(type, from: Data($0.utf8)) }
    }

    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    private static func testCase(_ row: Row) -> TestCase {
        TestCase(
            id: row["id"],
            name: row["name"],
            description: row["description"],
            content: row["content"],
            entryPoint: decoded(TestEntryPoint.self, row["entry_point"]) ?? TestEntryPoint(type: "VOICE_CALL", flowID: nil),
            initializationData: row["initialization_data"],
            status: row["status"],
            tags: decoded([String: String].self, row["tags"]) ?? [:],
            createdAt: date(row["created_at"]),
            modifiedAt: date(row["modified_at"])
        )
    }

    private static func execution(_ row: Row) -> TestExecution {
        TestExecution(
            id: row["id"],
            testCaseID: row["test_case_id"],
            status: TestExecution.Status(rawValue: row["status"]) ?? .failed,
            startedAt: date(row["started_at"]),
            endedAt: (row["ended_at"] as Int64?).map(date),
            totalObservations: row["total"],
            records: decoded([TestObservationRecord].self, row["records"]) ?? [],
            ending: row["ending"],
            tags: decoded([String: String].self, row["tags"]) ?? [:],
            contactID: row["contact_id"],
            entryPoint: decoded(TestEntryPoint.self, row["entry_point"])
        )
    }
}
