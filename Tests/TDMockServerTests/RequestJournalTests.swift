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

@Suite struct RequestJournalTests {
    func journal(_ client: some TestClientProtocol, _ query: String = "") async throws -> [JournalEntry] {
        let response = try await client.execute(uri: "/tdmock/v1/requests" + query, method: .get)
        #expect(response.status == .ok)
        return try JSONDecoder().decode([JournalEntry].self, from: Data(response.body.readableBytesView))
    }

    @Test func everyTalkdeskRequestIsKeptRefusedOnesWithTheirAnswer() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            #expect(
                try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: #"{"content":"hi"}"#).status
                    == .created
            )
            #expect(
                try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: nil, body: #"{"content":"hi"}"#).status
                    == .unauthorized
            )
            #expect(
                try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: #"{"content":1}"#).status
                    == .badRequest
            )
            #expect(
                try await client.call(.post, "/digital-connect/conversations/nope/messages", token: token, body: #"{"content":"x"}"#).status
                    == .notFound
            )
            let large = "{\"content\":\"" + String(repeating: "a", count: 1 << 20) + "\"}"
            #expect(
                try await client.call(.post, "/digital-connect/conversations/\(id)/messages", token: token, body: large).status == .contentTooLarge
            )
            // The agent API is not journalled.
            _ = try await client.execute(uri: "/tdmock/v1/conversations", method: .get)

            let entries = try await journal(client)
            #expect(entries.map(\.status) == [413, 404, 400, 401, 201, 201, 200])
            #expect(entries.allSatisfy { !$0.path.hasPrefix("/tdmock") })
            let sent = entries[4]
            #expect(sent.method == "POST" && sent.path == "/digital-connect/conversations/\(id)/messages")
            #expect(sent.requestBody == #"{"content":"hi"}"#)
            #expect(sent.authorization == "Bearer ***")
            #expect(sent.errorBody == nil)
            #expect(sent.latencyMs >= 0)
            #expect(entries[3].authorization == nil)
            #expect(entries[3].errorBody?.contains("3016001") == true)
            #expect(entries[2].errorBody?.contains("content") == true)
            #expect(entries[1].errorBody?.contains("3016004") == true)
            // Refused by its Content-Length, the body is never read.
            #expect(entries[0].requestBody == nil)
            let token6 = entries[6]
            #expect(token6.path == "/oauth/token")
            #expect(token6.authorization == "Basic tdmock-client:***")

            let failed = try await journal(client, "?failed=true&limit=2")
            #expect(failed.map(\.status) == [413, 404])
            #expect(try await client.execute(uri: "/tdmock/v1/requests?limit=0", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/tdmock/v1/requests?limit=-1", method: .get).status == .badRequest)
            // A limit past the journal (even past an Int) reads the whole journal.
            #expect(try await journal(client, "?limit=396826372311993968263723119").count == entries.count)
            _ = try await client.execute(uri: "/tdmock/v1/reset", method: .post, headers: [.contentType: "application/json"])
            #expect(try await journal(client).isEmpty)
        }
    }

    @Test func secretsAreMaskedWhereverTheyAre() async throws {
        try await TestApp().test { client in
            _ = try await client.execute(
                uri: "/oauth/token?client_secret=s3cret&x=1",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .authorization: basic("tdmock-client", "tdmock-secret")],
                body: ByteBuffer(string: "grant_type=client_credentials&client_secret=s3cret&scope=digital-connect%3Awrite")
            )
            _ = try await client.execute(
                uri: "/oauth/token",
                method: .post,
                headers: [.authorization: "Bearer abc.def"],
                body: ByteBuffer(string: "x")
            )
            let token = try await client.token()
            _ = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: token,
                body:
                    #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b.c"},"context_parameters":{"api_key":"k-1","password":"p","ok":"yes"}}"#
            )
            _ = try await client.execute(
                uri: "/question-response/v1/questions",
                method: .post,
                headers: [HTTPField.Name("x-api-key")!: "wrong"],
                body: ByteBuffer(string: "{}")
            )
            let entries = try await journal(client)
            let text = String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
            for secret in ["s3cret", "k-1", "\"p\"", "abc.def", "wrong", "tdmock-secret"] { #expect(!text.contains(secret), "\(secret) in \(text)") }
            #expect(entries.last?.path == "/oauth/token?client_secret=***&x=1")
            #expect(entries.last?.requestBody == "grant_type=client_credentials&client_secret=***&scope=digital-connect%3Awrite")
            #expect(entries.last?.authorization == "Basic tdmock-client:***")
            #expect(entries.dropLast().last?.authorization == "Bearer ***")
            #expect(entries[entries.count - 4].requestBody?.contains(#""ok":"yes""#) == true)
            #expect(entries.first?.status == 403)
            #expect(entries.first?.errorBody?.contains("x-api-key") == true)
        }
    }

    /// An AWS SDK's call is journalled with its access key id; the signature is masked, not checked.
    @Test func anAWSCallIsKeptWithItsAccessKeyID() async throws {
        try await TestApp().test { client in
            let signature =
                "AWS4-HMAC-SHA256 Credential=AKIDTDMOCK/20261205/us-east-1/lex/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef0123"
            let response = try await client.execute(
                uri: "/bots/NOSUCHBOT1/botAliases/TSTALIASID/botLocales/en_US/sessions/s-1/text",
                method: .post,
                headers: [.authorization: signature, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"text":"hi"}"#)
            )
            #expect(response.status == .notFound)
            let entries = try await journal(client)
            #expect(entries.first?.authorization == "AWS4-HMAC-SHA256 Credential=AKIDTDMOCK/***")
            #expect(entries.first?.status == 404)
            #expect(entries.first?.errorBody?.contains("No bot with id 'NOSUCHBOT1'") == true)
            #expect(!String(decoding: try JSONEncoder().encode(entries), as: UTF8.self).contains("abcdef0123"))
        }
    }

    /// An AWS SDK's call to an operation tdmock does not play is answered in AWS's shape, naming it, and kept.
    @Test func anAWSOperationTdmockDoesNotPlayIsNamedInAWSsShape() async throws {
        try await TestApp().test { client in
            let signature = "AWS4-HMAC-SHA256 Credential=AKIDTDMOCK/20261205/us-east-1/connect/aws4_request, SignedHeaders=host, Signature=ab"
            for (method, uri, status) in [
                (HTTPRequest.Method.get, "/users-summary/instance-1", HTTPResponse.Status.notFound),
                (.get, "/2015-03-31/functions/", .notFound),
                (.post, "/", .methodNotAllowed),
            ] {
                let response = try await client.execute(uri: uri, method: method, headers: [.authorization: signature])
                #expect(response.status == status, "\(method) \(uri)")
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "UnknownOperationException", "\(method) \(uri)")
                #expect((try json(response)["message"] as? String)?.contains("\(method.rawValue) \(uri)") == true)
            }
            // Unsigned, a path no surface owns is the router's plain 404.
            let plain = try await client.execute(uri: "/users-summary/instance-1", method: .get)
            #expect(plain.status == .notFound && plain.headers[HTTPField.Name("x-amzn-ErrorType")!] == nil)
            let entries = try await journal(client)
            #expect(entries.map(\.path).contains("/users-summary/instance-1"))
        }
    }

    /// The Attachments API is part of what an integration calls: its requests are kept with the rest.
    @Test func theAttachmentsAPIIsJournalled() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            _ = try await client.call(.get, "/attachments/2023-03/nosuch", token: token)
            #expect(try await journal(client).first?.path == "/attachments/2023-03/nosuch")
        }
    }

    @Test func aJournalOfSizeZeroKeepsNothing() async throws {
        var configuration = ServeConfiguration(database: .inMemory)
        configuration.journalSize = 0
        try await TestApp(configuration).test { client in
            _ = try await client.token()
            #expect(try await journal(client).isEmpty)
        }
    }
}
