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

@Suite struct AgentAPITests {
    func action(_ client: some TestClientProtocol, _ id: String, _ verb: String, _ body: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/tdmock/v1/conversations/\(id)/\(verb)",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: body)
        )
    }

    @Test func replyAssignsFirstAndWritesTheCallbacksInOrder() async throws {
        let app = try TestApp()
        let id = try await app.test { client in
            let id = try await client.startConversation(token: try await client.token())
            let response = try await action(client, id, "messages", #"{"agent":"Dana","content":"How can I help?"}"#)
            #expect(response.status == .ok)
            let detail = try json(response)
            #expect(detail["status"] as? String == "assigned")
            #expect(detail["agent"] as? String == "Dana")
            #expect((detail["context_parameters"] as? [String: Any])?["sentiment"] as? String == "NEGATIVE")
            let messages = try #require(detail["messages"] as? [[String: Any]])
            #expect(messages.last?["author"] as? String == "agent")
            #expect(messages.last?["content"] as? String == "How can I help?")
            let callbacks = try #require(detail["callbacks"] as? [[String: Any]])
            #expect(callbacks.compactMap { $0["event_type"] as? String } == ["conversation_started", "message_created"])
            // Bound for the server's own REST API, whose chat_callback (the bridge) is not running here.
            #expect(callbacks.allSatisfy { $0["status"] as? String == "pending" })
            return id
        }
        let bodies = try await app.services.database.reader.read { try Outbox.deliveries($0, conversationID: id) }.map(\.body)
        let message = try #require(try JSONSerialization.jsonObject(with: bodies[1]) as? [String: Any])
        #expect(message["event_type"] as? String == "message_created")
        #expect(message["conversation_id"] as? String == id)
        #expect((message["payload"] as? [String: Any])?["author_name"] as? String == "Dana")
    }

    @Test func theInboxListIsTheSummariesOfTheStoreEscapedAsJSON() async throws {
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            let first = try await client.startConversation(token: token)
            // Ended by the contact: `ended_at` and `ended_by` are written too.
            #expect(try await client.call(.delete, "/digital-connect/conversations/\(first)", token: token).status == .noContent)
            // Days apart (the listing keeps the date of the last timestamp it wrote).
            app.clock.advance(by: 86_400 * 400 + 0.5)
            _ = try await client.startConversation(token: try await client.token())
            app.clock.advance(by: 86_400 + 1)
            let tricky =
                #"{"touchpoint_id":"tp-tdmock","subject":"a \"quoted\" line\nand a tab\t, a bell \u0007, a backspace \b, a form feed \f and ünïcödé 💬","contact_person":{"email":"x@y.z","name":"Zoë \\ back"}}"#
            let id = try await client.startConversation(token: try await client.token(), body: tricky)
            _ = try await action(client, id, "assign", #"{"agent":"Dana"}"#)
            let response = try await client.execute(uri: "/tdmock/v1/conversations", method: .get)
            #expect(response.status == .ok)
            let listed = try JSONDecoder().decode([AgentWire.ConversationSummary].self, from: Data(response.body.readableBytesView))
            let stored = try await app.services.database.reader.read { try Inbox.conversations($0, status: nil) }.map(
                AgentWire.ConversationSummary.init
            )
            #expect(listed == stored)
            // Byte for byte what JSONEncoder writes (keys sorted, absent values left out), though written by hand.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            #expect(String(buffer: response.body) == String(decoding: try encoder.encode(stored), as: UTF8.self))
            #expect(listed.first?.subject == "a \"quoted\" line\nand a tab\t, a bell \u{07}, a backspace \u{08}, a form feed \u{0C} and ünïcödé 💬")
            #expect(listed.first?.contactPerson.name == "Zoë \\ back")
            #expect(listed.last?.endedBy == .contact && listed.last?.endedAt != nil)
            let queued = try await client.execute(uri: "/tdmock/v1/conversations?status=queued", method: .get)
            #expect(try JSONDecoder().decode([AgentWire.ConversationSummary].self, from: Data(queued.body.readableBytesView)).count == 1)
        }
    }

    @Test func theInboxListIsInTheStoresOrderWhenManyShareAMillisecond() async throws {
        // Read in two halves, each sorted, then merged: ties on the time are broken by id, across halves too.
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            for round in 0..<3 {
                for _ in 0..<12 { _ = try await client.startConversation(token: token) }
                if round == 1 { app.clock.advance(by: -5) } else { app.clock.advance(by: 1) }
            }
            let response = try await client.execute(uri: "/tdmock/v1/conversations", method: .get)
            let listed = try JSONDecoder().decode([AgentWire.ConversationSummary].self, from: Data(response.body.readableBytesView)).map(\.id)
            let stored = try await app.services.database.reader.read { try Inbox.conversations($0, status: nil) }.map(\.id)
            #expect(listed.count == 36)
            #expect(listed == stored)
        }
    }

    @Test func anotherAgentsConversationIsAConflict() async throws {
        try await TestApp().test { client in
            let id = try await client.startConversation(token: try await client.token())
            #expect(try await action(client, id, "assign", #"{"agent":"Dana"}"#).status == .ok)
            #expect(try await action(client, id, "assign", #"{"agent":"Dana"}"#).status == .ok)
            let other = try await action(client, id, "assign", #"{"agent":"Eve"}"#)
            #expect(other.status == .conflict)
            #expect(
                try json(other)["message"] as? String
                    == "conversation \(id) is assigned to Dana: only Dana can act on it (pass --agent Dana, or set TDMOCK_AGENT)"
            )
            #expect(try await action(client, id, "close", #"{"agent":"Eve"}"#).status == .conflict)
            #expect(try await action(client, id, "close", #"{"agent":"Dana"}"#).status == .ok)
            let ended = try await action(client, id, "messages", #"{"agent":"Dana","content":"x"}"#)
            #expect(ended.status == .conflict)
            #expect(try json(ended)["error"] as? String == "conflict")
        }
    }

    @Test func refusesBadRequestsWithAMessage() async throws {
        try await TestApp().test { client in
            let id = try await client.startConversation(token: try await client.token())
            for (verb, body) in [
                ("messages", #"{"agent":"Dana"}"#), ("messages", #"{"agent":"","content":"x"}"#), ("assign", "not json"), ("assign", "{}"),
            ] {
                let response = try await action(client, id, verb, body)
                #expect(response.status == .badRequest)
                #expect(try json(response)["error"] as? String == "invalid_request")
            }
            let comma = try await action(client, id, "assign", #"{"agent":"Dana",}"#)
            #expect(comma.status == .badRequest)
            #expect(try json(comma)["message"] as? String == "The body is not valid JSON: unexpected '}' at character 16")
            let fault = try await client.execute(
                uri: "/tdmock/v1/faults",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"target":"send_message","status":503,}"#)
            )
            #expect(fault.status == .badRequest)
            #expect((try json(fault)["message"] as? String)?.hasPrefix("The body is not valid JSON: unexpected '}'") == true)
            let unknown = try await action(client, "nope", "assign", #"{"agent":"Dana"}"#)
            #expect(unknown.status == .notFound)
            #expect(try json(unknown)["message"] as? String == "conversation nope does not exist (tdmock inbox --status all lists them)")
            let status = try await client.execute(uri: "/tdmock/v1/conversations?status=open", method: .get)
            #expect(status.status == .badRequest)
            let redeliver = try await client.execute(
                uri: "/tdmock/v1/callbacks/nope/redeliver",
                method: .post,
                headers: [.contentType: "application/json"]
            )
            #expect(redeliver.status == .notFound)
            let path = try await client.execute(uri: "/tdmock/v1/nothing", method: .get)
            #expect(path.status == .notFound)
            #expect(try json(path)["error"] as? String == "not_found")
        }
    }
}

@Suite struct DelivererTests {
    @Test func backoffDoublesUpToTheMaximumWithAtMostHalfAsJitter() {
        #expect(CallbackDeliverer.backoff(attempt: 1, initial: 0.5, max: 30, jitter: 0) == 0.5)
        #expect(CallbackDeliverer.backoff(attempt: 3, initial: 0.5, max: 30, jitter: 0) == 2)
        #expect(CallbackDeliverer.backoff(attempt: 3, initial: 0.5, max: 30, jitter: 1) == 1)
        #expect(CallbackDeliverer.backoff(attempt: 10, initial: 0.5, max: 30, jitter: 0) == 30)
    }

    @Test func joinsTheBasePathAndTheRelativePath() {
        #expect(CallbackDeliverer.url(base: "https://x/prod/", path: "/message_created") == "https://x/prod/message_created")
        #expect(CallbackDeliverer.url(base: "https://x/prod", path: "webhook") == "https://x/prod/webhook")
    }
}
