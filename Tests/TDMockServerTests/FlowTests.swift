import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TDMockCore
import TDMockServer
import TDMockSettings
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// Functions on the Invoke API for the flows below: the bot's code hook (`hook`, answering by what the
/// caller said), and Connect's InvokeLambdaFunction targets (`lookup`, `nested`, `broken`).
final class FlowFunctions: Sendable {
    /// Each Lex event's session attributes and each Connect event's parameters and attributes.
    let lexAttributes = Mutex<[[String: String]]>([])
    let connectEvents = Mutex<[Data]>([])

    static func close(_ attributes: [String: String], state: String = "Fulfilled") -> [String: Any] {
        ["sessionState": ["dialogAction": ["type": "Close"], "intent": ["name": "FallbackIntent", "state": state], "sessionAttributes": attributes]]
    }

    func answer(_ name: String, _ event: [String: Any]) -> (HTTPResponse.Status, Any) {
        switch name {
        case "hook":
            var attributes = ((event["sessionState"] as? [String: Any])?["sessionAttributes"] as? [String: String]) ?? [:]
            lexAttributes.withLock { $0.append(attributes) }
            func answered(_ type: String, _ text: String) -> (HTTPResponse.Status, Any) {
                attributes["response_type"] = type
                attributes["response_text"] = text
                return (.ok, Self.close(attributes))
            }
            switch event["inputTranscript"] as? String ?? "" {
            case "earnings": return answered("speak", "4.2 million.")
            case "goodbye": return answered("disconnect", "Goodbye.")
            case "no idea": return answered("failed", "")
            case "failed": return (.ok, Self.close(attributes, state: "Failed"))
            case "hmm":
                return (
                    .ok,
                    [
                        "sessionState": ["dialogAction": ["type": "ElicitIntent"], "sessionAttributes": attributes],
                        "messages": [["contentType": "PlainText", "content": "Anything else?"]],
                    ]
                )
            case "book a room in lisbon":
                return (
                    .ok,
                    [
                        "sessionState": [
                            "dialogAction": ["type": "Close"],
                            "intent": [
                                "name": "FallbackIntent", "state": "Fulfilled",
                                "slots": ["city": ["value": ["originalValue": "lisbon", "interpretedValue": "Lisbon"]], "nights": NSNull()],
                            ],
                            "sessionAttributes": attributes,
                        ]
                    ]
                )
            case "boom": return (.internalServerError, ["message": "boom"])
            default: return (.ok, Self.close(attributes))
            }
        case "lookup":
            let data = try? JSONSerialization.data(withJSONObject: event)
            connectEvents.withLock { $0.append(data ?? Data()) }
            return (.ok, ["tier": "gold", "first_name": "Ada", "score": 7])
        case "nested":
            return (.ok, ["account": ["tier": "gold"]])
        default:
            return (.internalServerError, ["errorMessage": "broken on purpose"])
        }
    }

    func run<Value: Sendable>(_ body: @Sendable (_ base: String) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/2015-03-31/functions/:name/invocations") { request, context -> Response in
            var request = request
            let data = try await request.collectBody(upTo: 1 << 20)
            let event = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
            let (status, answer) = self.answer(try context.parameters.require("name"), event)
            return Response(
                status: status,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: answer)))
            )
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))/2015-03-31/functions")
        }
    }
}

/// Contact flows in Connect's Flow Language, run by tdmock's Connect (docs/contact-flows.md).
@Suite struct FlowTests {
    static let alias = "arn:aws:lex:us-east-1:123456789012:bot-alias/TDMOCKQBOT/TSTALIASID"

