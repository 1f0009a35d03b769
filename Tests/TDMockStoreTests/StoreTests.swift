import Foundation
import GRDB
import GRDBSQLite
import TDMockCore
import Testing

@testable import TDMockStore

@Suite struct StoreTests {
    let ids = IdentifierGenerator(seed: 1)
    let now = Date(timeIntervalSince1970: 1_800_000_000.123)
    let new = NewConversation(
        touchpointID: "tp",
        subject: "s",
        contactPerson: ContactPerson(email: "a@b.c", name: "Ana"),
        contextParameters: ["k": 1],
        previousMessages: [PreviousMessage(kind: .external, content: "bot", createdAt: nil)]
    )

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-store-\(UUID().uuidString)/inbox.sqlite").path
    }

    @Test func whatIsWrittenSurvivesReopeningTheFile() async throws {
        let path = temporaryPath()
        let id: String
        do {
            let database = try AppDatabase.open(path: path)
            let (ids, new, now) = (ids, new, now)
            id = try await database.write { db in
                let conversation = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
                _ = try Inbox.addContactMessage(
                    db,
                    conversationID: conversation.id,
                    NewContactMessage(content: "hi", attachments: []),
                    allowedTouchpoints: nil,
                    messageID: ids.identifier(),
                    now: now
                )
                return conversation.id
            }
            #expect(try await database.reader.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        }
        let reopened = try AppDatabase.open(path: path)
        let (conversation, messages) = try await reopened.reader.read { db in
            (try Inbox.conversation(db, id: id), try Inbox.messages(db, conversationID: id))
        }
        #expect(conversation?.messageCount == 2)
        #expect(conversation?.contextParameters == ["k": 1])
        #expect(messages.map(\.author) == [.system, .contact])
        #expect(messages.map(\.content) == ["bot", "hi"])
        #expect(Timestamp.string(from: messages[0].createdAt) == "2027-01-15T08:00:00.123Z")
        #expect(Timestamp.milliseconds(messages[0].createdAt) == Timestamp.milliseconds(now))
    }

    @Test func flowsOfTheFlowAPIAreKeptChangedAndDeletedAndSurviveAReset() async throws {
        let database = try AppDatabase.inMemory()
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        var flow = ConnectResource(
            kind: .flow,
            id: "f-1",
            name: "Support",
            type: "CONTACT_FLOW",
            description: nil,
            content: "{}",
            tags: ["team": "cx"],
            createdAt: at,
            modifiedAt: at
        )
        let module = ConnectResource(
            kind: .module,
            id: "f-1",
            name: "Greeter",
            type: nil,
            description: "d",
            content: "{}",
            createdAt: at,
            modifiedAt: at
        )
        try await database.save(flow)
        try await database.save(module)
        flow.content = "{\"Version\": \"2019-10-30\"}"
        flow.state = "ARCHIVED"
        flow.modifiedAt = at.addingTimeInterval(60)
        try await database.save(flow)
        try await database.reset()
        #expect(try await database.connectResources() == [flow, module])
        #expect(try await database.deleteResource(kind: .flow, id: "f-1"))
        #expect(try await database.deleteResource(kind: .flow, id: "f-1") == false)
        #expect(try await database.connectResources() == [module])
    }

    @Test func aFailedOperationLeavesNoIdempotencyRecord() async throws {
        let database = try AppDatabase.inMemory()
        let key = IdempotencyKey(clientID: "c", key: "k", fingerprint: "POST /x\n{}")
        let created = StoredResponse(status: 201, body: Data("{}".utf8))
        await #expect(throws: InboxError.conversationNotFound("x")) {
            try await database.idempotentWrite(key, now: now) { _ -> (StoredResponse, Int) in throw InboxError.conversationNotFound("x") }
        }
        let retried = try await database.idempotentWrite(key, now: now) { _ in (created, 1) }
        #expect(retried.0 == .performed(created) && retried.1 == 1)
        let replayed = try await database.idempotentWrite(key, now: now) { _ in (StoredResponse(status: 500, body: Data()), 2) }
        #expect(replayed.0 == .replayed(created) && replayed.1 == nil)
        var other = key
        other.fingerprint = "POST /x\n{\"a\":1}"
        await #expect(throws: InboxError.idempotencyKeyReused("k")) {
            try await database.idempotentWrite(other, now: now) { _ in (created, 3) }
        }
        // Another client may use the same key.
        other.clientID = "d"
        #expect(try await database.idempotentWrite(other, now: now) { _ in (created, 4) }.0 == .performed(created))
    }

    @Test func concurrentWritesCommitTogetherAndAFailingOneRollsBackAlone() async throws {
        let database = try AppDatabase.open(path: temporaryPath())
        let (ids, new, now) = (ids, new, now)
        let conversation = try await database.write { db in try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now) }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        _ = try await database.write { db in
                            // Every tenth write fails after writing: its savepoint must roll back alone.
                            let message = try Inbox.addContactMessage(
                                db,
                                conversationID: conversation.id,
                                NewContactMessage(content: "m\(index)", attachments: []),
                                allowedTouchpoints: nil,
                                messageID: ids.identifier(),
                                now: now
                            )
                            if index % 10 == 0 { throw InboxError.conversationEnded(message.id) }
                            return message.id
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 180)
        let (messages, stored) = try await database.reader.read { db in
            (try Inbox.messages(db, conversationID: conversation.id), try Inbox.conversation(db, id: conversation.id))
        }
        #expect(messages.count == 181)  // the previous message and the 180 that succeeded
        #expect(stored?.messageCount == 181)
        #expect(!messages.contains { $0.content.hasPrefix("m") && Int($0.content.dropFirst())! % 10 == 0 })
    }

    @Test func endedConversationsTakeNoMoreMessages() async throws {
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        try await database.write { db in
            let conversation = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
            try Inbox.endConversation(db, conversationID: conversation.id, by: .contact, allowedTouchpoints: nil, now: now)
            #expect(throws: InboxError.conversationEnded(conversation.id)) {
                try Inbox.addContactMessage(
                    db,
                    conversationID: conversation.id,
                    NewContactMessage(content: "x", attachments: []),
                    allowedTouchpoints: nil,
                    messageID: ids.identifier(),
                    now: now
                )
            }
            #expect(throws: InboxError.touchpointNotAllowed("tp")) {
                try Inbox.endConversation(db, conversationID: conversation.id, by: .contact, allowedTouchpoints: ["other"], now: now)
            }
        }
    }

    @Test func listsNewestActivityFirst() async throws {
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        let listed = try await database.write { db in
            let first = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
            let second = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now.addingTimeInterval(1))
            _ = try Inbox.addContactMessage(
                db,
                conversationID: first.id,
                NewContactMessage(content: "x", attachments: []),
                allowedTouchpoints: nil,
                messageID: ids.identifier(),
                now: now.addingTimeInterval(2)
            )
            return (try Inbox.conversations(db, status: nil).map(\.id), [first.id, second.id])
        }
        #expect(listed.0 == listed.1)
    }

    @Test func journalsAreReadForManyDeliveriesAtOnceEachInAttemptOrder() async throws {
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        let (deliveries, journals) = try await database.write { db in
            let conversation = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
            // More deliveries than one query asks for (500), so that the journals come from two.
            let deliveries = try (0..<501).map { _ in
                try Outbox.enqueue(
                    db,
                    conversationID: conversation.id,
                    event: .messageCreated,
                    payload: .init(authorName: "Dana"),
                    ids: ids,
                    now: now
                )
            }
            for (delivery, attempts) in [(deliveries[0], 3), (deliveries[500], 2)] {
                for number in 1...attempts {
                    let attempt = CallbackAttempt(
                        deliveryID: delivery.deliveryID,
                        attempt: number,
                        startedAt: now,
                        statusCode: number == attempts ? 200 : 503,
                        error: nil,
                        latency: 0.001
                    )
                    _ = try Outbox.record(db, attempt, outcome: number == attempts ? .delivered : .retry(at: now))
                }
            }
            // The detail's read (one join, in delivery order) gives the same journals.
            let journalled = try Outbox.journalledDeliveries(db, conversationID: conversation.id)
            #expect(journalled.map(\.delivery) == deliveries.map { try! #require(try Outbox.delivery(db, id: $0.deliveryID)) })
            let byID = try Outbox.attempts(db, deliveryIDs: deliveries.map(\.deliveryID))
            #expect(journalled.allSatisfy { $0.journal == byID[$0.delivery.deliveryID] ?? [] })
            #expect(journalled.map(\.journal.count).filter { $0 > 0 } == [3, 2])
            return (deliveries, byID)
        }
        #expect(journals.count == 2)
        #expect(journals[deliveries[0].deliveryID]?.map(\.attempt) == [1, 2, 3])
        #expect(journals[deliveries[0].deliveryID]?.map(\.statusCode) == [503, 503, 200])
        #expect(journals[deliveries[500].deliveryID]?.map(\.attempt) == [1, 2])
        #expect(journals[deliveries[1].deliveryID] == nil)
    }

    @Test func sqliteKeepsNoAllocationStatistics() async throws {
        // Off before the first connection (CSQLiteSetup): with them on, every allocation takes one
        // process-wide mutex. Off, SQLite reports no memory in use however much it uses.
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        _ = try await database.write { db in try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now) }
        #expect(sqlite3_memory_used() == 0)
    }

    @Test func messagesDeliveriesAndJournalsReadBackAsWritten() async throws {
        // Read by hand rather than through Decodable (Records.swift): every column, null or not, comes back.
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        let attachments = [Attachment(id: "a1", name: "log.txt", type: "text/plain", size: 12), Attachment(name: "no id")]
        let written = try await database.write { db in
            let conversation = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
            let message = try Inbox.addContactMessage(
                db,
                conversationID: conversation.id,
                NewContactMessage(content: "with files, a NUL \u{0} and ünïcödé", attachments: attachments),
                allowedTouchpoints: nil,
                messageID: ids.identifier(),
                now: now.addingTimeInterval(1.5)
            )
            let delivery = try Outbox.enqueue(
                db,
                conversationID: conversation.id,
                event: .messageCreated,
                payload: .init(messageId: message.id, content: "x", authorName: "Dana"),
                ids: ids,
                now: now
            )
            let failed = CallbackAttempt(
                deliveryID: delivery.deliveryID,
                attempt: 1,
                startedAt: now,
                statusCode: nil,
                error: "refused",
                latency: 0.0125
            )
            _ = try Outbox.record(db, failed, outcome: .retry(at: now.addingTimeInterval(0.5)))
            let delivered = CallbackAttempt(
                deliveryID: delivery.deliveryID,
                attempt: 2,
                startedAt: now.addingTimeInterval(1),
                statusCode: 200,
                error: nil,
                latency: 0.002
            )
            let final = try Outbox.record(db, delivered, outcome: .delivered)
            return (conversation.id, message, final, [failed, delivered])
        }
        let read = try await database.reader.read { db in
            (
                try Inbox.messages(db, conversationID: written.0), try Outbox.deliveries(db, conversationID: written.0),
                try Outbox.attempts(db, deliveryID: written.2.deliveryID), try Outbox.journalledDeliveries(db, conversationID: written.0)
            )
        }
        #expect(read.0.last == written.1)
        #expect(read.0.last?.attachments == attachments)
        #expect(read.0.first?.authorName == nil)
        // What was written in memory, at the store's precision (milliseconds).
        func stored(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(Timestamp.milliseconds(date)) / 1000.0) }
        var expected = written.2
        expected.nextAttemptAt = stored(expected.nextAttemptAt)
        expected.createdAt = stored(expected.createdAt)
        expected.deliveredAt = expected.deliveredAt.map(stored)
        #expect(read.1 == [expected])
        #expect(read.1.first?.deliveredAt != nil)
        #expect(read.1.first?.lastStatusCode == 200)
        #expect(read.2 == written.3)
        #expect(read.3.map(\.delivery) == read.1)
        #expect(read.3.map(\.journal) == [written.3])
    }
}
