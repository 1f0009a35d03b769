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

@Suite struct StartConversationTests {
    @Test func storesTheConversationWithItsTranscript() async throws {
        let app = try TestApp()
        let id = try await app.test { client in try await client.startConversation(token: try await client.token()) }
        #expect(id.count == 32)
        let (conversation, messages) = try await app.services.database.reader.read { db in
            (try Inbox.conversation(db, id: id), try Inbox.messages(db, conversationID: id))
        }
        let stored = try #require(conversation)
        #expect(stored.status == .queued)
        #expect(stored.touchpointID == "tp-tdmock")
        #expect(stored.subject == "Cannot log in")
        #expect(stored.contactPerson == ContactPerson(email: "ana@example.com", name: "Ana"))
        #expect(stored.contextParameters == ["sentiment": "NEGATIVE", "intent_history": "CheckBalance,TalkToAgent"])
        #expect(messages.map(\.author) == [.contact, .system, .contact])
        #expect(messages.map(\.content) == ["I want to check my balance", "Please log in first.", "I can't log in, let me talk to a person"])
        #expect(Timestamp.string(from: messages[1].createdAt) == "2026-01-01T08:00:01.000Z")
        #expect(stored.messageCount == 3)
    }

    @Test func keepsContextParametersOfAnyJSONType() async throws {
        let app = try TestApp()
        let id = try await app.test { client in
            try await client.startConversation(
                token: try await client.token(),
                body:
                    #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c"},"context_parameters":{"n":3,"ok":true,"list":[1,"x"],"obj":{"k":null}},"unknown_field":{"ignored":true}}"#
            )
        }
        let stored = try #require(try await app.services.database.reader.read { try Inbox.conversation($0, id: id) })
        #expect(stored.contextParameters == ["n": 3, "ok": true, "list": [1, "x"], "obj": ["k": nil]])
    }