    /// The main flow: a menu (DTMF), the bot, a transfer to another flow, the no-op actions.
    static let main = """
        {"Version": "2019-10-30", "StartAction": "log",
         "Metadata": {"entryPointPosition": {"x": 40, "y": 40}, "ActionMetadata": {}},
         "Actions": [
          {"Identifier": "log", "Type": "UpdateFlowLoggingBehavior", "Parameters": {"FlowLoggingBehavior": "Enabled"},
           "Transitions": {"NextAction": "voice"}},
          {"Identifier": "voice", "Type": "UpdateContactTextToSpeechVoice", "Parameters": {"TextToSpeechVoice": "Joanna"},
           "Transitions": {"NextAction": "record", "Errors": [], "Conditions": []}},
          {"Identifier": "record", "Type": "UpdateContactRecordingBehavior",
           "Parameters": {"RecordingBehavior": {"RecordedParticipants": ["Agent", "Customer"]}}, "Transitions": {"NextAction": "lookup"}},
          {"Identifier": "lookup", "Type": "InvokeLambdaFunction",
           "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:lookup", "InvocationTimeLimitSeconds": "3",
                          "LambdaInvocationAttributes": {"phone": "$.CustomerEndpoint.Address", "channel": "$.Channel"}},
           "Transitions": {"NextAction": "remember", "Errors": [{"NextAction": "menu", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "remember", "Type": "UpdateContactAttributes",
           "Parameters": {"Attributes": {"tier": "$.External.tier", "first_name": "$.External.first_name", "unset": "$.External.nothing"}},
           "Transitions": {"NextAction": "menu", "Errors": [{"NextAction": "menu", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "menu", "Type": "GetParticipantInput",
           "Parameters": {"Text": "Hello $.Attributes.first_name. Press 1 to ask, 2 for billing, 3 to leave.", "StoreInput": "False",
                          "InputTimeLimitSeconds": "5"},
           "Transitions": {"Conditions": [
               {"NextAction": "ask", "Condition": {"Operator": "Equals", "Operands": ["1"]}},
               {"NextAction": "billing", "Condition": {"Operator": "Equals", "Operands": ["2"]}},
               {"NextAction": "score", "Condition": {"Operator": "Equals", "Operands": ["3"]}}],
             "Errors": [{"NextAction": "not an option", "ErrorType": "NoMatchingCondition"},
                        {"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "not an option", "Type": "MessageParticipant", "Parameters": {"Text": "Sorry, that is not an option."},
           "Transitions": {"NextAction": "menu"}},
          {"Identifier": "ask", "Type": "ConnectParticipantWithLexBot",
           "Parameters": {"Text": "Ask your question.", "LexV2Bot": {"AliasArn": "\(alias)"},
                          "LexSessionAttributes": {"tier": "$.Attributes.tier"}},
           "Transitions": {"Conditions": [{"NextAction": "check", "Condition": {"Operator": "Equals", "Operands": ["FallbackIntent"]}}],
             "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"},
                        {"NextAction": "sorry", "ErrorType": "NoMatchingError"},
                        {"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "listen", "Type": "ConnectParticipantWithLexBot",
           "Parameters": {"LexV2Bot": {"AliasArn": "\(alias)"}},
           "Transitions": {"Conditions": [{"NextAction": "check", "Condition": {"Operator": "Equals", "Operands": ["FallbackIntent"]}}],
             "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"},
                        {"NextAction": "sorry", "ErrorType": "NoMatchingError"},
                        {"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "check", "Type": "Compare", "Parameters": {"ComparisonValue": "$.Lex.SessionAttributes.response_type"},
           "Transitions": {"Conditions": [
               {"NextAction": "speak", "Condition": {"Operator": "Equals", "Operands": ["speak"]}},
               {"NextAction": "goodbye", "Condition": {"Operator": "Equals", "Operands": ["disconnect"]}},
               {"NextAction": "queue", "Condition": {"Operator": "Equals", "Operands": ["failed"]}}],
             "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}]}},
          {"Identifier": "speak", "Type": "MessageParticipant", "Parameters": {"Text": "$.Lex.SessionAttributes.response_text"},
           "Transitions": {"NextAction": "listen"}},
          {"Identifier": "goodbye", "Type": "MessageParticipant", "Parameters": {"SSML": "<speak>$.Lex.SessionAttributes.response_text</speak>"},
           "Transitions": {"NextAction": "bye"}},
          {"Identifier": "queue", "Type": "UpdateContactTargetQueue",
           "Parameters": {"QueueId": "arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/humans"},
           "Transitions": {"NextAction": "transfer", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": {},
           "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "bye", "ErrorType": "QueueAtCapacity"},
                                                         {"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "sorry", "Type": "MessageParticipant", "Parameters": {"Text": "Sorry, something went wrong."},
           "Transitions": {"NextAction": "end"}},
          {"Identifier": "billing", "Type": "InvokeLambdaFunction",
           "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:broken", "InvocationTimeLimitSeconds": 2},
           "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "to billing", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "to billing", "Type": "TransferToFlow",
           "Parameters": {"ContactFlowId": "arn:aws:connect:us-east-1:123456789012:instance/i-1/contact-flow/billing-flow"},
           "Transitions": {"Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "score", "Type": "InvokeLambdaFunction",
           "Parameters": {"LambdaFunctionARN": "nested", "InvocationTimeLimitSeconds": "2", "ResponseValidation": {"ResponseType": "JSON"}},
           "Transitions": {"NextAction": "gold?", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "gold?", "Type": "Compare", "Parameters": {"ComparisonValue": "$.External.account.tier"},
           "Transitions": {"Conditions": [{"NextAction": "thanks", "Condition": {"Operator": "TextStartsWith", "Operands": ["go"]}}],
             "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}]}},
          {"Identifier": "thanks", "Type": "MessageParticipant", "Parameters": {"Text": "Thanks, $.External.account.tier caller."},
           "Transitions": {"NextAction": "end"}},
          {"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}},
          {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
         ]}
        """

