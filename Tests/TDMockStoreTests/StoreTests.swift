import Foundation
import GRDB
import TDMockCore
import TDMockStore
import Testing

@Suite struct StoreTests {
    let ids = IdentifierGenerator(seed: 1)
    let now = Date(timeIntervalSince1970: 1_800_000_000.123)
    let new = NewConversation(
        touchpointID: "tp", subject: "s", contactPerson: ContactPerson(email: "a@b.c", name: "Ana"),
        contextParameters: ["k": 1], previousMessages: [PreviousMessage(kind: .external, content: "bot", createdAt: nil)])

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-store-\(UUID().uuidString)/inbox.sqlite").path
    }

    @Test func whatIsWrittenSurvivesReopeningTheFile() async throws {
        let path = temporaryPath()
        let id: String
        do {
            let database = try AppDatabase.open(path: path)
            let (ids, new, now) = (ids, new, now)
            id = try await database.writer.write { db in
                let conversation = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
                _ = try Inbox.addContactMessage(db, conversationID: conversation.id, NewContactMessage(content: "hi", attachments: []), allowedTouchpoints: nil, ids: ids, now: now)
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

    @Test func aFailedOperationLeavesNoIdempotencyRecord() async throws {
        let database = try AppDatabase.inMemory()
        let key = IdempotencyKey(clientID: "c", key: "k", fingerprint: "POST /x\n{}")
        await #expect(throws: InboxError.conversationNotFound("x")) {
            try await database.idempotentWrite(key, now: now) { _ in throw InboxError.conversationNotFound("x") }
        }
        let retried = try await database.idempotentWrite(key, now: now) { _ in StoredResponse(status: 201, body: Data("{}".utf8)) }
        #expect(retried == .performed(StoredResponse(status: 201, body: Data("{}".utf8))))
        let replayed = try await database.idempotentWrite(key, now: now) { _ in StoredResponse(status: 500, body: Data()) }
        #expect(replayed == .replayed(StoredResponse(status: 201, body: Data("{}".utf8))))
        var other = key
        other.fingerprint = "POST /x\n{\"a\":1}"
        await #expect(throws: InboxError.idempotencyKeyReused("k")) {
            try await database.idempotentWrite(other, now: now) { _ in StoredResponse(status: 201, body: Data()) }
        }
        // Another client may use the same key.
        other.clientID = "d"
        #expect(try await database.idempotentWrite(other, now: now) { _ in StoredResponse(status: 201, body: Data()) } == .performed(StoredResponse(status: 201, body: Data())))
    }

    @Test func endedConversationsTakeNoMoreMessages() async throws {
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        try await database.writer.write { db in
            let conversation = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
            try Inbox.endConversation(db, conversationID: conversation.id, by: .contact, allowedTouchpoints: nil, now: now)
            #expect(throws: InboxError.conversationEnded(conversation.id)) {
                try Inbox.addContactMessage(db, conversationID: conversation.id, NewContactMessage(content: "x", attachments: []), allowedTouchpoints: nil, ids: ids, now: now)
            }
            #expect(throws: InboxError.touchpointNotAllowed("tp")) {
                try Inbox.endConversation(db, conversationID: conversation.id, by: .contact, allowedTouchpoints: ["other"], now: now)
            }
        }
    }

    @Test func listsNewestActivityFirst() async throws {
        let database = try AppDatabase.inMemory()
        let (ids, new, now) = (ids, new, now)
        let listed = try await database.writer.write { db in
            let first = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now)
            let second = try Inbox.startConversation(db, new, clientID: "c", ids: ids, now: now.addingTimeInterval(1))
            _ = try Inbox.addContactMessage(db, conversationID: first.id, NewContactMessage(content: "x", attachments: []), allowedTouchpoints: nil, ids: ids, now: now.addingTimeInterval(2))
            return (try Inbox.conversations(db, status: nil).map(\.id), [first.id, second.id])
        }
        #expect(listed.0 == listed.1)
    }
}
