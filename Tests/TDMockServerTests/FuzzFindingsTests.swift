import Foundation
import Hummingbird
import HummingbirdTesting
import TDMockCore
import Testing
import Yams

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServer
@testable import TDMockServices
@testable import TDMockTalkdesk

/// What `make fuzz` (schemathesis against openapi/*.yaml) found, kept as tests: the server answers as
/// the documents say.
@Suite struct FuzzFindingsTests {
    @Test func anotherMethodOnAKnownPathIs405WithAllowInTheSurfacesShape() async throws {
        try await TestApp().test { client in
            let dc = try await client.call(.put, "/digital-connect/conversations", token: nil)
            try expectDigitalConnectError(dc, status: .methodNotAllowed, code: "3016007")
            #expect(dc.headers[.allow] == "POST")
            let end = try await client.call(.post, "/digital-connect/conversations/abc", token: nil)
            #expect(end.status == .methodNotAllowed)
            #expect(end.headers[.allow] == "DELETE")
            let oauth = try await client.execute(uri: "/oauth/token", method: .get)
            try expectOAuthError(oauth, status: .methodNotAllowed, error: "invalid_request")
            #expect(oauth.headers[.allow] == "POST")
            let agent = try await client.execute(uri: "/tdmock/v1/reset", method: .init("TRACE")!)
            #expect(agent.status == .methodNotAllowed)
            #expect(try json(agent)["message"] as? String == "TRACE is not allowed on /tdmock/v1/reset; use POST")
            #expect(try await client.execute(uri: "/tdmock/v1/faults", method: .put).headers[.allow] == "GET, POST, DELETE")
            #expect(try await client.execute(uri: "/healthz", method: .post).status == .methodNotAllowed)
            // Unknown paths stay 404.
            #expect(try await client.execute(uri: "/tdmock/v1/nothing", method: .put).status == .notFound)
        }
    }

    /// The 405 table, as `buildRouter` reads it off the router's routes.
    static func routeTable(_ app: TestApp) -> RouteTable {
        let events = EventHub()
        let table = RouteTable()
        let webSockets = WebSocketAPI(services: app.services, functions: FunctionInvoker(services: app.services, events: events), events: events)
        table.fill(
            from: buildRouter(
                app.services,
                events: events,
                deliverer: CallbackDeliverer(services: app.services, events: events),
                webSockets: webSockets
            )
        )
        return table
    }

    @Test func everyRouteInTheAllowTableIsServed() async throws {
        let app = try TestApp()
        let table = Self.routeTable(app)
        #expect(table.all.count >= 32)
        try await app.test { client in
            for (pattern, methods) in table.all {
                let path = "/" + pattern.components.map { "\($0)".hasPrefix("{") ? "x" : "\($0)" }.joined(separator: "/")
                guard path != "/tdmock/v1/events", path != "/tdmock/v1/wait" else { continue }  // they wait by design
                for method in methods {
                    let response = try await client.execute(uri: path, method: HTTPRequest.Method(method)!)
                    #expect(response.status != .methodNotAllowed, "\(method) \(path)")
                    #expect(!String(buffer: response.body).contains("No agent API operation"), "\(method) \(path)")
                }
                // API Gateway's REST API takes every method on its paths and answers for them itself.
                guard !pattern.description.hasPrefix("/apigw/rest") else { continue }
                let other = try await client.execute(uri: path, method: .patch)
                #expect(other.status == .methodNotAllowed, "PATCH \(path)")
                #expect(other.headers[.allow] == methods.joined(separator: ", "), "PATCH \(path)")
            }
        }
    }

