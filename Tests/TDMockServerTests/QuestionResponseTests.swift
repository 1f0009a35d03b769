import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import TDMockStore
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

@Suite struct QuestionResponseTests {
    static let key: HTTPFields = [.contentType: "application/json", HTTPField.Name("x-api-key")!: ServeConfiguration.defaultQuestionAPIKey]

    func ask(_ client: some TestClientProtocol, _ body: String, headers: HTTPFields = QuestionResponseTests.key) async throws -> TestResponse {
        try await client.execute(uri: "/question-response/v1/questions", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func answer(_ client: some TestClientProtocol, _ id: String, _ body: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/tdmock/v1/questions/\(id)/answer",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: body)
        )
    }

    /// A request held on a connection of its own (the test client sends one request at a time): its status and body.
    func held(
        _ client: some TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        body: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
        let port = try #require(client.port)
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port) { second in
            try await second.execute(TestClient.Request(uri, method: method, headers: Self.key, body: body.map { ByteBuffer(string: $0) }))
        }
        let data = response.body.map { Data($0.readableBytesView) } ?? Data()
        return (response.head.status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    /// The id of the `count`th question_created event (waits for it).
    func created(_ client: some TestClientProtocol, count: Int = 1) async throws -> String {
        let response = try await client.execute(uri: "/tdmock/v1/wait?event=question_created&count=\(count)&timeout=10", method: .get)
        let events = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
        return try #require(events.last?["question_id"] as? String)
    }

    @Test func theKeyIsAskedFor() async throws {
        try await TestApp().test { client in
            var response = try await ask(client, "{}", headers: [.contentType: "application/json"])
            #expect(response.status == .unauthorized)
            #expect(try json(response)["error"] as? String == "unauthorized")
            response = try await ask(client, "{}", headers: [.contentType: "application/json", HTTPField.Name("x-api-key")!: "wrong"])
            #expect(response.status == .forbidden)
            #expect(try json(response)["message"] as? String == "x-api-key is not this question API's key")
        }
    }

    @Test func badQuestionsAreRefusedByField() async throws {
        let long = String(repeating: "a", count: 4001)
        let cases: [(String, String)] = [
            (#"{"question":"q"}"#, "session_id is required"),
            (#"{"session_id":"","question":"q"}"#, "session_id must not be empty"),
            (#"{"session_id":1,"question":"q"}"#, "session_id must be a string, not a number"),
            (#"{"session_id":"s"}"#, "question is required"),
            (#"{"session_id":"s","question":"\#(long)"}"#, "question is 4001 characters; at most 4000"),
            (#"{"session_id":"s","question":"q","attributes":[]}"#, "attributes must be an object of strings, not an array"),
            (#"{"session_id":"s","question":"q","attributes":{"a":true}}"#, "attributes.a must be a string, not a boolean"),
            (#"{"session_id":"s","question":"q","wait_seconds":31}"#, "wait_seconds must be a number of seconds from 0 to 30, not 31"),
            (#"{"session_id":"s","question":"q","wait_seconds":"5"}"#, "wait_seconds must be a number of seconds from 0 to 30, not a string"),
            (#"{"session_id":"s","question":"q",}"#, "The body is not valid JSON"),
            (#"["s"]"#, "The body must be a JSON object, not an array"),
        ]
        let app = try TestApp()
        try await app.test { client in
            for (body, message) in cases {
                let response = try await ask(client, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect((try json(response)["message"] as? String)?.hasPrefix(message) == true, "\(String(buffer: response.body))")
            }
        }
        #expect(try await app.services.database.questions(status: nil, sessionID: nil).isEmpty)
    }

    @Test func aHeldRequestGetsTheAgentsAnswer() async throws {
        try await TestApp().test { client in
            async let pending = held(
                client,
                .post,
                "/question-response/v1/questions",
                body: #"{"session_id":"c-3f2a","question":"What are our \u0000 earnings?","attributes":{"caller":"+15550100"}}"#
            )
            let id = try await created(client)
            let listed = try await client.execute(uri: "/tdmock/v1/questions?status=queued", method: .get)
            let views = try JSONDecoder().decode([QuestionWire.View].self, from: Data(listed.body.readableBytesView))
            #expect(views.map(\.question) == ["What are our \u{0} earnings?"])
            #expect(views.first?.attributes == ["caller": "+15550100"])
            let answered = try await answer(client, id, #"{"agent":"Dana","type":"speak","text":"4.2 million."}"#)
            #expect(answered.status == .ok)
            let (status, body) = try await pending
            #expect(status == .ok)
            #expect(body["question_id"] as? String == id)
            #expect(body["type"] as? String == "speak")
            #expect(body["text"] as? String == "4.2 million.")
            // Answered: a second answer is refused, and the event says who answered.
            let again = try await answer(client, id, #"{"agent":"Dana","type":"failed"}"#)
            #expect(again.status == .conflict)
            #expect((try json(again)["message"] as? String)?.contains("already answered") == true)
            let events = try await client.execute(uri: "/tdmock/v1/wait?event=question_answered&question_id=\(id)", method: .get)
            #expect(String(buffer: events.body).contains(#""author_name":"Dana""#))
        }
    }

    @Test func waitZeroQueuesAndTheGETHoldsUntilTheAnswer() async throws {
        try await TestApp().test { client in
            let queued = try await ask(client, #"{"session_id":"s","question":"q","wait_seconds":0}"#)
            #expect(queued.status == .accepted)
            let id = try #require(try json(queued)["question_id"] as? String)
            #expect(try json(queued)["status"] as? String == "queued")
            let poll = try await client.execute(uri: "/question-response/v1/questions/\(id)?wait_seconds=0.1", method: .get, headers: Self.key)
            #expect(poll.status == .accepted)
            async let pending = held(client, .get, "/question-response/v1/questions/\(id)?wait_seconds=10")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await answer(client, id, #"{"agent":"Dana","type":"disconnect","text":"Goodbye."}"#).status == .ok)
            let (status, body) = try await pending
            #expect(status == .ok)
            #expect(body["type"] as? String == "disconnect")
            #expect(body["text"] as? String == "Goodbye.")
            let unknown = try await client.execute(uri: "/question-response/v1/questions/nope", method: .get, headers: Self.key)
            #expect(unknown.status == .notFound)
            #expect(try json(unknown)["message"] as? String == "no question nope")
            let bad = try await client.execute(uri: "/question-response/v1/questions/\(id)?wait_seconds=40", method: .get, headers: Self.key)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func aQuestionNobodyAnswersExpires() async throws {
        let app = try TestApp()
        try await app.test { client in
            let response = try await ask(client, #"{"session_id":"s","question":"anyone?","wait_seconds":0.2}"#)
            #expect(response.status == .ok)
            #expect(try json(response)["type"] as? String == "failed")
            #expect(try json(response)["reason"] as? String == "timeout")
            let id = try #require(try json(response)["question_id"] as? String)
            let late = try await answer(client, id, #"{"agent":"Dana","type":"speak","text":"late"}"#)
            #expect(late.status == .conflict)
            #expect((try json(late)["message"] as? String)?.contains("has expired") == true)
            let events = try await client.execute(uri: "/tdmock/v1/wait?event=question_expired&timeout=1", method: .get)
            #expect(events.status == .ok)
            let poll = try await client.execute(uri: "/question-response/v1/questions/\(id)", method: .get, headers: Self.key)
            #expect(try json(poll)["reason"] as? String == "timeout")
        }
        #expect(try await app.services.database.questions(status: .expired, sessionID: nil).count == 1)
    }

    @Test func answersAreCheckedAndTheSessionIsShownWithTheQuestion() async throws {
        try await TestApp().test { client in
            for text in ["first", "second"] {
                _ = try await ask(client, #"{"session_id":"s-1","question":"\#(text)","wait_seconds":0}"#)
            }
            let id = try await created(client, count: 2)
            for (body, message) in [
                (#"{"type":"speak","text":"x"}"#, "agent must be a non-empty string"),
                (#"{"agent":"Dana","type":"speak"}"#, "a speak answer needs a non-empty text"),
                (#"{"agent":"Dana","type":"sing"}"#, "type must be speak, disconnect or failed"),
            ] {
                let response = try await answer(client, id, body)
                #expect(response.status == .badRequest)
                #expect(try json(response)["message"] as? String == message)
            }
            #expect(try await answer(client, "nope", #"{"agent":"Dana","type":"failed"}"#).status == .notFound)
            let failed = try await answer(client, id, #"{"agent":"Dana","type":"failed"}"#)
            #expect(try JSONDecoder().decode(QuestionWire.View.self, from: Data(failed.body.readableBytesView)).answer?.reason == "no_answer")
            let detail = try await client.execute(uri: "/tdmock/v1/questions/\(id)", method: .get)
            let decoded = try JSONDecoder().decode(QuestionWire.Detail.self, from: Data(detail.body.readableBytesView))
            #expect(decoded.question.id == id)
            #expect(decoded.session.map(\.question) == ["first", "second"])
            // tdmock reset empties the questions.
            _ = try await client.execute(uri: "/tdmock/v1/reset", method: .post, headers: [.contentType: "application/json"])
            let all = try await client.execute(uri: "/tdmock/v1/questions?status=all", method: .get)
            #expect(String(buffer: all.body) == "[]")
        }
    }
}
