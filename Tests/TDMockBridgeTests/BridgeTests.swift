import Foundation
import TDMockCore
import TDMockSettings
import Testing

@testable import TDMockBridge

/// The repository's fixtures folder.
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures")

private func event(_ name: String = "lex-fulfillment-event.json") throws -> [String: JSONValue] {
    try #require(JSONValue(parsing: try Data(contentsOf: fixtures.appendingPathComponent(name)))?.objectValue)
}

/// The fulfillment Lambda's side of the chat line: what it reads of a Lex V2 event, the conversation it
/// starts, the answer it gives Lex.
@Suite struct LexEscalationTests {
    @Test func aFulfillmentEventBecomesTheStartOfAConversation() throws {
        let escalation = try Lex.escalation(from: try event(), touchpoint: "tp-bank")
        let body = escalation.body
        #expect(body["touchpoint_id"] == "tp-bank")
        #expect(body["subject"] == "Escalation from ExampleBankBot: TalkToAgent")
        #expect(body["contact_person"] == ["email": "ana.souza@example.com", "name": "Ana Souza"])
        // The sentiment of the first interpretation; the fulfilled intent after the earlier ones.
        #expect(body["context_parameters"] == ["sentiment": "NEGATIVE", "intent_history": "CheckBalance,SignInHelp,TalkToAgent"])
        let previous = try #require(body["previous_messages"]?.arrayValue)
        #expect(previous.count == 6)
        #expect(previous.first?["content"] == "Hi, I'm the Example Bank assistant. How can I help you today?")
        #expect(previous.last?["type"] == "user")
        #expect(previous.last?["content"] == "Yes, please, this is frustrating")
        #expect(escalation.intentName == "TalkToAgent")
        #expect(escalation.sessionAttributes["customer_name"] == "Ana Souza")
    }

    @Test func whatTheBridgeCannotUseIsNamed() throws {
        var base = try event()
        #expect(Lex.problem(in: base) == nil)
        func problem(_ change: (inout [String: JSONValue]) -> Void) -> String? {
            var changed = base
            change(&changed)
            return Lex.problem(in: changed)
        }
        #expect(problem { $0["invocationSource"] = "Other" } == #"invocationSource must be FulfillmentCodeHook or DialogCodeHook, not "Other""#)
        #expect(problem { $0["inputMode"] = 3 } == "inputMode must be Text, Speech or DTMF, not 3")
        #expect(problem { $0["sessionState"] = nil }?.hasPrefix("sessionState is missing") == true)
        #expect(problem { $0["interpretations"] = "none" } == "interpretations must be an array")
        #expect(problem { $0["interpretations"] = [1] } == "interpretations[0] must be an object")
        // A boolean is no confidence, though Foundation on Linux takes `true` for the number 1.
        #expect(problem { $0["interpretations"] = [["nluConfidence": true]] }?.hasPrefix("interpretations[0].nluConfidence must be a number") == true)
        #expect(problem { $0["interpretations"] = [["nluConfidence": 1]] } == nil)
        #expect(problem { $0["interpretations"] = [["nluConfidence": ["score": 0]]] } == nil)
        #expect(problem { $0["interpretations"] = nil } == nil)
        base["sessionState"] = ["sessionAttributes": ["transcript": "not json"]]
        #expect(throws: Lex.Invalid.self) { try Lex.escalation(from: base, touchpoint: "tp") }
    }

    @Test func theAnswerClosesTheIntentFulfilledOrFailed() throws {
        let fulfilled = Lex.response(sessionAttributes: ["a": "b"], intentName: "TalkToAgent", conversationID: "c1", message: "Connecting you.")
        #expect(fulfilled["sessionState"]?["sessionAttributes"] == ["a": "b", "talkdesk_conversation_id": "c1"])
        #expect(fulfilled["sessionState"]?["dialogAction"] == ["type": "Close"])
        #expect(fulfilled["sessionState"]?["intent"] == ["name": "TalkToAgent", "state": "Fulfilled"])
        #expect(fulfilled["messages"] == [["contentType": "PlainText", "content": "Connecting you."]])
        let failed = Lex.response(sessionAttributes: [:], intentName: "TalkToAgent", conversationID: nil, message: "Sorry.")
        #expect(failed["sessionState"]?["intent"]?["state"] == "Failed")
        #expect(failed["sessionState"]?["sessionAttributes"] == [:])
    }
}

/// The question-response line's reference Lambda, without a question API to ask.
@Suite struct ReferenceLambdaTests {
    let lambda = ReferenceLambda(questionsURL: "http://127.0.0.1:1/question-response/v1/questions", apiKey: "k", client: TalkdeskClient.sharedClient)