    @Test func refusesInvalidBodiesNamingEachField() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let cases: [(String, [String])] = [
                ("{}", ["touchpoint_id", "contact_person"]),
                (#"{"touchpoint_id":"","contact_person":{}}"#, ["touchpoint_id", "contact_person.email"]),
                (#"{"touchpoint_id":7,"contact_person":"ana"}"#, ["touchpoint_id", "contact_person"]),
                (#"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"not-an-email"}}"#, ["contact_person.email"]),
                (#"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c","name":5},"subject":[]}"#, ["subject", "contact_person.name"]),
                (#"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c"},"context_parameters":[1]}"#, ["context_parameters"]),
                (
                    #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c"},"previous_messages":[{"type":"bot","content":"x"},{"content":1},"x",{"type":"user","content":"y","created_at":"yesterday"}]}"#,
                    [
                        "previous_messages[0].type", "previous_messages[0].created_at", "previous_messages[1].type",
                        "previous_messages[1].content", "previous_messages[1].created_at", "previous_messages[2]",
                        "previous_messages[3].created_at",
                    ]
                ),
            ]
            for (body, fields) in cases {
                let response = try await client.call(.post, "/digital-connect/conversations", token: token, body: body)
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: fields)
            }
        }
    }

    @Test func refusesWhatIsNotAJSONObject() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let cases: [(Data, String)] = [
                (Data(#"{"touchpoint_id": "tp-tdmock", "#.utf8), "The request body is not valid JSON"),
                // JSONSerialization takes a trailing comma; JSON does not, nor should tdmock.
                (Data(#"{"touchpoint_id": "tp-tdmock",}"#.utf8), "The request body is not valid JSON: unexpected '}' at character 30"),
                (Data("[1,2]".utf8), "The request body must be a JSON object, found an array"),
                (Data(), "The request body is empty; expected a JSON object"),
                (Data([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), "The request body is not valid UTF-8"),
            ]
            for (data, description) in cases {
                let response = try await client.call(.post, "/digital-connect/conversations", token: token, data: data)
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000")
                #expect((try json(response)["description"] as? String)?.hasPrefix(description) == true)
            }
            // The server keeps serving after every refusal.
            _ = try await client.startConversation(token: token)
        }
    }

    @Test func refusesAnUnknownTouchpoint() async throws {
        try await TestApp().test { client in
            let response = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: try await client.token(),
                body: #"{"touchpoint_id":"tp-nope","contact_person":{"email":"a@b.c"}}"#
            )
            try expectDigitalConnectError(response, status: .notFound, code: "3004041")
        }
    }

    @Test func refusesATouchpointTheClientDoesNotOwn() async throws {
        var configuration = ServeConfiguration(database: .inMemory)
        configuration.touchpoints = [Touchpoint(id: "tp-a"), Touchpoint(id: "tp-b")]
        configuration.clients = [OAuthClient(id: "a", secret: "sa", touchpoints: ["tp-a"]), OAuthClient(id: "any", secret: "s")]
        try await TestApp(configuration).test { client in
            let tokenA = try await client.token(client: "a", secret: "sa")
            let response = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: tokenA,
                body: #"{"touchpoint_id":"tp-b","contact_person":{"email":"a@b.c"}}"#
            )
            try expectDigitalConnectError(response, status: .forbidden, code: "3016003")
            _ = try await client.startConversation(token: tokenA, body: #"{"touchpoint_id":"tp-a","contact_person":{"email":"a@b.c"}}"#)
            // A conversation on tp-b, started by a client that may use it, is out of client a's reach too.
            let onB = try await client.startConversation(
                token: try await client.token(client: "any", secret: "s"),
                body: #"{"touchpoint_id":"tp-b","contact_person":{"email":"a@b.c"}}"#
            )
            let send = try await client.call(.post, "/digital-connect/conversations/\(onB)/messages", token: tokenA, body: #"{"content":"hi"}"#)
            try expectDigitalConnectError(send, status: .forbidden, code: "3016003")
            let end = try await client.call(.delete, "/digital-connect/conversations/\(onB)", token: tokenA)
            try expectDigitalConnectError(end, status: .forbidden, code: "3016003")
        }
    }

    @Test func replaysTheSameKeyAndBodyAndRefusesAnotherBody() async throws {
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            let body = try String(decoding: Fixtures.data("start-conversation.json"), as: UTF8.self)
            let key: HTTPFields = [.idempotencyKey: "start-1"]
            let first = try await client.call(.post, "/digital-connect/conversations", token: token, body: body, headers: key)
            // The same body, reformatted, is the same request.
            let compact = String(
                decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(body.utf8))),
                as: UTF8.self
            )
            let replay = try await client.call(.post, "/digital-connect/conversations", token: token, body: compact, headers: key)
            #expect(first.status == .created)
            #expect(replay.status == .created)
            #expect(try json(first)["id"] as? String == json(replay)["id"] as? String)
            let other = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: token,
                body: #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"x@y.z"}}"#,
                headers: key
            )
            try expectDigitalConnectError(other, status: .conflict, code: "3016009")
        }
        let count = try await app.services.database.reader.read { try Inbox.conversations($0, status: nil).count }
        #expect(count == 1)
    }
}

@Suite struct SendMessageTests {
    @Test func storesTheContactsMessage() async throws {
        let app = try TestApp()
        let (id, body, file) = try await app.test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            // The fixture's attachment, uploaded through the Attachments API: its id in the body.
            let file = try await AttachmentsTests.attach(client, token: token, name: "screenshot.png", bytes: [UInt8](repeating: 7, count: 1024))
            let fixture = String(decoding: try Fixtures.data("send-message.json"), as: UTF8.self)
            let response = try await client.call(
                .post,
                "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: fixture.replacingOccurrences(of: #""id": "a1""#, with: #""id": "\#(file)""#)
            )
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return (id, try json(response), file)
        }
        #expect(body["id"] as? String == id)
        let createdAt = try #require(body["created_at"] as? String)
        #expect(createdAt.count == 24)
        #expect(createdAt == Timestamp.string(from: app.clock.now))
        let messages = try await app.services.database.reader.read { try Inbox.messages($0, conversationID: id) }
        let last = try #require(messages.last)
        #expect(last.id == body["message_id"] as? String)
        #expect(last.author == .contact)
        #expect(last.authorName == "Ana")
        #expect(last.content == "I still can't log in")
        #expect(last.attachments == [Attachment(id: file, name: "screenshot.png", type: "image/png", size: 1024)])
    }

