import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TDMockCore
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// A Lambda on the Invoke API that answers by what the caller said, and keeps the session attributes it got.
final class FakeLambda: Sendable {
    let sessionAttributes = Mutex<[[String: String]]>([])

    static func close(_ attributes: [String: Any], state: String = "Fulfilled", messages: [[String: String]] = []) -> [String: Any] {
        [
            "sessionState": [
                "dialogAction": ["type": "Close"], "intent": ["name": "FallbackIntent", "state": state], "sessionAttributes": attributes,
            ],
            "messages": messages,
        ]
    }

    func answer(_ event: [String: Any]) async -> Response {
        let received = ((event["sessionState"] as? [String: Any])?["sessionAttributes"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        sessionAttributes.withLock { $0.append(received) }
        let said = event["inputTranscript"] as? String ?? ""
        var attributes = ((event["sessionState"] as? [String: Any])?["sessionAttributes"] as? [String: Any]) ?? [:]
        attributes["turns"] = String(Int(attributes["turns"] as? String ?? "0")! + 1)
        func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
            var fields: HTTPFields = [.contentType: "application/json"]
            fields.append(contentsOf: headers)
            return Response(
                status: status,
                headers: fields,
                body: .init(byteBuffer: ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)))
            )
        }
        switch said {
        case "earnings":
            attributes["response_type"] = "speak"
            attributes["response_text"] = "4.2 million."
            return json(Self.close(attributes, messages: [["contentType": "CustomPayload", "content": #"{"type":"speak"}"#]]))
        case "goodbye":
            attributes["response_type"] = "disconnect"
            attributes["response_text"] = "Goodbye."
            return json(Self.close(attributes))
        case "failed": return json(Self.close(attributes, state: "Failed"))
        case "elicit":
            return json([
                "sessionState": ["dialogAction": ["type": "ElicitIntent"], "sessionAttributes": attributes],
                "messages": [["contentType": "PlainText", "content": "Anything else?"]],
            ])
        case "object":
            attributes["account"] = ["id": 1]
            return json(Self.close(attributes))
        case "500": return json(["message": "boom"], status: .internalServerError)
        case "function-error":
            return json(
                ["errorMessage": "KeyError: 'question'", "errorType": "KeyError"],
                headers: [HTTPField.Name("X-Amz-Function-Error")!: "Unhandled"]
            )
        case "not-json": return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "null?")))
        case "slow":
            try? await Task.sleep(for: .seconds(5))
            return json(Self.close(attributes))
        default:
            return json(Self.close(attributes))
        }
    }

    /// Runs the Lambda on a free port for the length of `body`.
    func run<Value: Sendable>(_ body: @Sendable (_ url: String) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/2015-03-31/functions/fallback/invocations") { request, _ -> Response in
            var request = request
            let data = try await request.collectBody(upTo: 1 << 20)
            let event = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
            return await self.answer(event)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))/2015-03-31/functions/fallback/invocations")
        }
    }
}

@Suite struct ConnectTests {
    func configuration(lambda: String) -> ServeConfiguration {
        var configuration = ServeConfiguration(database: .inMemory)
        configuration.functions["fallback"] = lambda
        // Long enough for a loaded machine (every suite runs at once), short beside the slow answer.
        configuration.connect.lambdaTimeout = 1.5
        return configuration
    }