    /// Every operation the OpenAPI documents describe is a route, and every route but the workspace's
    /// files is described: a route added without its document (or the other way round) fails here.
    @Test func theRoutesAreTheOperationsTheOpenAPIDocumentsDescribe() throws {
        func normalized(_ path: String) -> String { path.replacing(/\{[^}]*\}/, with: "{}") }
        var documented: Set<String> = []
        for name in ["talkdesk.yaml", "agent.yaml", "question-response.yaml"] {
            let url = Fixtures.folder.deletingLastPathComponent().appendingPathComponent("openapi").appendingPathComponent(name)
            let document = try #require(try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            for (path, item) in paths {
                for method in ((item as? [String: Any]) ?? [:]).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(normalized(path))")
                }
            }
        }
        let served = Set(
            Self.routeTable(try TestApp()).all.flatMap { route in
                route.methods.map { "\($0) \(normalized(route.path.description))" }
            }
        )
        // The AWS surfaces (Lambda, API Gateway, Lex, Connect's flow and test-case APIs) are AWS's: botocore's models
        // describe them, and boto3 is their judge.
        .filter {
            !$0.hasSuffix(" /") && !$0.contains(" /workspace/") && !$0.contains(" /2015-03-31/") && !$0.contains(" /apigw/")
                && !$0.contains(" /bots/") && !$0.contains("/@connections/") && !$0.contains(" /contact-flow")
                && !$0.contains(" /test-case") && !$0.contains(" /search-test-cases")
        }
        #expect(documented.subtracting(served).sorted() == [], "described but not served")
        #expect(served.subtracting(documented).sorted() == [], "served but not described")
    }

    @Test func previousMessageTimesAreCheckedAsTheDocumentSays() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            func body(_ time: String) -> String {
                #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a@b"},"previous_messages":[{"type":"user","content":"hi","created_at":"\#(time)"}]}"#
            }
            for good in ["2026-01-01T08:00:00Z", "2026-01-01T08:00:00.5+05:30", "2026-01-01T08:00:00.123456789-17:59"] {
                let response = try await client.call(.post, "/digital-connect/conversations", token: token, body: body(good))
                #expect(response.status == .created, "\(good): \(String(buffer: response.body))")
            }
            for bad in [
                "", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T08:00:00+20:15", "2026-01-01 08:00:00Z", "2026-01-01T08:00:00",
                "2026-01-01T08:00:00.Z", "2026-01-01T08:00:00.1234567890Z", "2026-01-01T08:00:00+18:00", "2026-01-01T08:00:00Zx",
                "2026-01-01T08:00:00+05:3", "2026-00-01T08:00:00Z", "2026-01-32T08:00:00Z", "2026-01-01T08:60:00Z",
            ] {
                let response = try await client.call(.post, "/digital-connect/conversations", token: token, body: body(bad))
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: ["previous_messages[0].created_at"])
            }
        }
    }

    @Test func sizesAsStringsAreDigitsWithSpacesOrTabsAround() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            let id = try await client.startConversation(token: token)
            for good in [#"" 12\t""#, #""0""#, "9000000000000000000", #""123456789012345678""#] {
                let response = try await client.call(
                    .post,
                    "/digital-connect/conversations/\(id)/messages",
                    token: token,
                    body: #"{"attachments":[{"id":"a1","name":"x.png","type":"image/png","size":\#(good)}]}"#
                )
                // Read as a size: past validation, to the attachment check (no such attachment: 3016012).
                try expectDigitalConnectError(response, status: .badRequest, code: "3016012")
            }
            for bad in [#""+12""#, #""\f12""#, #""1234567890123456789""#, #""1 2""#, "9000000000000000001000", "1.5"] {
                let response = try await client.call(
                    .post,
                    "/digital-connect/conversations/\(id)/messages",
                    token: token,
                    body: #"{"attachments":[{"id":"a1","name":"x.png","type":"image/png","size":\#(bad)}]}"#
                )
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: ["attachments[0].size"])
            }
        }
    }

    @Test func blankMeansTheSameCharactersAsTheDocumentsPatterns() async throws {
        try await TestApp().test { client in
            let token = try await client.token()
            for blank in ["\u{1C}", " \t\u{A0}\u{3000}", "\u{2028}"] {
                let escaped = String(data: try JSONEncoder().encode(blank), encoding: .utf8)!
                let response = try await client.call(
                    .post,
                    "/digital-connect/conversations",
                    token: token,
                    body: #"{"touchpoint_id":\#(escaped),"contact_person":{"email":"a@b"}}"#
                )
                try expectDigitalConnectError(response, status: .badRequest, code: "3016000", fields: ["touchpoint_id"])
            }
            // "@" followed by a modifier is one Character but still the separator of an address.
            let email = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: token,
                body: #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"\u00a3\u0002@\ud83c\udffbx"}}"#
            )
            #expect(email.status == .created, "\(String(buffer: email.body))")
            let spaced = try await client.call(
                .post,
                "/digital-connect/conversations",
                token: token,
                body: #"{"touchpoint_id":"tp-tdmock","contact_person":{"email":"a\u001c@b"}}"#
            )
            try expectDigitalConnectError(spaced, status: .badRequest, code: "3016000", fields: ["contact_person.email"])
        }
    }

    @Test func faultNumbersMayBeWrittenAsWholeFloatsAndAreBounded() async throws {
        try await TestApp().test { client in
            func add(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/tdmock/v1/faults",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body)
                )
            }
            let created = try await add(#"{"target":"start_conversation","status":440.0,"latency_ms":1440.0,"id":null}"#)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(try json(created)["latency_ms"] as? Int == 1440)
            #expect((try json(created)["id"] as? String)?.isEmpty == false)
            for bad in [
                #"{"target":"token","status":500.5}"#, #"{"target":"token","status":500,"remaining":78946352540334571520}"#,
                #"{"target":"token","status":500,"remaining":1000000001}"#, #"{"target":"token","status":503,"retry_after":86401}"#,
            ] {
                let response = try await add(bad)
                #expect(response.status == .badRequest, "\(bad): \(String(buffer: response.body))")
                #expect(try json(response)["error"] as? String == "invalid_request")
            }
        }
    }
}
