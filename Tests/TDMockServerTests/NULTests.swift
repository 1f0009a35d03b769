import Foundation
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockStore
@testable import TDMockTalkdesk

/// JSON allows U+0000 inside a string; every string an integration or an agent sends is kept whole, through
/// the store, the agent API's answers and the callbacks, on Send a Message's fast path and on the router's.
@Suite struct NULTests {
    /// A JSON string literal's body with U+0000 in it, as a client writes it: `\u0000`.
    static func nul(_ before: String, _ after: String) -> (json: String, value: String) {
        (before + #"\u0000"# + after, before + "\u{0}" + after)
    }

    static let subject = nul("Cannot", " log in")
    static let name = nul("Ana", "Maria")
    static let email = nul("ana", "@example.com")
    static let key = nul("k", "ey")
    static let value = nul("NEG", "ATIVE")
    static let previous = nul("hi", " there")
    static let attachment = nul("x", ".png")

    static var startBody: String {
        """
        {"touchpoint_id": "tp-tdmock", "subject": "\(subject.json)",
         "contact_person": {"email": "\(email.json)", "name": "\(name.json)"},
         "context_parameters": {"\(key.json)": "\(value.json)", "list": ["\(value.json)"]},
         "previous_messages": [{"type": "user", "content": "\(previous.json)", "created_at": "2026-01-01T08:00:00.000Z"}]}
        """
    }

    func detail(_ client: some TestClientProtocol, _ id: String) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/tdmock/v1/conversations/\(id)", method: .get)
        #expect(response.status == .ok)
        return try json(response)
    }

    @Test func everyStringFieldOfStartAConversationIsKeptWhole() async throws {
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token, body: Self.startBody)

            // The store holds exactly what was sent.
            let stored = try #require(try await app.services.database.reader.read { try Inbox.conversation($0, id: id) })
            #expect(stored.subject == Self.subject.value)
            #expect(stored.contactPerson == ContactPerson(email: Self.email.value, name: Self.name.value))
            #expect(stored.contextParameters == [Self.key.value: .string(Self.value.value), "list": [.string(Self.value.value)]])

            // The agent API's detail and listing give it back.
            let shown = try await detail(client, id)
            #expect(shown["subject"] as? String == Self.subject.value)
            let person = try #require(shown["contact_person"] as? [String: Any])
            #expect(person["email"] as? String == Self.email.value)
            #expect(person["name"] as? String == Self.name.value)
            let context = try #require(shown["context_parameters"] as? [String: Any])
            #expect(context[Self.key.value] as? String == Self.value.value)
            let messages = try #require(shown["messages"] as? [[String: Any]])
            #expect(messages.first?["content"] as? String == Self.previous.value)
            #expect(messages.first?["author_name"] as? String == Self.name.value)

            let listing = try await client.execute(uri: "/tdmock/v1/conversations?status=all", method: .get)
            let items = try #require(try JSONSerialization.jsonObject(with: Data(listing.body.readableBytesView)) as? [[String: Any]])
            let item = try #require(items.first { $0["id"] as? String == id })
            #expect(item["subject"] as? String == Self.subject.value)
            #expect((item["contact_person"] as? [String: Any])?["name"] as? String == Self.name.value)
            #expect((item["contact_person"] as? [String: Any])?["email"] as? String == Self.email.value)
        }
    }

    /// Sends `body` to the conversation and returns the message's stored content and attachments.
    func send(
        _ client: some TestClientProtocol,
        _ app: TestApp,
        _ id: String,
        token: String,
        body: String,
        key: String? = nil
    ) async throws
        -> (TestResponse, [AgentWire.MessageView])
    {
        let response = try await client.call(
            .post,
            "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: body,
            headers: key.map { [.init("x-idempotency-key")!: $0] } ?? [:]
        )
        let messages = try await app.services.database.reader.read { try Inbox.messages($0, conversationID: id) }.map(AgentWire.MessageView.init)
        return (response, messages)
    }

    @Test(arguments: [false, true]) func sendAMessageKeepsItsContentWhole(throughTheRouter: Bool) async throws {
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            // A fault in force (a latency only) sends every Send a Message through the router.
            if throughTheRouter { app.services.faults.add(Fault(id: "slow", target: .sendMessage, remaining: nil, latencyMs: 1)) }
            let content = Self.nul("I still", " can't log in")
            let file = try await AttachmentsTests.attach(client, token: token, name: Self.attachment.json, bytes: [1])
            let body =
                #"{"content": "\#(content.json)", "attachments": [{"id": "\#(file)", "name": "\#(Self.attachment.json)", "type": "image/png", "size": 1}]}"#
            let (first, messages) = try await send(client, app, id, token: token, body: body, key: Self.key.json)
            #expect(first.status == .created, "\(String(buffer: first.body))")
            #expect(messages.last?.content == content.value)
            #expect(messages.last?.attachments.first?.name == Self.attachment.value)
            #expect(messages.last?.attachments.first?.id == file)

            // The same key and body is a replay (the fingerprint holds the whole body), not a conflict.
            let (replay, after) = try await send(client, app, id, token: token, body: body, key: Self.key.json)
            #expect(replay.status == .created, "\(String(buffer: replay.body))")
            #expect(try json(replay)["message_id"] as? String == (try json(first)["message_id"] as? String))
            #expect(after.count == messages.count)
            // Another body that is the same up to the NUL is another request: a conflict.
            let other = #"{"content": "I still\u0000 can't sign in"}"#
            let (conflict, _) = try await send(client, app, id, token: token, body: other, key: Self.key.json)
            try expectDigitalConnectError(conflict, status: .conflict, code: "3016009")

            let shown = try await detail(client, id)
            let last = try #require((shown["messages"] as? [[String: Any]])?.last)
            #expect(last["content"] as? String == content.value)
        }
    }

    @Test func theAgentsReplyAndNameAreKeptWholeInTheTranscriptAndTheCallback() async throws {
        let app = try TestApp()
        try await app.test { client in
            let id = try await client.startConversation(token: try await client.token())
            let agent = Self.nul("Da", "na")
            let content = Self.nul("How can", " I help?")
            let reply = try await client.execute(
                uri: "/tdmock/v1/conversations/\(id)/messages",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"agent": "\#(agent.json)", "content": "\#(content.json)"}"#)
            )
            #expect(reply.status == .ok, "\(String(buffer: reply.body))")
            // The same agent again: still theirs (the name was stored whole).
            let again = try await client.execute(
                uri: "/tdmock/v1/conversations/\(id)/assign",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"agent": "\#(agent.json)"}"#)
            )
            #expect(again.status == .ok, "\(String(buffer: again.body))")
            let shown = try await detail(client, id)
            #expect(shown["agent"] as? String == agent.value)
            let last = try #require((shown["messages"] as? [[String: Any]])?.last)
            #expect(last["content"] as? String == content.value)
            #expect(last["author_name"] as? String == agent.value)

            // The callback body that will be sent carries both whole.
            let deliveries = try await app.services.database.reader.read { try Outbox.deliveries($0, conversationID: id) }
            let created = try #require(deliveries.first { $0.eventType == .messageCreated })
            let body = try #require(try JSONSerialization.jsonObject(with: created.body) as? [String: Any])
            let payload = try #require(body["payload"] as? [String: Any])
            #expect(payload["content"] as? String == content.value)
            #expect(payload["author_name"] as? String == agent.value)
        }
    }
}
