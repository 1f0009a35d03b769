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

/// Talkdesk's Attachments API, end to end over HTTP: an upload link, the file PUT to it, the attachment,
/// its download read back byte for byte; and Send a Message's attachments checked against it.
@Suite struct AttachmentsTests {
    static let base = "/attachments/2023-03"

    /// A file uploaded and made an attachment: its id.
    static func attach(
        _ client: some TestClientProtocol,
        token: String,
        name: String,
        type: String = "image/png",
        bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF]
    ) async throws -> String {
        let link = try await client.call(.post, base + "/upload-link", token: token, body: #"{"allowed_mime_types":["\#(type)"]}"#)
        #expect(link.status == .ok, "\(String(buffer: link.body))")
        let linkBody = try json(link)
        let requestID = try #require(linkBody["request_id"] as? String)
        let url = try #require(linkBody["url"] as? String)
        let path = try #require(URL(string: url)?.path)
        let put = try await client.execute(uri: path, method: .put, headers: [.contentType: type], body: ByteBuffer(bytes: bytes))
        #expect(put.status == .ok, "\(String(buffer: put.body))")
        let created = try await client.call(
            .post,
            base,
            token: token,
            body: #"{"name":"\#(name)","request_id":"\#(requestID)","metadata":{"flow":"f1"}}"#
        )
        #expect(created.status == .ok, "\(String(buffer: created.body))")
        return try #require(try json(created)["id"] as? String)
    }

    func expectError(
        _ response: TestResponse,
        _ status: HTTPResponse.Status,
        _ code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(response.status == status, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        #expect(try json(response)["code"] as? String == code, sourceLocation: sourceLocation)
    }

    @Test func aFileGoesUpAndComesBackByteForByte() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let bytes: [UInt8] = Array(0...255) + [0, 0, 10, 13]
            let id = try await Self.attach(client, token: token, name: "scan.png", bytes: bytes)
            let shown = try await client.call(.get, Self.base + "/" + id, token: token)
            #expect(shown.status == .ok)
            #expect(shown.headers[.contentType] == "application/hal+json")
            let attachment = try json(shown)
            #expect(attachment["name"] as? String == "scan.png")
            #expect(attachment["state"] as? String == "published")
            #expect(attachment["type"] as? String == "image/png")
            #expect(attachment["size"] as? Int == bytes.count)
            #expect((attachment["metadata"] as? [String: Any])?["flow"] as? String == "f1")
            let links = try #require(attachment["_links"] as? [String: [String: String]])
            #expect(links["download_link"]?["href"]?.hasSuffix("/attachments/2023-03/\(id)/download-link") == true)

            let link = try await client.call(.get, Self.base + "/\(id)/download-link", token: token)
            #expect(link.status == .ok)
            #expect(try json(link)["expire_time"] as? Int == 600)
            let urlText = try #require(try json(link)["url"] as? String)
            let url = try #require(URL(string: urlText))
            let file = try await client.execute(uri: url.path, method: .get)
            #expect(file.status == .ok)
            #expect(Array(file.body.readableBytesView) == bytes)
            #expect(file.headers[.contentType] == "image/png")
            #expect(file.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"scan.png\"") == true)
            #expect(file.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")

            let listed = try json(try await client.call(.get, Self.base + "?per_page=10", token: token))
            #expect(listed["total"] as? Int == 1)
            #expect(((listed["_embedded"] as? [String: Any])?["list"] as? [[String: Any]])?.first?["id"] as? String == id)

            #expect(try await client.call(.delete, Self.base + "/" + id, token: token).status == .noContent)
            try expectError(try await client.call(.get, Self.base + "/" + id, token: token), .notFound, "2320009")
            try expectError(try await client.execute(uri: url.path, method: .get), .notFound, "2320009")
        }
    }

    @Test func refusalsCarryTalkdesksCodes() async throws {
        let configuration = ServeConfiguration(
            database: .inMemory,
            clients: [ServeConfiguration.defaultClient, OAuthClient(id: "dc-only", secret: "s", scopes: [Scope.digitalConnectWrite])]
        )
        try await TestApp(configuration).test { client in
            let token = try await client.token()
            try expectError(try await client.call(.get, Self.base, token: nil), .unauthorized, "2320001")
            let narrow = try await client.token(client: "dc-only", secret: "s")
            try expectError(try await client.call(.post, Self.base + "/upload-link", token: narrow, body: "{}"), .forbidden, "2320002")
            _ = try await Self.attach(client, token: token, name: "a.png")
            // A name is taken once.
            let link = try json(try await client.call(.post, Self.base + "/upload-link", token: token, body: "{}"))
            let requestID = try #require(link["request_id"] as? String)
            try expectError(
                try await client.call(.post, Self.base, token: token, body: #"{"name":"a.png","request_id":"\#(requestID)"}"#),
                .conflict,
                "2320004"
            )
            try expectError(try await client.call(.post, Self.base, token: token, body: #"{"name":"b.png"}"#), .badRequest, "2320000")
            try expectError(try await client.call(.get, Self.base + "/nothing", token: token), .notFound, "2320009")
            try expectError(try await client.call(.get, Self.base + "?per_page=251", token: token), .badRequest, "2320000")
        }
    }

    @Test func anUploadLinkTakesOneFileOfItsTypesBeforeItExpires() async throws {
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            func link() async throws -> String {
                let body = try json(
                    try await client.call(.post, Self.base + "/upload-link", token: token, body: #"{"allowed_mime_types":["audio/mpeg"]}"#)
                )
                let url = try #require(body["url"] as? String)
                return try #require(URL(string: url)?.path)
            }
            let path = try await link()
            let wrongType = try await client.execute(
                uri: path,
                method: .put,
                headers: [.contentType: "text/html"],
                body: ByteBuffer(string: "<b>x</b>")
            )
            try expectError(wrongType, .badRequest, "2320000")
            #expect(
                try await client.execute(uri: path, method: .put, headers: [.contentType: "audio/mpeg"], body: ByteBuffer(string: "ID3")).status
                    == .ok
            )
            let again = try await client.execute(uri: path, method: .put, headers: [.contentType: "audio/mpeg"], body: ByteBuffer(string: "ID3"))
            try expectError(again, .conflict, "2320000")
            let late = try await link()
            app.clock.advance(by: 15 * 60 + 1)
            let expired = try await client.execute(uri: late, method: .put, headers: [.contentType: "audio/mpeg"], body: ByteBuffer(string: "ID3"))
            try expectError(expired, .badRequest, "2320000")
            try expectError(
                try await client.execute(
                    uri: Self.base + "/uploads/nothing",
                    method: .put,
                    headers: [.contentType: "audio/mpeg"],
                    body: ByteBuffer(string: "x")
                ),
                .notFound,
                "2320009"
            )
        }
    }

    @Test func aFileOverTheLimitIsRefused() async throws {
        var configuration = ServeConfiguration(database: .inMemory)
        configuration.limits.attachmentBytes = 1000
        try await TestApp(configuration).test { client in
            let token = try await client.token()
            let body = try json(try await client.call(.post, Self.base + "/upload-link", token: token, body: "{}"))
            let url = try #require(body["url"] as? String)
            let path = try #require(URL(string: url)?.path)
            let big = ByteBuffer(bytes: [UInt8](repeating: 1, count: 1001))
            try expectError(
                try await client.execute(uri: path, method: .put, headers: [.contentType: "image/png"], body: big),
                .contentTooLarge,
                "2320000"
            )
            let fits = ByteBuffer(bytes: [UInt8](repeating: 1, count: 1000))
            #expect(try await client.execute(uri: path, method: .put, headers: [.contentType: "image/png"], body: fits).status == .ok)
        }
    }

    /// Send a Message: 10 attachments pass; the 11th fails (206); an unknown, unfinished or mis-sized one
    /// fails; all failing is 400 3016012 and stores nothing.
    @Test func sendAMessageChecksItsAttachments() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let conversation = try await client.startConversation(token: token)
            let path = "/digital-connect/conversations/\(conversation)/messages"
            var ids: [String] = []
            for n in 0..<11 { ids.append(try await Self.attach(client, token: token, name: "f\(n).png")) }
            func body(_ attachments: [(String, Int)]) -> String {
                let items = attachments.map { #"{"id":"\#($0.0)","name":"x.png","type":"image/png","size":\#($0.1)}"# }
                return #"{"content":"files","attachments":[\#(items.joined(separator: ","))]}"#
            }
            let ten = try await client.call(.post, path, token: token, body: body(ids.prefix(10).map { ($0, 6) }))
            #expect(ten.status == .created, "\(String(buffer: ten.body))")
            let eleven = try await client.call(.post, path, token: token, body: body(ids.map { ($0, 6) }))
            #expect(eleven.status == .init(code: 206))
            #expect((try json(eleven)["partial_fail_reason"] as? String)?.contains("exceeds the 10") == true)

            // An upload link with no file yet: its attachment is unfinished.
            let link = try json(try await client.call(.post, "/attachments/2023-03/upload-link", token: token, body: "{}"))
            let unfinished = try json(
                try await client.call(
                    .post,
                    "/attachments/2023-03",
                    token: token,
                    body: #"{"name":"later.png","request_id":"\#(link["request_id"] as? String ?? "")"}"#
                )
            )
            let unfinishedID = try #require(unfinished["id"] as? String)
            let some = try await client.call(.post, path, token: token, body: body([(ids[0], 6), ("nothing", 6), (unfinishedID, 6), (ids[1], 7)]))
            #expect(some.status == .init(code: 206))
            let reason = try #require(try json(some)["partial_fail_reason"] as? String)
            #expect(reason.contains("does not exist") && reason.contains("has not finished uploading") && reason.contains("is not its file's"))

            let none = try await client.call(.post, path, token: token, body: body([("nothing", 6)]))
            try expectDigitalConnectError(none, status: .badRequest, code: "3016012")

            let detail = try json(try await client.execute(uri: "/tdmock/v1/conversations/\(conversation)", method: .get))
            let messages = try #require(detail["messages"] as? [[String: Any]])
            let sent = messages.filter { $0["content"] as? String == "files" }
            #expect(sent.map { ($0["attachments"] as? [Any])?.count ?? 0 } == [10, 10, 1])
        }
    }

    /// The agent opens a message's file from the workspace: a download with the file's own type, never
    /// rendered (an HTML file stays a file).
    @Test func theAgentGetsTheFileAsADownload() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let html = Array("<script>alert(1)</script>".utf8)
            let id = try await Self.attach(client, token: token, name: "page.html", type: "text/html", bytes: html)
            let file = try await client.execute(uri: "/tdmock/v1/attachments/\(id)/content", method: .get)
            #expect(file.status == .ok)
            #expect(Array(file.body.readableBytesView) == html)
            #expect(file.headers[.contentType] == "text/html")
            #expect(file.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(file.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(try await client.execute(uri: "/tdmock/v1/attachments/nothing/content", method: .get).status == .notFound)
        }
    }

    @Test func resetEmptiesThem() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            _ = try await Self.attach(client, token: token, name: "a.png")
            _ = try await client.execute(
                uri: "/tdmock/v1/reset",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            #expect(try json(try await client.call(.get, Self.base, token: token))["total"] as? Int == 0)
        }
    }
}