    @Test func acceptsAttachmentsAloneWithNumericSizes() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let file = try await AttachmentsTests.attach(
                client,
                token: token,
                name: "x.pdf",
                type: "application/pdf",
                bytes: [UInt8](repeating: 1, count: 2048)
            )
            let response = try await client.call(
                .post,
                "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: #"{"attachments":[{"id":"\#(file)","name":"x.pdf","type":"application/pdf","size":2048}]}"#
            )
            #expect(response.status == .created)
        }
    }

    @Test func refusesEmptyAndMistypedMessages() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let cases: [(String, [String])] = [
                ("{}", ["content", "attachments"]),
                (#"{"content":"","attachments":[]}"#, ["content", "attachments"]),
                (#"{"content":42}"#, ["content"]),
                (#"{"content":"x","attachments":{"id":"a"}}"#, ["attachments"]),
                (
                    #"{"attachments":[{"id":"a","name":"n","type":"t","size":"big"},{"id":"b","name":"n","type":"t","size":-1},{"id":"c","name":3,"type":"t","size":1},7]}"#,
                    ["attachments[0].size", "attachments[1].size", "attachments[2].name", "attachments[3]"]
                ),
            ]
            for (body, fields) in cases {
                let response = try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: body)
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: fields)
            }
        }
    }

    @Test func refusesAnUnknownConversation() async throws {
        try await TestApp().test { client in
            let response = try await client.call(
                .post,
                "/digital-connect/conversations/nope/messages",
                token: try await client.token(),
                body: #"{"content":"hi"}"#
            )
            try expectDigitalConnectError(response, status: .notFound, code: "3016004")
        }
    }

    @Test func refusesAnEndedConversationWith3016011() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            #expect(try await client.call(.delete, "/digital-connect/conversations/\(id)", token: token).status == .noContent)
            let response = try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: #"{"content":"hello?"}"#)
            try expectDigitalConnectError(response, status: .gone, code: "3016011")
        }
    }

    @Test func replaysAMessageWithoutStoringItTwice() async throws {
        let app = try TestApp()
        let id = try await app.test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let key: HTTPFields = [.idempotencyKey: "m-1"]
            let first = try await client.call(
                .post,
                "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: #"{"content":"once"}"#,
                headers: key
            )
            app.clock.advance(by: 5)
            let replay = try await client.call(
                .post,
                "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: #"{"content":"once"}"#,
                headers: key
            )
            #expect(replay.status == .created)
            #expect(String(buffer: first.body) == String(buffer: replay.body))
            let other = try await client.call(
                .post,
                "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: #"{"content":"twice"}"#,
                headers: key
            )
            try expectDigitalConnectError(other, status: .conflict, code: "3016009")
            // The same key on another endpoint is another request too.
            let elsewhere = try await client.call(.post, "/digital-connect/conversations", token: token, body: #"{"content":"once"}"#, headers: key)
            try expectDigitalConnectError(elsewhere, status: .badRequest, code: "3016000")
            return id
        }
        let contents = try await app.services.database.reader.read { try Inbox.messages($0, conversationID: id) }.map(\.content)
        #expect(contents.filter { $0 == "once" }.count == 1)
    }

    @Test func refusesBodiesOverOneMebibyteWith413() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let big = #"{"content":""# + String(repeating: "x", count: 1 << 20) + #""}"#
            let response = try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: big)
            try expectDigitalConnectError(response, status: .contentTooLarge, code: "3016013")
            let start = try await client.call(.post, "/digital-connect/conversations", token: token, body: big)
            try expectDigitalConnectError(start, status: .contentTooLarge, code: "3016013")
            // Just under the limit is fine.
            let fits = #"{"content":"x","padding":""# + String(repeating: "x", count: (1 << 20) - 40) + #""}"#
            #expect(try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: fits).status == .created)
        }
    }
}

@Suite struct EndConversationTests {
    @Test func endsTheConversationByTheContact() async throws {
        let app = try TestApp()
        let id = try await app.test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let response = try await client.call(.delete, "/digital-connect/conversations/\(id)", token: token)
            #expect(response.status == .noContent)
            #expect(response.body.readableBytes == 0)
            return id
        }
        let stored = try #require(try await app.services.database.reader.read { try Inbox.conversation($0, id: id) })
        #expect(stored.status == .ended)
        #expect(stored.endedBy == .contact)
        #expect(stored.endedAt == app.clock.now)
    }

    @Test func refusesUnknownAndAlreadyEndedConversations() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            try expectDigitalConnectError(
                try await client.call(.delete, "/digital-connect/conversations/nope", token: token),
                status: .notFound,
                code: "3016004"
            )
            let id = try await client.startConversation(token: token)
            _ = try await client.call(.delete, "/digital-connect/conversations/\(id)", token: token)
            try expectDigitalConnectError(
                try await client.call(.delete, "/digital-connect/conversations/\(id)", token: token),
                status: .gone,
                code: "3016011"
            )
        }
    }
}

@Suite struct DigitalConnectAuthorizationTests {
    @Test func refusesMissingMalformedAndUnknownTokensWith401() async throws {
        try await TestApp().test { client in
            let body = #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c"}}"#
            for headers: HTTPFields in [[:], [.authorization: "Basic abc"], [.authorization: "Bearer not-a-token"], [.authorization: "Bearer"]] {
                var all = headers
                all[.contentType] = "application/json"
                let response = try await client.execute(
                    uri: "/digital-connect/conversations",
                    method: .post,
                    headers: all,
                    body: ByteBuffer(string: body)
                )
                try expectDigitalConnectError(response, status: .unauthorized, code: "3016001")
            }
            try expectDigitalConnectError(
                try await client.call(.delete, "/digital-connect/conversations/x", token: nil),
                status: .unauthorized,
                code: "3016001"
            )
            try expectDigitalConnectError(
                try await client.call(.post, "/digital-connect/conversations/x/messages", token: "nope", body: "{}"),
                status: .unauthorized,
                code: "3016001"
            )
        }
    }

    @Test func refusesATokenWithoutDigitalConnectWriteWith403() async throws {
        var configuration = ServeConfiguration(database: .inMemory)
        configuration.clients = [OAuthClient(id: "reader", secret: "s", scopes: ["digital-connect:read"])]
        try await TestApp(configuration).test { client in
            let token = try await client.token(client: "reader", secret: "s")
            let response = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: token,
                body: #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c"}}"#
            )
            try expectDigitalConnectError(response, status: .forbidden, code: "3016003")
        }
    }

    @Test func answersUnknownPathsInTheDigitalConnectShape() async throws {
        try await TestApp().test { client in
            let response = try await client.call(.get, "/digital-connect/conversations/x/attachments", token: nil)
            try expectDigitalConnectError(response, status: .notFound, code: "3016006")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try json(health)["status"] as? String == "ok")
        }
    }
}
