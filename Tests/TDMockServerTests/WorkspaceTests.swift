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

/// The workspace's server side (docs/workspace.md): its files and their policy, JSON-only state changes, the
/// inbox in pages, the sign-in cookie. What the page does in a browser is checks/workspace/workspace_test.py's.
@Suite struct WorkspaceTests {
    static let jsonType: HTTPFields = [.contentType: "application/json"]

    @Test func thePageAndItsFilesComeWithAPolicyThatAllowsOnlyThemselves() async throws {
        try await TestApp().test { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("style-src 'self'"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            let html = String(buffer: page.body)
            #expect(html.contains(#"<script src="/workspace/app.js" defer>"#) && html.contains(#"href="/workspace/app.css""#))
            #expect(!html.contains("<script>") && !html.contains("style="), "no inline script or style: the policy refuses them")
            let script = try await client.execute(uri: "/workspace/app.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(!String(buffer: script.body).contains("innerHTML"), "the page writes what it is sent as text, never as HTML")
            #expect(try await client.execute(uri: "/workspace/app.css", method: .get).headers[.contentType] == "text/css; charset=utf-8")
            let posted = try await client.execute(uri: "/", method: .post)
            #expect(posted.status == .methodNotAllowed && posted.headers[.allow] == "GET")
        }
    }

    @Test func aStateChangeWithoutAJSONBodyIsRefusedAndChangesNothing() async throws {
        try await TestApp().test { client in
            let id = try await client.startConversation(token: try await client.token())
            // What a form on another site can send: text/plain (or a urlencoded form) with a JSON-looking body.
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let forged = try await client.execute(
                    uri: "/tdmock/v1/conversations/\(id)/close",
                    method: .post,
                    headers: [.contentType: type],
                    body: ByteBuffer(string: #"{"agent":"mallory"}"#)
                )
                #expect(forged.status == .unsupportedMediaType)
                let body = try json(forged)
                #expect(body["error"] as? String == "unsupported_media_type")
                #expect((body["message"] as? String)?.contains("Content-Type: application/json") == true)
            }
            #expect(try await client.execute(uri: "/tdmock/v1/reset", method: .post).status == .unsupportedMediaType)
            #expect(
                try await client.execute(uri: "/connect/v1/contacts", method: .post, body: ByteBuffer(string: "{}")).status == .unsupportedMediaType
            )
            let detail = try json(try await client.execute(uri: "/tdmock/v1/conversations/\(id)", method: .get))
            #expect(detail["status"] as? String == "queued")
            // The same calls as JSON; those that take no parameters take an empty body too.
            let closed = try await client.execute(
                uri: "/tdmock/v1/conversations/\(id)/close",
                method: .post,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: #"{"agent":"Dana"}"#)
            )
            #expect(closed.status == .ok)
            #expect(try await client.execute(uri: "/tdmock/v1/reset", method: .post, headers: Self.jsonType).status == .ok)
        }
    }

    @Test func theInboxComesInPagesWithItsCount() async throws {
        let app = try TestApp()
        try await app.test { client in
            let token = try await client.token()
            var ids = [String]()
            for subject in ["Refund please", "Card declined", "100% wrong_charge", "Delivery late", "Refund again"] {
                app.clock.advance(by: 1)
                ids.append(
                    try await client.startConversation(
                        token: token,
                        body: #"""
                            {"touchpoint_id":"tp-tdmock","subject":"\#(subject)","contact_person":{"email":"ana@example.com","name":"Ana"}}
                            """#
                    )
                )
            }
            func page(_ query: String) async throws -> (ids: [String], total: String?) {
                let response = try await client.execute(uri: "/tdmock/v1/conversations?\(query)", method: .get)
                #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                let rows = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]] ?? []
                return (rows.compactMap { $0["id"] as? String }, response.headers[HTTPField.Name("X-Total-Count")!])
            }
            let newest = Array(ids.reversed())
            #expect(try await page("limit=2") == (Array(newest[0..<2]), "5"))
            #expect(try await page("limit=2&offset=4") == ([newest[4]], "5"))
            #expect(try await page("limit=2&offset=10") == ([], "5"))
            #expect(try await page("q=refund") == ([ids[4], ids[0]], "2"), "a part of the subject, in any case")
            #expect(try await page("q=\(ids[2])") == ([ids[2]], "1"), "an id")
            #expect(try await page("q=ANA%40example") == (newest, "5"), "a part of the contact's email")
            #expect(try await page("q=0%25%20w") == ([ids[2]], "1"), "% is a character, not a wildcard")
            #expect(try await page("q=g_c") == ([ids[2]], "1"), "_ is a character, not a wildcard")
            #expect(try await page("q=nothing-like-it") == ([], "0"))
            #expect(try await page("status=ended&limit=10") == ([], "0"))
            // An offset past everything, one too large for an Int too, is an empty page.
            #expect(try await page("offset=9723684631888168960") == ([], "5"))
            for bad in ["limit=0", "limit=1001", "limit=x", "offset=-1", "offset=1.5"] {
                let response = try await client.execute(uri: "/tdmock/v1/conversations?\(bad)", method: .get)
                #expect(response.status == .badRequest, "\(bad)")
            }
            // Without limit, offset or q: the whole inbox, as before.
            let whole = try await client.execute(uri: "/tdmock/v1/conversations", method: .get)
            #expect(whole.headers[HTTPField.Name("X-Total-Count")!] == nil)
            #expect((try JSONSerialization.jsonObject(with: Data(whole.body.readableBytesView)) as? [Any])?.count == 5)
        }
    }

    @Test func theSignInSetsACookieTheAgentAPITakesInPlaceOfTheToken() async throws {
        let agentToken = "a workspace token; with, odd \"characters\""
        var configuration = ServeConfiguration(database: .inMemory)
        configuration.agentToken = agentToken
        try await TestApp(configuration).test { client in
            #expect(try await client.execute(uri: "/tdmock/v1/info", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/", method: .get).status == .ok, "the page itself asks for nothing: it shows the sign-in")
            let wrong = try await client.execute(
                uri: "/tdmock/v1/sign-in",
                method: .post,
                headers: Self.jsonType,
                body: ByteBuffer(string: #"{"token":"not it"}"#)
            )
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let signIn = try await client.execute(
                uri: "/tdmock/v1/sign-in",
                method: .post,
                headers: Self.jsonType,
                body: ByteBuffer(data: try JSONEncoder().encode(["token": agentToken]))
            )
            #expect(signIn.status == .noContent)
            let setCookie = try #require(signIn.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
            #expect(try await client.execute(uri: "/tdmock/v1/info", method: .get, headers: [.cookie: cookie]).status == .ok)
            #expect(try await client.execute(uri: "/connect/v1/contacts", method: .get, headers: [.cookie: cookie]).status == .ok)
            for forged in ["tdmock_agent_token=00", "tdmock_agent_token=zz", "tdmock_agent_token="] {
                #expect(try await client.execute(uri: "/tdmock/v1/info", method: .get, headers: [.cookie: forged]).status == .unauthorized)
            }
            let signOut = try await client.execute(uri: "/tdmock/v1/sign-out", method: .post, headers: Self.jsonType)
            #expect(signOut.status == .noContent && signOut.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
        try await TestApp().test { client in
            let open = try await client.execute(
                uri: "/tdmock/v1/sign-in",
                method: .post,
                headers: Self.jsonType,
                body: ByteBuffer(string: #"{"token":"x"}"#)
            )
            #expect(open.status == .badRequest)
        }
    }
}
