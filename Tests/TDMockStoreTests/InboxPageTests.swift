import Foundation
import GRDB
import TDMockCore
import Testing

@testable import TDMockStore

/// `InboxPage.page` (the workspace's inbox, chosen from a scan of sort keys) answers what `Inbox.page`'s
/// plain `ORDER BY … LIMIT … OFFSET` answers, ties on the time and ids sharing their first 16 bytes included.
@Suite struct InboxPageTests {
    @Test func theFastPageIsThePlainQuerysPage() async throws {
        let database = try AppDatabase.inMemory()
        try await database.write { db in
            var generator = SystemRandomNumberGenerator()
            for n in 0..<400 {
                // Ids that share a 16-byte prefix (told apart after it), and random ones.
                let id = n % 3 == 0 ? "0123456789abcdef-\(String(format: "%03d", 400 - n))" : UUID().uuidString.lowercased()
                let status = ["queued", "assigned", "ended"][Int.random(in: 0..<3, using: &generator)]
                try db.execute(
                    sql: """
                        INSERT INTO conversation (id, touchpoint_id, client_id, subject, contact_email, contact_name,
                            context_parameters, status, agent, ended_by, created_at, last_activity_at, ended_at, message_count)
                        VALUES (?, 'tp', 'c', ?, ?, ?, '{}', ?, NULL, NULL, 0, ?, NULL, 0)
                        """,
                    arguments: [
                        id, n % 7 == 0 ? "100% off_\(n)" : "Subject \(n)", "c\(n)@example.com", n % 5 == 0 ? nil : "Ana \(n)", status,
                        // Few distinct times: most rows tie with others.
                        Int64(1_800_000_000_000 + Int64.random(in: 0..<25, using: &generator)),
                    ]
                )
            }
        }
        let statuses: [ConversationStatus?] = [nil, .queued, .assigned, .ended]
        let searches: [String?] = [nil, "ana", "ANA 1", "100%", "off_", "_", "%", "\\", "0123456789abcdef", "nothing"]
        for status in statuses {
            for search in searches {
                for (limit, offset) in [(100, 0), (7, 0), (7, 3), (50, 120), (1, 399), (100, 1000), (1000, 0)] {
                    let (plain, fast) = try await database.reader.read { db in
                        (
                            try Inbox.page(db, status: status, search: search, limit: limit, offset: offset),
                            try InboxPage.page(db, status: status, search: search, limit: limit, offset: offset)
                        )
                    }
                    #expect(fast.total == plain.total, "\(String(describing: status)) \(String(describing: search)) \(limit) \(offset)")
                    #expect(
                        fast.conversations.map(\.id) == plain.conversations.map(\.id),
                        "\(String(describing: status)) \(String(describing: search)) \(limit) \(offset)"
                    )
                    #expect(fast.conversations == plain.conversations)
                }
            }
        }
    }
}