    func start(_ client: some TestClientProtocol, _ body: String = #"{"caller":"+15550100","attributes":{"region":"EU"}}"#) async throws -> String {
        let response = try await client.execute(
            uri: "/connect/v1/contacts",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: body)
        )
        #expect(response.status == .created)
        #expect(try json(response)["prompt"] as? String == "What is your question?")
        return try #require(try json(response)["contact_id"] as? String)
    }

    func say(_ client: some TestClientProtocol, _ id: String, _ text: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/connect/v1/contacts/\(id)/utterances",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["text": text]))
        )
    }

    @Test func aStoredFlowThatNoLongerLoadsIsLeftOutAndSaid() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let broken = ConnectResource(
            kind: .flow,
            id: "f-1",
            name: "Old support",
            type: "CONTACT_FLOW",
            description: nil,
            content: #"{"Version": "2019-10-30"}"#,
            createdAt: at,
            modifiedAt: at
        )
        let registry = FlowRegistry(configured: FlowSet(), stored: [broken], startedAt: at)
        #expect(registry.flow("f-1") == nil)
        #expect(registry.entry(.flow, "f-1")?.resource.name == "Old support")
        #expect(registry.refusedAtStart.count == 1)
        #expect(registry.refusedAtStart.first?.hasPrefix("the flow 'Old support' (f-1) kept in the store no longer loads") == true)
        #expect(registry.refusedAtStart.first?.hasSuffix("update its content, or delete it") == true)
    }

    @Test func speakListensAgainAndDisconnectHangsUp() async throws {
        let lambda = FakeLambda()
        try await lambda.run { url in
            try await TestApp(configuration(lambda: url)).test { client in
                let id = try await start(client)
                #expect(id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
                var response = try await say(client, id, "earnings")
                var body = try json(response)
                #expect(body["branch"] as? String == "speak")
                #expect(body["prompt"] as? String == "4.2 million.")
                #expect(body["ended"] as? Bool == false)
                response = try await say(client, id, "goodbye")
                body = try json(response)
                #expect(body["branch"] as? String == "disconnect")
                #expect(body["prompt"] as? String == "Goodbye.")
                #expect(body["ended"] as? Bool == true)
                #expect((body["session_attributes"] as? [String: String])?["turns"] == "2")
                // Ended: another utterance is refused, and so is hanging up.
                let late = try await say(client, id, "earnings")
                #expect(late.status == .conflict)
                #expect(try json(late)["message"] as? String == "contact \(id) has ended (disconnect): start another call")
                let hangUp = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .delete)
                #expect(hangUp.status == .conflict)
                #expect(try json(hangUp)["error"] as? String == "conflict")
                let detail = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get)
                let contact = try JSONDecoder().decode(ConnectWire.ContactView.self, from: Data(detail.body.readableBytesView))
                #expect(contact.endedBy == .disconnect)
                #expect(contact.turns?.map(\.branch) == [.speak, .disconnect])
                #expect(contact.turns?.first?.lambda.statusCode == 200)
                #expect((contact.turns?.first?.lambda.latencyMs ?? -1) >= 0)
                #expect(contact.turns?.first?.lexEvent.objectValue?["inputTranscript"] == "earnings")
                let events = try await client.execute(uri: "/tdmock/v1/wait?event=call_ended&contact_id=\(id)", method: .get)
                #expect(String(buffer: events.body).contains(#""branch":"disconnect""#))
            }
        }
        // The first turn's session attributes are the contact's attributes and nothing else (not the caller's
        // number); each next turn's what the Lambda returned.
        let sent = lambda.sessionAttributes.withLock { $0 }
        #expect(
            sent == [
                ["region": "EU"],
                ["region": "EU", "turns": "1", "response_type": "speak", "response_text": "4.2 million."],
            ]
        )
    }

    @Test func eachUnusableAnswerIsAnErrorNamingTheCause() async throws {
        let lambda = FakeLambda()
        try await lambda.run { url in
            try await TestApp(configuration(lambda: url)).test { client in
                for (said, cause) in [
                    ("object", "Lex refused the Lambda's answer: sessionState.sessionAttributes.account: an object; Lex takes strings"),
                    ("500", #"the function answered HTTP 500: {"message":"boom"}"#),
                    ("function-error", "the function failed (X-Amz-Function-Error: Unhandled): KeyError: 'question'"),
                    ("not-json", "the function's answer is not JSON"),
                    ("slow", "the function 'fallback' did not answer within 1.5 s (connect.lambda_timeout, --lambda-timeout)"),
                ] {
                    let id = try await start(client)
                    let body = try json(try await say(client, id, said))
                    #expect(body["branch"] as? String == "error", "\(said)")
                    #expect(body["ended"] as? Bool == true)
                    #expect(body["prompt"] as? String == "Sorry, something went wrong. Goodbye.")
                    #expect((body["error"] as? String)?.hasPrefix(cause) == true, "\(body["error"] ?? "-")")
                    let detail = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get)
                    #expect(String(buffer: detail.body).contains(#""ended_by":"error""#))
                }
                // Close with Failed, and a dialog left open.
                var id = try await start(client)
                #expect(try json(try await say(client, id, "failed"))["branch"] as? String == "failed")
                id = try await start(client)
                let open = try json(try await say(client, id, "elicit"))
                #expect(open["branch"] as? String == "continue")
                #expect(open["prompt"] as? String == "Anything else?")
                #expect(open["ended"] as? Bool == false)
            }
        }
    }

    @Test func anUnreachableLambdaAndBadCallsAreSaidPlainly() async throws {
        try await TestApp(configuration(lambda: "http://127.0.0.1:9/2015-03-31/functions/fallback/invocations")).test { client in
            let id = try await start(client, "")
            #expect(try await say(client, id, "  ").status == .badRequest)
            let missing = try await client.execute(
                uri: "/connect/v1/contacts/\(id)/utterances",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            #expect(try json(missing)["message"] as? String == "text is required: what the caller said (or silence: true)")
            let unknown = try await say(client, "nope", "hi")
            #expect(unknown.status == .notFound)
            #expect(try json(unknown)["message"] as? String == "contact nope does not exist (tdmock contacts lists them)")
            let body = try json(try await say(client, id, "hi"))
            #expect(body["branch"] as? String == "error")
            #expect((body["error"] as? String)?.contains("cannot reach the function 'fallback' at http://127.0.0.1:9/") == true)
            let other = try await start(client)
            #expect(try await client.execute(uri: "/connect/v1/contacts/\(other)", method: .delete).status == .noContent)
            let events = try await client.execute(uri: "/tdmock/v1/wait?event=call_ended&contact_id=\(other)", method: .get)
            #expect(String(buffer: events.body).contains(#""branch":"hangup""#))
            let bad = try await client.execute(
                uri: "/connect/v1/contacts",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"attributes":{"a":1}}"#)
            )
            #expect(bad.status == .badRequest)
            let list = try await client.execute(uri: "/connect/v1/contacts", method: .get)
            #expect(try JSONDecoder().decode([ConnectWire.ContactView].self, from: Data(list.body.readableBytesView)).count == 2)
            let wrongMethod = try await client.execute(uri: "/connect/v1/contacts/\(id)/utterances", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
        }
    }

    @Test func theAgentTokenGuardsTheContactAPIAndTheAgentsQuestionsNotTheQuestionAPI() async throws {
        var configuration = configuration(lambda: "http://127.0.0.1:9/x")
        configuration.agentToken = String(repeating: "t", count: 16)
        try await TestApp(configuration).test { client in
            #expect(try await client.execute(uri: "/connect/v1/contacts", method: .post).status == .unauthorized)
            #expect(try await client.execute(uri: "/tdmock/v1/questions", method: .get).status == .unauthorized)
            let bearer: HTTPFields = [.authorization: "Bearer " + String(repeating: "t", count: 16)]
            #expect(try await client.execute(uri: "/connect/v1/contacts", method: .get, headers: bearer).status == .ok)
            let asked = try await client.execute(
                uri: "/question-response/v1/questions",
                method: .post,
                headers: QuestionResponseTests.key,
                body: ByteBuffer(string: #"{"session_id":"s","question":"q","wait_seconds":0}"#)
            )
            #expect(asked.status == .accepted)
        }
    }

    @Test func theCallersWordsAreKeptWhole() async throws {
        let lambda = FakeLambda()
        try await lambda.run { url in
            try await TestApp(configuration(lambda: url)).test { client in
                let id = try await start(client, #"{"caller":"+1\u0000 2","attributes":{"k\u0000":"v\u0000"}}"#)
                _ = try await say(client, id, "earn\u{0}ings")
                let detail = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get)
                let contact = try JSONDecoder().decode(ConnectWire.ContactView.self, from: Data(detail.body.readableBytesView))
                #expect(contact.caller == "+1\u{0} 2")
                #expect(contact.turns?.first?.utterance == "earn\u{0}ings")
                #expect(contact.turns?.first?.lexEvent.objectValue?["inputTranscript"] == "earn\u{0}ings")
                #expect(contact.sessionAttributes["k\u{0}"] == "v\u{0}")
            }
        }
    }
}