    /// The flow `TransferToFlow` names: stores what the caller types.
    static let billing = """
        {"Version": "2019-10-30", "StartAction": "hello", "Actions": [
          {"Identifier": "hello", "Type": "MessageParticipant", "Parameters": {"Text": "Billing, $.Attributes.first_name."},
           "Transitions": {"NextAction": "account"}},
          {"Identifier": "account", "Type": "GetParticipantInput",
           "Parameters": {"Text": "Type your account number.", "StoreInput": "True", "InputTimeLimitSeconds": "5"},
           "Transitions": {"NextAction": "echo", "Errors": [{"NextAction": "done", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "echo", "Type": "MessageParticipant", "Parameters": {"Text": "You typed $.StoredCustomerInput."},
           "Transitions": {"NextAction": "phone"}},
          {"Identifier": "phone", "Type": "GetParticipantInput",
           "Parameters": {"Text": "Your phone number?", "StoreInput": "True", "InputTimeLimitSeconds": "5",
                          "InputValidation": {"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}},
                          "DTMFConfiguration": {"InputTerminationSequence": "*"}},
           "Transitions": {"NextAction": "done", "Errors": [{"NextAction": "phone", "ErrorType": "InvalidPhoneNumber"},
                                                          {"NextAction": "done", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "done", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]}
        """