    @Test func aBodyThatIsNoEventIsAFunctionError() async {
        guard case .functionError(let type, let message) = await lambda.invoke(Data("[1]".utf8)) else {
            Issue.record("expected a function error")
            return
        }
        #expect(type == "InvalidEvent")
        #expect(message.contains("not a JSON object"))
        guard case .functionError(_, let noSession) = await lambda.invoke(Data(#"{"inputTranscript":"hi"}"#.utf8)) else {
            Issue.record("expected a function error")
            return
        }
        #expect(noSession.contains("no sessionId"))
    }

    @Test func anUnreachableQuestionAPIIsTheFailedBranchWithItsReason() async {
        let body =
            #"{"sessionId":"s-1","inputTranscript":"What are our earnings?","sessionState":{"intent":{"name":"FallbackIntent"},"sessionAttributes":{"region":"EU","response_type":"speak"}}}"#
        guard case .returned(let answer) = await lambda.invoke(Data(body.utf8)) else {
            Issue.record("expected an answer")
            return
        }
        let attributes = answer["sessionState"]?["sessionAttributes"]
        #expect(attributes?["region"] == "EU")
        #expect(attributes?["response_type"] == "failed")
        #expect(attributes?["response_reason"]?.stringValue?.contains("is unreachable") == true)
        #expect(answer["sessionState"]?["dialogAction"] == ["type": "Close"])
        #expect(answer["sessionState"]?["intent"] == ["name": "FallbackIntent", "state": "Fulfilled"])
        let content = try? #require(answer["messages"]?.arrayValue?.first?["content"]?.stringValue)
        #expect(JSONValue(parsing: Data((content ?? "").utf8))?["type"] == "failed")
    }
}

/// `tdmock bridge`'s settings, read as `tdmock serve` reads its own.
@Suite struct BridgeConfigurationTests {
    func writeConfig(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-bridge-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsThenFileThenEnvironmentThenFlags() throws {
        let defaults = try BridgeConfiguration.resolve(flags: CommandLineFlags(), environment: [:])
        #expect(defaults == BridgeConfiguration())
        #expect(defaults.port == 8090)
        #expect(defaults.questionsURL == "http://127.0.0.1:8080/question-response/v1/questions")
        let file = try writeConfig(
            """
            port: 8080
            callback: {url: http://127.0.0.1:9/x}
            bridge:
              port: 9001
              touchpoint: tp-file
              question_api_url: http://127.0.0.1:7000/
            """
        )
        let fromFile = try BridgeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        #expect(fromFile.port == 9001)
        #expect(fromFile.touchpoint == "tp-file")
        #expect(fromFile.questionsURL == "http://127.0.0.1:7000/question-response/v1/questions")
        // TDMOCK_CONFIG (serve's file) is read too; the environment wins over it, a flag over both.
        let environment = ["TDMOCK_CONFIG": file, "TDMOCK_BRIDGE_PORT": "9002"]
        #expect(try BridgeConfiguration.resolve(flags: CommandLineFlags(), environment: environment).port == 9002)
        #expect(try BridgeConfiguration.resolve(flags: CommandLineFlags(), environment: environment).touchpoint == "tp-file")
        #expect(try BridgeConfiguration.resolve(flags: CommandLineFlags(["port": "9003"]), environment: environment).port == 9003)
    }

    @Test func badValuesAreRefusedNamingTheirSource() throws {
        let port = #expect(throws: ConfigurationError.self) {
            try BridgeConfiguration.resolve(flags: CommandLineFlags(), environment: ["TDMOCK_BRIDGE_PORT": "ninety"])
        }
        #expect(port?.description == "environment: TDMOCK_BRIDGE_PORT: expected a whole number, found 'ninety'")
        let flag = #expect(throws: ConfigurationError.self) {
            try BridgeConfiguration.resolve(flags: CommandLineFlags(["talkdesk-url": "localhost:8080"]), environment: [:])
        }
        #expect(flag?.description == "command line: --talkdesk-url: expected an http:// or https:// URL, found 'localhost:8080'")
        let file = try writeConfig("bridge:\n  port: 8090\n  colour: red\n")
        let unknown = #expect(throws: ConfigurationError.self) {
            try BridgeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        }
        #expect(unknown?.description.hasPrefix("\(file):3: bridge.colour: unknown key; expected one of client_id") == true)
        let range = try writeConfig("bridge:\n  port: 70000\n")
        let big = #expect(throws: ConfigurationError.self) {
            try BridgeConfiguration.resolve(flags: CommandLineFlags(["config": range]), environment: [:])
        }
        #expect(big?.description == "\(range):2: bridge.port: expected a whole number from 0 to 65535, found 70000")
        // Serve's keys are serve's to check: the bridge reads its own section only.
        #expect(throws: Never.self) {
            try BridgeConfiguration.resolve(flags: CommandLineFlags(["config": writeConfig("prot: 1\n")]), environment: [:])
        }
    }
}
