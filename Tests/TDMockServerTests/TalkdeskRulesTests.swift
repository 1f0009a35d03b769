import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// The rules Talkdesk's OpenAPI document gives Digital Connect, each at its boundary. Send a Message's go
/// through the fast path and, with `TDMOCK_FAST_PATH=false` (make test runs both), the router.
@Suite struct TalkdeskRulesTests {
    static let start = "/digital-connect/conversations"

    static func startBody(touchpoint: String = "tp-tdmock", email: String = "a@b.c", subject: String? = nil, previous: String = "[]") -> String {
        let subjectField = subject.map { #","subject":"\#($0)""# } ?? ""
        return #"{"touchpoint_id":"\#(touchpoint)","contact_person":{"email":"\#(email)"}\#(subjectField),"previous_messages":\#(previous)}"#
    }

    @Test func startingAConversationNeedsAnIdempotencyKeyOfUpTo255Characters() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let none = try await client.call(.post, Self.start, token: token, body: Self.startBody(), headers: [.idempotencyKey: ""])
            try expectDigitalConnectError(none, status: .badRequest, code: "3016000", fields: ["x-idempotency-key"])
            // The key's problem is named with the body's.
            let both = try await client.call(.post, Self.start, token: token, body: #"{"touchpoint_id":""}"#, headers: [.idempotencyKey: ""])
            try expectDigitalConnectError(
                both,
                status: .badRequest,
                code: "3016000",
                fields: ["x-idempotency-key", "touchpoint_id", "contact_person"]
            )
            let longest = String(repeating: "k", count: 255)
            #expect(
                try await client.call(.post, Self.start, token: token, body: Self.startBody(), headers: [.idempotencyKey: longest]).status == .created
            )
            let tooLong = try await client.call(.post, Self.start, token: token, body: Self.startBody(), headers: [.idempotencyKey: longest + "k"])
            try expectDigitalConnectError(tooLong, status: .badRequest, code: "3016000", fields: ["x-idempotency-key"])
            // On Send a Message the key stays optional, with the same bounds.
            let id = try await client.startConversation(token: token)
            let path = "/digital-connect/conversations/\(id)/messages"
            #expect(try await client.call(.post, path, token: token, body: #"{"content":"hi"}"#).status == .created)
            let sendTooLong = try await client.call(.post, path, token: token, body: #"{"content":"hi"}"#, headers: [.idempotencyKey: longest + "k"])
            try expectDigitalConnectError(sendTooLong, status: .badRequest, code: "3016000", fields: ["x-idempotency-key"])
        }
    }

    @Test func namesAreAtMost255Characters() async throws {
        try await TestApp(ServeConfiguration(database: .inMemory, touchpoints: [Touchpoint(id: String(repeating: "t", count: 255))])).test { client in
            let token = try await client.token()
            let name255 = String(repeating: "t", count: 255)
            let email255 = String(repeating: "a", count: 253) + "@b"
            let accepted = Self.startBody(touchpoint: name255, email: email255, subject: String(repeating: "s", count: 255))
            let started = try await client.call(.post, Self.start, token: token, body: accepted)
            #expect(started.status == .created, "\(String(buffer: started.body))")
            for (body, field) in [
                (Self.startBody(touchpoint: name255 + "t"), "touchpoint_id"),
                (Self.startBody(touchpoint: name255, email: "a" + email255), "contact_person.email"),
                (Self.startBody(touchpoint: name255, subject: String(repeating: "s", count: 256)), "subject"),
                (Self.startBody(touchpoint: name255, subject: ""), "subject"),
            ] {
                let response = try await client.call(.post, Self.start, token: token, body: body)
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: [field])
            }
        }
    }

    @Test func contentIsAtMost1600CharactersAndPreviousMessagesNeedTheirTime() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let path = "/digital-connect/conversations/\(id)/messages"
            // Characters, not bytes: 1,600 two-byte characters are 1,600.
            let most = String(repeating: "é", count: 1600)
            #expect(try await client.call(.post, path, token: token, body: #"{"content":"\#(most)"}"#).status == .created)
            let over = try await client.call(.post, path, token: token, body: #"{"content":"\#(most)x"}"#)
            try expectDigitalConnectError(over, status: .badRequest, code: "3016000", fields: ["content"])

            func previous(_ content: String, _ time: String?) -> String {
                let at = time.map { #","created_at":"\#($0)""# } ?? ""
                return #"[{"type":"user","content":"\#(content)"\#(at)}]"#
            }
            let longestTime = "2026-01-01T08:00:00.123456789+05:30"
            #expect(longestTime.count == 35)
            let fits = try await client.call(.post, Self.start, token: token, body: Self.startBody(previous: previous(most, longestTime)))
            #expect(fits.status == .created, "\(String(buffer: fits.body))")
            for (messages, fields) in [
                (previous(most + "x", longestTime), ["previous_messages[0].content"]),
                (previous("hi", nil), ["previous_messages[0].created_at"]),
                (previous("hi", longestTime + "0"), ["previous_messages[0].created_at"]),
            ] {
                let response = try await client.call(.post, Self.start, token: token, body: Self.startBody(previous: messages))
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: fields)
            }
        }
    }

    @Test func eachAttachmentNeedsItsIdNameTypeAndSize() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            let response = try await client.call(
                .post,
                "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: #"{"content":"see","attachments":[{"id":"a1","name":"x.png","type":"image/png"},{"size":3}]}"#
            )
            try expectDigitalConnectError(
                response,
                status: .badRequest,
                code: "3016000",
                fields: ["attachments[0].size", "attachments[1].id", "attachments[1].name", "attachments[1].type"]
            )
        }
    }

    @Test func anInactiveTouchpointIs400AndAnUnknownOne404() async throws {
        let configuration = ServeConfiguration(
            database: .inMemory,
            touchpoints: [Touchpoint(id: "tp-tdmock"), Touchpoint(id: "tp-retired", active: false)]
        )
        try await TestApp(configuration).test { client in
            let token = try await client.token()
            let inactive = try await client.call(.post, Self.start, token: token, body: Self.startBody(touchpoint: "tp-retired"))
            try expectDigitalConnectError(inactive, status: .badRequest, code: "3016005")
            let unknown = try await client.call(.post, Self.start, token: token, body: Self.startBody(touchpoint: "tp-none"))
            try expectDigitalConnectError(unknown, status: .notFound, code: "3004041")
            #expect(try await client.call(.post, Self.start, token: token, body: Self.startBody()).status == .created)
        }
    }

    @Test func aServerErrorIs3016100() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let fault = #"{"target":"start_conversation","status":503}"#
            #expect(try await client.call(.post, "/tdmock/v1/faults", token: nil, body: fault).status == .created)
            let refused = try await client.call(.post, Self.start, token: token, body: Self.startBody())
            try expectDigitalConnectError(refused, status: .serviceUnavailable, code: "3016100")
        }
    }
}