    static func write(_ text: String, _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-flow-\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func configuration(functions base: String, main: String = main, loop: String? = nil) throws -> ServeConfiguration {
        let other = try loop.map { ", loop: \(try write($0, "loop.json"))" } ?? ""
        let yaml = """
            in_memory: true
            connect:
              flow: \(try write(main, "main.json"))
              flows: {billing-flow: \(try write(billing, "billing.json"))\(other)}
              lambda_timeout: 2
            functions:
              lookup: \(base)/lookup/invocations
              nested: \(base)/nested/invocations
              broken: \(base)/broken/invocations
              fallback: \(base)/hook/invocations
            """
        return try ServeConfiguration.resolve(flags: CommandLineFlags(["config": write(yaml, "tdmock.yaml")]), environment: [:])
    }

    struct Call {
        let client: any TestClientProtocol
        let id: String
        let prompt: String

        static func start(_ client: some TestClientProtocol, caller: String = "+15550100") async throws -> Call {
            let response = try await client.execute(
                uri: "/connect/v1/contacts",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"caller":"\#(caller)"}"#)
            )
            #expect(response.status == .created)
            let body = try json(response)
            return Call(client: client, id: try #require(body["contact_id"] as? String), prompt: body["prompt"] as? String ?? "")
        }

        func say(_ text: String?) async throws -> [String: Any] {
            let body = text.map { #"{"text":"\#($0)"}"# } ?? #"{"silence":true}"#
            let response = try await client.execute(
                uri: "/connect/v1/contacts/\(id)/utterances",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            )
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            return try json(response)
        }
    }

    @Test func eachActionConditionAndErrorRunsAsConnectRunsIt() async throws {
        let functions = FlowFunctions()
        try await functions.run { base in
            try await TestApp(try Self.configuration(functions: base)).test { client in
                // The bot: speak and listen again, a dialog left open, then disconnect.
                var call = try await Call.start(client)
                #expect(call.prompt == "Hello Ada. Press 1 to ask, 2 for billing, 3 to leave.")
                var turn = try await call.say("1")
                #expect(turn["prompt"] as? String == "Ask your question." && turn["branch"] as? String == "continue")
                turn = try await call.say("earnings")
                #expect(turn["branch"] as? String == "speak" && turn["prompt"] as? String == "4.2 million." && turn["ended"] as? Bool == false)
                turn = try await call.say("hmm")
                #expect(turn["branch"] as? String == "continue" && turn["prompt"] as? String == "Anything else?")
                turn = try await call.say("goodbye")
                #expect(turn["branch"] as? String == "disconnect" && turn["prompt"] as? String == "Goodbye." && turn["ended"] as? Bool == true)
                let detail = try await client.execute(uri: "/connect/v1/contacts/\(call.id)", method: .get)
                let contact = try JSONDecoder().decode(ConnectWire.ContactView.self, from: Data(detail.body.readableBytesView))
                #expect(contact.attributes == ["tier": "gold", "first_name": "Ada", "unset": ""])
                #expect(contact.start?.path.map(\.action) == ["log", "voice", "record", "lookup", "remember", "menu"])
                #expect(contact.turns?.last?.path.map(\.action) == ["listen", "check", "goodbye", "bye"])
                #expect(contact.turns?.last?.path[1].transition == "Conditions: Equals disconnect")

                // A key that is no option, then silence; letters at a DTMF prompt are refused.
                call = try await Call.start(client)
                let letters = try await client.execute(
                    uri: "/connect/v1/contacts/\(call.id)/utterances",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"text":"one"}"#)
                )
                #expect(letters.status == .badRequest)
                #expect(try json(letters)["message"] as? String == "action 'menu' (GetParticipantInput) takes DTMF: type digits, * and #")
                for (body, message) in [
                    (#"{"silence":false}"#, "silence must be true (the caller says nothing), or left out"),
                    (#"{"text":"1","silence":true}"#, "give text (what the caller said) or silence: true (nothing), not both"),
                ] {
                    let refused = try await client.execute(
                        uri: "/connect/v1/contacts/\(call.id)/utterances",
                        method: .post,
                        headers: [.contentType: "application/json"],
                        body: ByteBuffer(string: body)
                    )
                    let said = try json(refused)["message"] as? String
                    #expect(refused.status == .badRequest && said == message, "\(body)")
                }
                turn = try await call.say("9")
                #expect(turn["prompt"] as? String == "Sorry, that is not an option. Hello Ada. Press 1 to ask, 2 for billing, 3 to leave.")
                turn = try await call.say(nil)
                #expect(turn["branch"] as? String == "disconnect" && turn["ended"] as? Bool == true)

                // A function that fails, its error taken to another flow, which stores what is typed.
                call = try await Call.start(client)
                turn = try await call.say("2")
                #expect(turn["branch"] as? String == "error" && turn["ended"] as? Bool == false)
                #expect(
                    (turn["error"] as? String)?.hasPrefix("action 'billing' (InvokeLambdaFunction broken): the function answered HTTP 500") == true
                )
                #expect(turn["prompt"] as? String == "Billing, Ada. Type your account number.")
                turn = try await call.say("12#")
                #expect(turn["prompt"] as? String == "You typed 12. Your phone number?" && turn["branch"] as? String == "continue")
                turn = try await call.say("555*")
                #expect(turn["prompt"] as? String == "Your phone number?" && turn["ended"] as? Bool == false)
                turn = try await call.say("5550100123*")
                #expect(turn["branch"] as? String == "disconnect" && turn["ended"] as? Bool == true)

                // A JSON answer read by a nested path, and EndFlowExecution.
                call = try await Call.start(client)
                turn = try await call.say("3")
                #expect(turn["prompt"] as? String == "Thanks, gold caller." && turn["ended"] as? Bool == true)

                // Failed (the queue), an intent closed as Failed, a Lambda that fails, the bot closing its own intent.
                for (said, branch, prompt) in [
                    ("no idea", "transfer", ""), ("failed", "failed", "Sorry, something went wrong."),
                    ("boom", "error", "Sorry, something went wrong."), ("tdmock unused intent", "disconnect", ""),
                ] {
                    call = try await Call.start(client)
                    _ = try await call.say("1")
                    turn = try await call.say(said)
                    #expect(turn["branch"] as? String == branch, "\(said): \(turn)")
                    #expect(turn["prompt"] as? String == prompt, "\(said)")
                    #expect(turn["ended"] as? Bool == true)
                }
                // Silence to the bot.
                call = try await Call.start(client)
                _ = try await call.say("1")
                turn = try await call.say(nil)
                #expect(turn["branch"] as? String == "disconnect")

                // Coverage: every action and transition of both flows, run or taken this often (a call that waits
                // at an action and goes on from it has run it once).
                let coverage = try JSONDecoder().decode(
                    ConnectWire.Coverage.self,
                    from: Data(try await client.execute(uri: "/connect/v1/coverage", method: .get).body.readableBytesView)
                )
                #expect(coverage.flows.map(\.flow) == ["main", "billing-flow"])
                var runs: [String: Int] = [:]
                var taken: [String: Int] = [:]
                for flow in coverage.flows {
                    for action in flow.actions {
                        runs[action.identifier] = action.runs
                        for transition in action.transitions { taken["\(action.identifier) \(transition.transition)"] = transition.taken }
                    }
                }
                #expect(
                    runs == [
                        "log": 9, "voice": 9, "record": 9, "lookup": 9, "remember": 9, "menu": 10, "not an option": 1, "ask": 6,
                        "listen": 1, "check": 3, "speak": 1, "goodbye": 1, "queue": 1, "transfer": 1, "sorry": 2, "billing": 1,
                        "to billing": 1, "score": 1, "gold?": 1, "thanks": 1, "end": 3, "bye": 4,
                        "hello": 1, "account": 1, "echo": 1, "phone": 2, "done": 1,
                    ]
                )
                let never = taken.filter { $0.value == 0 }.keys.sorted()
                #expect(
                    never == [
                        "account Errors: InputTimeLimitExceeded", "billing NextAction", "check Errors: NoMatchingCondition",
                        "gold? Errors: NoMatchingCondition",
                        "listen Errors: InputTimeLimitExceeded", "listen Errors: NoMatchingCondition", "listen Errors: NoMatchingError",
                        "lookup Errors: NoMatchingError", "phone Errors: InputTimeLimitExceeded", "queue Errors: NoMatchingError",
                        "remember Errors: NoMatchingError",
                        "score Errors: NoMatchingError", "to billing Errors: NoMatchingError", "transfer Errors: NoMatchingError",
                        "transfer Errors: QueueAtCapacity",
                    ]
                )
                #expect(taken["menu Conditions: Equals 1"] == 6 && taken["ask Conditions: Equals FallbackIntent"] == 2)
                #expect(coverage.totals.actions == 27 && coverage.totals.actionsRun == 27)

                // Reset empties it.
                _ = try await client.execute(
                    uri: "/tdmock/v1/reset",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                let after = try json(try await client.execute(uri: "/connect/v1/coverage", method: .get))
                #expect((after["totals"] as? [String: Int])?["actions_run"] == 0)
            }
        }
        // The bot got the block's LexSessionAttributes; InvokeLambdaFunction got Connect's event.
        #expect(functions.lexAttributes.withLock { $0.first } == ["tier": "gold"])
        let first = try #require(functions.connectEvents.withLock { $0.first })
        let event = try #require(try JSONSerialization.jsonObject(with: first) as? [String: Any])
        #expect(event["Name"] as? String == "ContactFlowEvent")
        let details = try #require(event["Details"] as? [String: Any])
        #expect(details["Parameters"] as? [String: String] == ["phone": "+15550100", "channel": "VOICE"])
        let data = try #require(details["ContactData"] as? [String: Any])
        #expect(data["Channel"] as? String == "VOICE")
        #expect((data["CustomerEndpoint"] as? [String: String])?["Address"] == "+15550100")
        #expect((data["ContactId"] as? String)?.count == 36)
    }

    @Test func whatAFlowNamesMustBeConfiguredAndAMistakeIsRefusedAtStart() throws {
        func refusal(_ flow: String, flows: String = "") throws -> String {
            let yaml = "connect:\n  flow: \(try Self.write(flow, "flow.json"))\n" + flows
            do {
                _ = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": Self.write(yaml, "tdmock.yaml")]), environment: [:])
                return "taken"
            } catch {
                return "\(error)"
            }
        }
        func one(_ action: String) -> String {
            #"{"Version": "2019-10-30", "StartAction": "a", "Actions": [\#(action), {"Identifier": "b", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}"#
        }
        var message = try refusal(
            one(
                #"{"Identifier": "a", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:nope", "InvocationTimeLimitSeconds": "3"}, "Transitions": {"NextAction": "b"}}"#
            )
        )
        #expect(message.contains("action 'a', Parameters.LambdaFunctionARN: no function named 'nope'"), "\(message)")
        message = try refusal(
            one(
                #"{"Identifier": "a", "Type": "ConnectParticipantWithLexBot", "Parameters": {"LexV2Bot": {"AliasArn": "arn:aws:lex:us-east-1:1:bot-alias/TDMOCKQBOT/PRODALIAS"}}, "Transitions": {"NextAction": "b"}}"#
            )
        )
        #expect(message.contains("action 'a', Parameters.LexV2Bot.AliasArn: bot 'TDMOCKQBOT' has no alias 'PRODALIAS'"), "\(message)")
        message = try refusal(
            one(
                #"{"Identifier": "a", "Type": "ConnectParticipantWithLexBot", "Parameters": {"LexV2Bot": {"AliasArn": "arn:aws:lex:us-east-1:1:bot-alias/NOBOT/TSTALIASID"}}, "Transitions": {"NextAction": "b"}}"#
            )
        )
        #expect(message.contains("action 'a', Parameters.LexV2Bot.AliasArn: no bot with id 'NOBOT' in lex.bots"), "\(message)")
        // A transfer to a flow the configuration does not hold is said at start, not refused.
        let transfer = one(#"{"Identifier": "a", "Type": "TransferToFlow", "Parameters": {"ContactFlowId": "other"}, "Transitions": {}}"#)
        #expect(try refusal(transfer) == "taken")
        let warned = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["config": Self.write("connect:\n  flow: \(try Self.write(transfer, "flow.json"))\n", "tdmock.yaml")]),
            environment: [:]
        )
        #expect(
            warned.warnings.contains { $0.contains("action 'a', Parameters.ContactFlowId: no flow 'other' in connect.flows") },
            "\(warned.warnings)"
        )
        message = try refusal(one(#"{"Identifier": "a", "Type": "Loop", "Parameters": {}, "Transitions": {}}"#))
        #expect(message.contains("connect.flow") && message.contains("action 'a', Parameters.LoopCount: missing"), "\(message)")
        // A flow of connect.flows is checked the same way, named by its key.
        message = try refusal(
            one(#"{"Identifier": "a", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}"#),
            flows: "  flows: {other: /nonexistent.json}\n"
        )
        #expect(message.contains("connect.flows.other") && message.contains("cannot read the flow file '/nonexistent.json'"), "\(message)")
        #expect(try refusal(one(#"{"Identifier": "a", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}"#)) == "taken")
    }

    /// The errors the calls above never meet: a queue id that resolves to nothing, a transfer with no working
    /// queue, a flow id that names no flow, a nested answer under STRING_MAP, a Compare no condition matches;
    /// then a flow that loops without waiting, and one that runs out of transitions.
    /// A transfer to a flow the configuration does not hold ends the call, transferred to it.
    @Test func aTransferToAFlowNotHeldEndsTheCallTransferredToIt() async throws {
        let flow = """
            {"Version": "2019-10-30", "StartAction": "hello", "Actions": [
              {"Identifier": "hello", "Type": "MessageParticipant", "Parameters": {"Text": "One moment."}, "Transitions": {"NextAction": "out"}},
              {"Identifier": "out", "Type": "TransferToFlow",
               "Parameters": {"ContactFlowId": "arn:aws:connect:us-east-1:1:instance/i/contact-flow/billing-main"}, "Transitions": {}}
            ]}
            """
        try await FlowFunctions().run { base in
            try await TestApp(try Self.configuration(functions: base, main: flow)).test { client in
                let response = try await client.execute(
                    uri: "/connect/v1/contacts",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                let body = try json(response)
                #expect(body["ended"] as? Bool == true && body["prompt"] as? String == "One moment.", "\(body)")
                let id = try #require(body["contact_id"] as? String)
                let contact = try json(try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get))
                #expect(contact["ended_by"] as? String == "transfer", "\(contact)")
            }
        }
    }

    /// JSONPath's bracket forms, as AWS documents them: a key with spaces or dots, after a dot or not.
    @Test func bracketedKeysAreReadAsConnectReadsThem() async throws {
        let flow = """
            {"Version": "2019-10-30", "StartAction": "set", "Actions": [
              {"Identifier": "set", "Type": "UpdateContactAttributes",
               "Parameters": {"Attributes": {"my key": "spaced", "a.b": "dotted", "plain": "p"}}, "Transitions": {"NextAction": "say"}},
              {"Identifier": "say", "Type": "MessageParticipant",
               "Parameters": {"Text": "1 $.Attributes.['my key'] 2 $.Attributes[\\"my key\\"] 3 $.Attributes.['a.b'] 4 $.Attributes.a.b 5 $.Attributes.plain 6 $.Attributes.['none']."},
               "Transitions": {"NextAction": "bye"}},
              {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
            ]}
            """
        try await FlowFunctions().run { base in
            try await TestApp(try Self.configuration(functions: base, main: flow)).test { client in
                let call = try await Call.start(client)
                #expect(call.prompt == "1 spaced 2 spaced 3 dotted 4 dotted 5 p 6 .", "\(call.prompt)")
            }
        }
        #expect(FlowEngine.segments("Lex.SessionAttributes.['x.y z']").map(\.name) == ["Lex", "SessionAttributes", "x.y z"])
        #expect(FlowEngine.segments("External.a[\"b\"].c").map(\.name) == ["External", "a", "b", "c"])
    }

    @Test func theOtherErrorsAreTakenAndALoopOrADeadEndEndsTheCall() async throws {
        let errors = """
            {"Version": "2019-10-30", "StartAction": "queue", "Actions": [
              {"Identifier": "queue", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": "$.Attributes.none"},
               "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "transfer", "ErrorType": "NoMatchingError"}]}},
              {"Identifier": "transfer", "Type": "TransferContactToQueue", "Parameters": {},
               "Transitions": {"Errors": [{"NextAction": "flow", "ErrorType": "NoMatchingError"}]}},
              {"Identifier": "flow", "Type": "TransferToFlow", "Parameters": {"ContactFlowId": "$.Attributes.none"},
               "Transitions": {"Errors": [{"NextAction": "nested", "ErrorType": "NoMatchingError"}]}},
              {"Identifier": "nested", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "nested", "InvocationTimeLimitSeconds": 2},
               "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "compare", "ErrorType": "NoMatchingError"}]}},
              {"Identifier": "compare", "Type": "Compare", "Parameters": {"ComparisonValue": "$.External.account"},
               "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["x"]}}],
                               "Errors": [{"NextAction": "loop", "ErrorType": "NoMatchingCondition"}]}},
              {"Identifier": "loop", "Type": "TransferToFlow", "Parameters": {"ContactFlowId": "loop"}, "Transitions": {}},
              {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
            ]}
            """
        let loop = """
            {"Version": "2019-10-30", "StartAction": "again", "Actions": [
              {"Identifier": "again", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"n": "1"}}, "Transitions": {"NextAction": "again"}}
            ]}
            """
        try await FlowFunctions().run { base in
            try await TestApp(try Self.configuration(functions: base, main: errors, loop: loop)).test { client in
                let response = try await client.execute(
                    uri: "/connect/v1/contacts",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                let body = try json(response)
                #expect(body["ended"] as? Bool == true)
                // The last failure on the way is the one said: the loop, after the nested answer STRING_MAP refused.
                #expect(
                    body["error"] as? String == "the flow ran 1000 actions without waiting for the caller (a loop through 'again'): the call ends",
                    "\(body)"
                )
                let id = try #require(body["contact_id"] as? String)
                let detail = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get)
                let contact = try JSONDecoder().decode(ConnectWire.ContactView.self, from: Data(detail.body.readableBytesView))
                let path = try #require(contact.start?.path)
                #expect(
                    Array(path.prefix(6)).map { "\($0.action) \($0.transition ?? $0.note ?? "")" } == [
                        "queue Errors: NoMatchingError", "transfer Errors: NoMatchingError", "flow Errors: NoMatchingError",
                        "nested Errors: NoMatchingError", "compare Errors: NoMatchingCondition", "loop to flow 'loop'",
                    ]
                )
                #expect(path.count == 1000)
                #expect(contact.endedBy == .error)
            }
        }
        // A dead end: an action with no NextAction ends the call there, saying so.
        let deadEnd = """
            {"Version": "2019-10-30", "StartAction": "set", "Actions": [
              {"Identifier": "set", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"n": "1"}}, "Transitions": {}}]}
            """
        try await TestApp(try Self.configuration(functions: "http://127.0.0.1:9/2015-03-31/functions", main: deadEnd)).test { client in
            let response = try await client.execute(
                uri: "/connect/v1/contacts",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            let id = try #require(try json(response)["contact_id"] as? String)
            let detail = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get)
            let contact = try JSONDecoder().decode(ConnectWire.ContactView.self, from: Data(detail.body.readableBytesView))
            #expect(contact.endedBy == .disconnect)
            #expect(contact.start?.path.first?.note == "no NextAction: Connect ends the call")
        }
    }
}
