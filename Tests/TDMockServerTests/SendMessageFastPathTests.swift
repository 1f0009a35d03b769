import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import TDMockCore
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServer
@testable import TDMockServices
@testable import TDMockTalkdesk

/// The pieces `SendMessageFastPath` answers with, each against what the router would have given.
/// (The DigitalConnect tests run over HTTP and so through the fast path; the end-to-end
/// `SendMessageFastPathTests` check ordering on one connection.)
@Suite struct SendMessageFastPathPartsTests {
    @Test func theAnswerIsByteForByteWhatJSONEncoderWrites() throws {
        for id in ["01a1fe8c063a0d8395158ca11705d580", "a/b \"c\" \\ d\n\u{08}\u{0C}\u{01} é 💬"] {
            let response = SendMessageResponse(id: id, messageId: "m-1", createdAt: "2026-11-21T14:39:38.142Z")
            #expect(String(decoding: response.json, as: UTF8.self) == String(decoding: JSONResponse.data(response), as: UTF8.self))
        }
    }

    @Test func theDateHeaderIsAnIMFFixdate() throws {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_800_000_000) == "Fri, 15 Jan 2027 08:00:00 GMT")
        #expect(HTTPDate.format(951_827_696) == "Tue, 29 Feb 2000 12:34:56 GMT")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let now = try #require(formatter.date(from: HTTPDate.now))
        #expect(abs(now.timeIntervalSinceNow) < 5)
    }

    @Test func onlyPlainSendMessageRequestsAreTakenOn() {
        func head(
            _ path: String,
            _ fields: [(String, String)] = [],
            method: NIOHTTP1.HTTPMethod = .POST,
            version: HTTPVersion = .http1_1
        ) -> HTTPRequestHead {
            HTTPRequestHead(version: version, method: method, uri: path, headers: HTTPHeaders([("Host", "localhost")] + fields))
        }
        let path = "/digital-connect/conversations/0196f0a0-x_Y9/messages"
        #expect(SendMessageFastPath.conversationID(of: head(path)) == "0196f0a0-x_Y9")
        #expect(SendMessageFastPath.conversationID(of: head(path, [("Connection", "keep-alive")])) == "0196f0a0-x_Y9")
        for declined in [
            head(path, method: .GET), head(path, method: .PUT), head(path, version: .http1_0),
            head(path, [("Connection", "keep-alive")], version: .http1_0),
            head(path + "?x=1"), head(path + "/"), head("/digital-connect/conversations//messages"),
            head("/digital-connect/conversations/a%20b/messages"), head("/digital-connect/conversations/a/b/messages"),
            head("/digital-connect/conversations/abc"), head("/tdmock/v1/conversations/abc/messages"),
            head("http://localhost" + path),
            head(path, [("Connection", "close")]), head(path, [("expect", "100-continue")]),
            head(path, [("Content-Length", String(BodyLimit.bytes + 1))]), head(path, [("Content-Length", "lots")]),
            // A field it reads, given twice: the router decides what two of them mean.
            head(path, [("Authorization", "Bearer a"), ("authorization", "Bearer b")]),
            head(path, [("Content-Length", "2"), ("Content-Length", "2")]),
            head(path, [("X-Idempotency-Key", "k"), ("x-idempotency-key", "k")]),
            head(path, [("Connection", "keep-alive"), ("Connection", "keep-alive")]),
        ] {
            #expect(SendMessageFastPath.conversationID(of: declined) == nil, "\(declined)")
        }
        // The fields the answer depends on, read in the same pass (names are case-insensitive; others,
        // even of the same length, are not mistaken for them).
        let fields = [
            ("AUTHORIZATION", "Bearer t"), ("X-Idempotency-KEY", "k-1"), ("Content-Type", "application/json"),
            ("Connection", "Keep-Alive"), ("Authorisation", "Bearer u"), ("X-Idempotency-Kez", "k-2"), ("Expecs", "x"),
        ]
        #expect(
            SendMessageFastPath.plainSend(head(path, fields))
                == .init(conversationID: "0196f0a0-x_Y9", authorization: "Bearer t", idempotencyKey: "k-1")
        )
        #expect(SendMessageFastPath.plainSend(head(path)) == .init(conversationID: "0196f0a0-x_Y9", authorization: nil, idempotencyKey: nil))
    }

    @Test func theBearerTokenIsReadAsTheRouterReadsIt() {
        #expect(DigitalConnectController.bearerToken("Bearer abc") == "abc")
        #expect(DigitalConnectController.bearerToken("bearer  abc\t ") == "abc")
        #expect(DigitalConnectController.bearerToken("BEARER a b") == "a b")
        for refused in ["Basic abc", "Bearer", "Bearer ", "Bearerabc", "Bearer\tabc", "Token abc", ""] {
            #expect(DigitalConnectController.bearerToken(refused) == nil, "\(refused)")
        }
    }

    @Test func aTokenTheServerDoesNotHoldInMemoryIsLeftToTheRouter() async throws {
        // Two servers on one store: the second did not issue the token, finds it in the store (router path)
        // and from then on holds it (fast path); both answer the same.
        let first = try TestApp()
        let token = try await first.test { client in try await client.token() }
        let second = try TestApp(sharing: first)
        try await second.test { client in
            let id = try await client.startConversation(token: token)
            for content in ["one", "two"] {
                let response = try await client.call(
                    .post,
                    "/digital-connect/conversations/\(id)/messages",
                    token: token,
                    body: #"{"content":"\#(content)"}"#
                )
                #expect(response.status == .created)
                #expect(response.headers[.server] == "tdmock")
                #expect(response.headers[.date] != nil)
                #expect(try json(response)["id"] as? String == id)
            }
        }
    }
}
