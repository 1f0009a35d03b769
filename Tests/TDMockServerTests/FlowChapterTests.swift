import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import TDMockSettings
import Testing

@testable import TDMockAWS
@testable import TDMockServices

/// The whole Flow Language, chapter by chapter (docs/contact-flows.md): for each of the reference's four
/// chapters a flow in the style of a console export that uses every type in it, with conditions and errors
/// taken; modules, loops, hours at the harness clock, queue metrics, seeded percentages, and the chat channel.
@Suite struct FlowChapterTests {
    static let queueARN = "arn:aws:connect:us-east-1:123456789012:instance/1a2b/queue/q-sales"

    /// Flow control actions: hours, a loop, flow attributes, metrics, percentages, a wait, voice ID and
    /// outbound-call checks, routing criteria, logging, a transfer to a flow and its end.
    static let flowControl = """
        {"Version": "2019-10-30", "StartAction": "11111111-0000-4000-8000-000000000001",
         "Metadata": {"entryPointPosition": {"x": 20, "y": 20}, "ActionMetadata": {}},
         "Actions": [
          {"Identifier": "11111111-0000-4000-8000-000000000001", "Type": "UpdateFlowLoggingBehavior",
           "Parameters": {"FlowLoggingBehavior": "Enabled"}, "Transitions": {"NextAction": "queue"}},
          {"Identifier": "queue", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": "\(queueARN)"},
           "Transitions": {"NextAction": "hours", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "hours", "Type": "CheckHoursOfOperation",
           "Parameters": {"HoursOfOperationId": "arn:aws:connect:us-east-1:123456789012:instance/1a2b/operating-hours/office"},
           "Transitions": {"NextAction": "end", "Conditions": [
               {"NextAction": "open", "Condition": {"Operator": "Equals", "Operands": ["True"]}},
               {"NextAction": "closed", "Condition": {"Operator": "Equals", "Operands": ["False"]}}],
             "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "closed", "Type": "UpdateFlowAttributes",
           "Parameters": {"FlowAttributes": {"reason": {"Value": "after hours"}}},
           "Transitions": {"NextAction": "retry", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "open", "Type": "UpdateFlowAttributes", "Parameters": {"FlowAttributes": {"reason": "open"}},
           "Transitions": {"NextAction": "retry", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "retry", "Type": "Loop", "Parameters": {"LoopCount": "2"},
           "Transitions": {"Conditions": [
               {"NextAction": "try", "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]}},
               {"NextAction": "staffed", "Condition": {"Operator": "Equals", "Operands": ["DoneLooping"]}}]}},
          {"Identifier": "try", "Type": "Compare", "Parameters": {"ComparisonValue": "$.FlowAttributes.reason"},
           "Transitions": {"Conditions": [{"NextAction": "retry", "Condition": {"Operator": "Equals", "Operands": ["after hours"]}}],
             "Errors": [{"NextAction": "retry", "ErrorType": "NoMatchingCondition"}]}},
          {"Identifier": "staffed", "Type": "CheckMetricData", "Parameters": {"MetricType": "NumberOfAgentsAvailable"},
           "Transitions": {"Conditions": [{"NextAction": "waiting", "Condition": {"Operator": "NumberGreaterThan", "Operands": ["0"]}}],
             "Errors": [{"NextAction": "metrics", "ErrorType": "NoMatchingCondition"}, {"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "waiting", "Type": "CheckMetricData", "Parameters": {"MetricType": "NumberOfContactsInQueue", "QueueId": "q-sales"},
           "Transitions": {"Conditions": [{"NextAction": "metrics", "Condition": {"Operator": "NumberLessThan", "Operands": ["10"]}}],
             "Errors": [{"NextAction": "metrics", "ErrorType": "NoMatchingCondition"}, {"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "metrics", "Type": "GetMetricData", "Parameters": {},
           "Transitions": {"NextAction": "split", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "split", "Type": "DistributeByPercentage", "Parameters": {},
           "Transitions": {"Conditions": [{"NextAction": "wait", "Condition": {"Operator": "NumberLessThan", "Operands": ["50"]}}],
             "Errors": [{"NextAction": "wait", "ErrorType": "NoMatchingCondition"}]}},
          {"Identifier": "wait", "Type": "Wait", "Parameters": {"TimeoutSeconds": "60"},
           "Transitions": {"Conditions": [{"NextAction": "voiceid", "Condition": {"Operator": "Equals", "Operands": ["WaitCompleted"]}}],
             "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "voiceid", "Type": "StartVoiceIdStream", "Parameters": {},
           "Transitions": {"NextAction": "checkvoice", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "checkvoice", "Type": "CheckVoiceId", "Parameters": {"CheckVoiceId": {"AuthenticationStatus": "Authenticated"}},
           "Transitions": {"NextAction": "outbound", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "outbound", "Type": "CheckOutboundCallStatus", "Parameters": {},
           "Transitions": {"NextAction": "criteria", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "criteria", "Type": "UpdateRoutingCriteria", "Parameters": {"RoutingCriteria": {"Steps": []}},
           "Transitions": {"NextAction": "say", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "say", "Type": "MessageParticipant",
           "Parameters": {"Text": "$.FlowAttributes.reason; $.Metrics.Agents.Available.Count available, $.Metrics.Queue.Size waiting in $.Metrics.Queue.Name."},
           "Transitions": {"NextAction": "next"}},
          {"Identifier": "next", "Type": "TransferToFlow", "Parameters": {"ContactFlowId": "arn:aws:connect:us-east-1:123456789012:instance/1a2b/contact-flow/after"},
           "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
        ]}
        """

    /// The flow a TransferToFlow reaches: flow attributes are gone there.
    static let after = """
        {"Version": "2019-10-30", "StartAction": "ask", "Actions": [
          {"Identifier": "ask", "Type": "GetParticipantInput", "Parameters": {"Text": "Reason now: '$.FlowAttributes.reason'. Press 1.", "InputTimeLimitSeconds": "5"},
           "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
             "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}, {"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]}
        """

    /// Contact actions: a module with an input, recorded actions, the callback number, an agent transfer.
    static let contact = """
        {"Version": "2019-10-30", "StartAction": "module", "Actions": [
          {"Identifier": "module", "Type": "InvokeFlowModule",
           "Parameters": {"FlowModuleId": "arn:aws:connect:us-east-1:123456789012:instance/1a2b/flow-module/greet", "Name": "$.CustomerEndpoint.Address"},
           "Transitions": {"NextAction": "tag", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "tag", "Type": "TagContact", "Parameters": {"Tags": {"team": "sales"}},
           "Transitions": {"NextAction": "untag", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "untag", "Type": "UnTagContact", "Parameters": {"TagKeys": ["team"]},
           "Transitions": {"NextAction": "case", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "case", "Type": "CreateCase", "Parameters": {"CaseTemplateId": "t", "Fields": []},
           "Transitions": {"NextAction": "task", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "task", "Type": "CreateTask", "Parameters": {"Name": "Follow up"},
           "Transitions": {"NextAction": "data", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "data", "Type": "UpdateContactData", "Parameters": {"Name": "caller"},
           "Transitions": {"NextAction": "routing", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "routing", "Type": "UpdateContactRoutingBehavior", "Parameters": {"QueuePriority": "1"},
           "Transitions": {"NextAction": "badnumber", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "badnumber", "Type": "UpdateContactCallbackNumber", "Parameters": {"CallbackNumber": "555"},
           "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "number", "ErrorType": "InvalidCallbackNumber"},
                                                         {"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "number", "Type": "UpdateContactCallbackNumber", "Parameters": {"CallbackNumber": "$.CustomerEndpoint.Address"},
           "Transitions": {"NextAction": "agent", "Errors": [{"NextAction": "end", "ErrorType": "InvalidCallbackNumber"}]}},
          {"Identifier": "agent", "Type": "UpdateContactTargetQueue", "Parameters": {"AgentId": "arn:aws:connect:us-east-1:123456789012:instance/1a2b/agent/ada"},
           "Transitions": {"NextAction": "say", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "say", "Type": "MessageParticipant",
           "Parameters": {"Text": "$.Attributes.greeting We call back $.CustomerCallbackNumber. Module attribute: '$.FlowAttributes.inner'."},
           "Transitions": {"NextAction": "transfer"}},
          {"Identifier": "transfer", "Type": "TransferContactToAgent", "Parameters": {},
           "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]}
        """

    /// The module `greet`, as `describe-contact-flow-module` answers it: its input, its own flow attributes,
    /// its return.
    static let module = """
        {"ContactFlowModule": {"Id": "greet", "Name": "Greet", "Status": "published", "Content": \(String(decoding: try! JSONEncoder().encode("""
        {"Version": "2019-10-30", "StartAction": "inner", "Actions": [
          {"Identifier": "inner", "Type": "UpdateFlowAttributes", "Parameters": {"FlowAttributes": {"inner": {"Value": "module"}}},
           "Transitions": {"NextAction": "set", "Errors": [{"NextAction": "return", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "set", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"greeting": "Hello $.Modules.Input.Name ($.FlowAttributes.inner)."}},
           "Transitions": {"NextAction": "return", "Errors": [{"NextAction": "return", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "return", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}
        ]}
        """), as: UTF8.self))}}
        """

    /// Interactions: the callback, the customer profile actions, the older InvokeExternalResource.
    static let interactions = """
        {"Version": "2019-10-30", "StartAction": "profile", "Actions": [
          {"Identifier": "profile", "Type": "GetCustomerProfile", "Parameters": {"ProfileRequestData": {"IdentifierName": "_phone"}},
           "Transitions": {"NextAction": "create", "Errors": [{"NextAction": "end", "ErrorType": "NoneFoundError"},
                                                             {"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "create", "Type": "CreateCustomerProfile", "Parameters": {},
           "Transitions": {"NextAction": "associate", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "associate", "Type": "AssociateContactToCustomerProfile", "Parameters": {},
           "Transitions": {"NextAction": "lookup", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "lookup", "Type": "InvokeExternalResource",
           "Parameters": {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:lookup", "TimeLimit": "3"},
           "Transitions": {"NextAction": "callback", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "callback", "Type": "CreateCallbackContact", "Parameters": {"QueueId": "q-sales", "InitialCallDelaySeconds": "30"},
           "Transitions": {"NextAction": "forward", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "forward", "Type": "TransferParticipantToThirdParty",
           "Parameters": {"ThirdPartyPhoneNumber": "+1{{phoneNumber}}", "ThirdPartyConnectionTimeLimitSeconds": "30", "ContinueFlowExecution": "False"},
           "Transitions": {"NextAction": "say", "Errors": [{"NextAction": "say", "ErrorType": "NoMatchingError"}], "Conditions": []}},
          {"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "We will call you back, $.External.first_name."},
           "Transitions": {"NextAction": "end"}},
          {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]}
        """

    /// Participant actions, on a chat: text input, a Wait for the customer, a view, iterated messages, a
    /// third-party transfer.
    static let participant = """
        {"Version": "2019-10-30", "StartAction": "hello", "Actions": [
          {"Identifier": "hello", "Type": "MessageParticipant", "Parameters": {"Text": "Hi on $.Channel."}, "Transitions": {"NextAction": "ask"}},
          {"Identifier": "ask", "Type": "GetParticipantInput", "Parameters": {"Text": "Type sales or help."},
           "Transitions": {"Conditions": [{"NextAction": "wait", "Condition": {"Operator": "Equals", "Operands": ["sales"]}}],
             "Errors": [{"NextAction": "view", "ErrorType": "NoMatchingCondition"}, {"NextAction": "end", "ErrorType": "InputTimeLimitExceeded"}]}},
          {"Identifier": "wait", "Type": "Wait", "Parameters": {"TimeoutSeconds": "300", "Events": ["CustomerReturned"]},
           "Transitions": {"Conditions": [
               {"NextAction": "view", "Condition": {"Operator": "Equals", "Operands": ["CustomerReturned"]}},
               {"NextAction": "end", "Condition": {"Operator": "Equals", "Operands": ["WaitCompleted"]}}],
             "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "view", "Type": "ShowView",
           "Parameters": {"ViewResource": {"Id": "arn:aws:connect:us-east-1:aws:view/list-picker:1"}, "InvocationTimeLimitSeconds": "60",
                          "ViewData": {"Heading": "Pick one"}},
           "Transitions": {"Conditions": [{"NextAction": "iterate", "Condition": {"Operator": "Equals", "Operands": ["ActionSelected"]}}],
             "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingCondition"}, {"NextAction": "end", "ErrorType": "NoMatchingError"},
                        {"NextAction": "end", "ErrorType": "TimeLimitExceeded"}]}},
          {"Identifier": "iterate", "Type": "MessageParticipantIteratively",
           "Parameters": {"Messages": [{"Text": "One moment."}, {"Text": "Still here."}], "InterruptFrequencySeconds": "20"},
           "Transitions": {"NextAction": "third", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "third", "Type": "TransferParticipantToThirdParty",
           "Parameters": {"ThirdPartyPhoneNumber": "+15550199", "ContinueFlowExecution": "False", "ThirdPartyConnectionTimeoutSeconds": "30"},
           "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "end", "ErrorType": "CallFailed"},
                                                         {"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
          {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]}
        """

    static func configuration(_ main: String, functions base: String = "http://127.0.0.1:9", seed: Int? = nil) throws -> ServeConfiguration {
        let yaml = """
            in_memory: true
            \(seed.map { "seed: \($0)" } ?? "")
            connect:
              flow: \(try FlowTests.write(main, "main.json"))
              flows: {after: \(try FlowTests.write(after, "after.json"))}
              modules: {greet: \(try FlowTests.write(module, "greet.json"))}
              hours:
                office: {time_zone: America/New_York, days: {MON: "09:00-17:00", TUE: "09:00-17:00", WED: "09:00-17:00", THU: "09:00-17:00", FRI: "09:00-17:00"}}
              queues:
                q-sales: {agents_online: 3, agents_available: 0, contacts_in_queue: 4, oldest_contact_age: 90}
            functions:
              lookup: \(base)/lookup/invocations
            """
        return try ServeConfiguration.resolve(flags: CommandLineFlags(["config": FlowTests.write(yaml, "tdmock.yaml")]), environment: [:])
    }

    static func contact(_ client: some TestClientProtocol, _ id: String) async throws -> ConnectWire.ContactView {
        let detail = try await client.execute(uri: "/connect/v1/contacts/\(id)", method: .get)
        return try JSONDecoder().decode(ConnectWire.ContactView.self, from: Data(detail.body.readableBytesView))
    }

    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    @Test func flowControlActionsRunWithTheClockTheQueuesAndTheSeed() async throws {
        try await TestApp(try Self.configuration(Self.flowControl, seed: 7)).test { client in
            // Monday 2026-12-07 22:00 UTC is 17:00 in New York: closed.
            var set = try await Self.send(client, .post, "/tdmock/v1/clock", #"{"now": "2026-12-07T22:00:00Z"}"#)
            #expect(set.status == .ok && String(buffer: set.body).contains(#""set":true"#))
            var call = try await FlowTests.Call.start(client)
            #expect(call.prompt == "after hours; 0 available, 4 waiting in q-sales. Reason now: ''. Press 1.", "\(call.prompt)")
            let contact = try await Self.contact(client, call.id)
            let path = try #require(contact.start?.path)
            #expect(path.first { $0.action == "hours" }?.transition == "Conditions: Equals False")
            #expect(path.first { $0.action == "hours" }?.note == "closed at 2026-12-07T22:00:00.000Z")
            #expect(path.first { $0.action == "staffed" }?.note == "NumberOfAgentsAvailable of q-sales is 0")
            #expect(path.first { $0.action == "split" }?.note?.hasPrefix("drew ") == true)
            #expect(path.first { $0.action == "voiceid" }?.note == "recorded")
            #expect(
                path.filter { $0.action == "retry" }.map(\.transition) == [
                    "Conditions: Equals ContinueLooping", "Conditions: Equals ContinueLooping", "Conditions: Equals DoneLooping",
                ]
            )
            #expect(path.first { $0.action == "staffed" }?.transition == "Errors: NoMatchingCondition")
            #expect(path.first { $0.action == "wait" }?.transition == "Conditions: Equals WaitCompleted")
            #expect(path.last?.flow == "after")
            let firstSplit = path.first { $0.action == "split" }?.transition

            // An hour earlier it is open; a queue with an agent available goes the other way.
            set = try await Self.send(client, .post, "/tdmock/v1/clock", #"{"now": "2026-12-07T21:00:00Z"}"#)
            let encoded = try #require(Self.queueARN.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let queue = try await Self.send(client, .put, "/tdmock/v1/queues/\(encoded)", #"{"agents_available": 2}"#)
            #expect(queue.status == .ok && String(buffer: queue.body).contains(#""queue":"q-sales""#), "\(String(buffer: queue.body))")
            let shown = try json(queue)
            #expect(shown["agents_available"] as? Int == 2 && shown["agents_online"] as? Int == 3 && shown["contacts_in_queue"] as? Int == 4)
            call = try await FlowTests.Call.start(client)
            #expect(call.prompt.hasPrefix("open; 2 available, 4 waiting"), "\(call.prompt)")
            let open = try await Self.contact(client, call.id)
            #expect(open.start?.path.first { $0.action == "staffed" }?.transition == "Conditions: NumberGreaterThan 0")
            #expect(open.start?.path.first { $0.action == "waiting" }?.transition == "Conditions: NumberLessThan 10")

            // Bad clock and queue requests are refused, naming what to give.
            let badClock = try await Self.send(client, .post, "/tdmock/v1/clock", #"{"now": "tomorrow"}"#)
            #expect(badClock.status == .badRequest && String(buffer: badClock.body).contains("ISO 8601"))
            let badQueue = try await Self.send(client, .put, "/tdmock/v1/queues/q-sales", #"{"agents": 2}"#)
            #expect(badQueue.status == .badRequest && String(buffer: badQueue.body).contains("agents_available"))

            // Reset: real clock, queues as configured, the seeded draws from their start.
            #expect(try await Self.send(client, .post, "/tdmock/v1/reset", "{}").status == .ok)
            let clock = try await client.execute(uri: "/tdmock/v1/clock", method: .get)
            #expect(String(buffer: clock.body).contains(#""set":false"#))
            _ = try await Self.send(client, .post, "/tdmock/v1/clock", #"{"now": "2026-12-07T22:00:00Z"}"#)
            call = try await FlowTests.Call.start(client)
            let again = try await Self.contact(client, call.id)
            #expect(again.start?.path.first { $0.action == "split" }?.transition == firstSplit)
            #expect(call.prompt.contains("0 available"))
        }
    }

    @Test func distributeByPercentageIsRepeatableUnderASeed() async throws {
        func draws() async throws -> [String?] {
            try await TestApp(try Self.configuration(Self.flowControl, seed: 42)).test { client in
                var taken: [String?] = []
                for _ in 0..<12 {
                    let call = try await FlowTests.Call.start(client)
                    taken.append(try await Self.contact(client, call.id).start?.path.first { $0.action == "split" }?.transition)
                }
                return taken
            }
        }
        let first = try await draws()
        #expect(try await draws() == first)
        #expect(Set(first).count == 2, "12 draws at 50% took one branch only: \(first)")
    }

    @Test func contactActionsRunAModuleAndTransferToTheAgent() async throws {
        try await TestApp(try Self.configuration(Self.contact)).test { client in
            let call = try await FlowTests.Call.start(client, caller: "+15550100")
            #expect(call.prompt == "Hello +15550100 (module). We call back +15550100. Module attribute: ''.", "\(call.prompt)")
            let contact = try await Self.contact(client, call.id)
            #expect(contact.status == "ended" && contact.endedBy == .transfer)
            let path = try #require(contact.start?.path)
            #expect(path.map(\.flow).contains("module/greet"))
            #expect(path.first { $0.action == "return" }?.next == "tag")
            #expect(path.first { $0.action == "badnumber" }?.transition == "Errors: InvalidCallbackNumber")
            #expect(contact.attributes["greeting"] == "Hello +15550100 (module).")
            let coverage = try await client.execute(uri: "/connect/v1/coverage", method: .get)
            let report = try JSONDecoder().decode(ConnectWire.Coverage.self, from: Data(coverage.body.readableBytesView))
            #expect(report.flows.contains { $0.flow == "module/greet" && $0.actions.allSatisfy { $0.runs == 1 } }, "\(report.flows.map(\.flow))")
        }
    }

    @Test func interactionsRunTheOlderLambdaActionAndRecordTheRest() async throws {
        let functions = FlowFunctions()
        try await functions.run { base in
            try await TestApp(try Self.configuration(Self.interactions, functions: base)).test { client in
                let call = try await FlowTests.Call.start(client)
                #expect(call.prompt == "We will call you back, Ada.", "\(call.prompt)")
                let contact = try await Self.contact(client, call.id)
                let path = try #require(contact.start?.path)
                #expect(path.map(\.action) == ["profile", "create", "associate", "lookup", "callback", "forward", "say", "end"])
                #expect(path[4].note == "a callback to +15550100 queued in q-sales")
                // CallFailed has no transition of its own: NoMatchingError catches it.
                #expect(path[5].transition == "Errors: NoMatchingError")
                #expect(contact.endedBy == .disconnect)
            }
        }
    }

    @Test func participantActionsOnAChat() async throws {
        try await TestApp(try Self.configuration(Self.participant)).test { client in
            let created = try await Self.send(client, .post, "/connect/v1/contacts", #"{"channel": "CHAT"}"#)
            #expect(created.status == .created)
            let body = try json(created)
            let call = FlowTests.Call(client: client, id: try #require(body["contact_id"] as? String), prompt: body["prompt"] as? String ?? "")
            #expect(call.prompt == "Hi on CHAT. Type sales or help.")
            var turn = try await call.say("sales")
            #expect(turn["ended"] as? Bool == false && turn["prompt"] as? String == "")
            turn = try await call.say("I am back")
            #expect(turn["ended"] as? Bool == false)
            turn = try await call.say("ActionSelected")
            #expect(
                turn["prompt"] as? String == "One moment. Still here." && turn["ended"] as? Bool == true && turn["branch"] as? String == "transfer"
            )
            let contact = try await Self.contact(client, call.id)
            #expect(contact.channel == "CHAT")
            #expect(contact.turns?[1].path.first?.transition == "Conditions: Equals CustomerReturned")
            #expect(
                contact.turns?[1].path.last?.note
                    == #"shows view arn:aws:connect:us-east-1:aws:view/list-picker:1 with ViewData {"Heading":"Pick one"}: waits for the customer"#
            )

            // On a voice call, ShowView takes NoMatchingError; a bad channel is refused.
            let voice = try await FlowTests.Call.start(client)
            let help = try await voice.say("3")
            #expect(help["ended"] as? Bool == true)
            let shown = try await Self.contact(client, voice.id)
            #expect(shown.turns?.first?.path.contains { $0.action == "view" && $0.transition == "Errors: NoMatchingError" } == true)
            let bad = try await Self.send(client, .post, "/connect/v1/contacts", #"{"channel": "SMS"}"#)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("VOICE or CHAT"))
        }
    }

    @Test func theBotsSlotsAreLexSlots() async throws {
        let flow = """
            {"Version": "2019-10-30", "StartAction": "bot", "Actions": [
              {"Identifier": "bot", "Type": "ConnectParticipantWithLexBot", "Parameters": {"Text": "Where to?", "LexV2Bot": {"AliasArn": "\(FlowTests.alias)"}},
               "Transitions": {"NextAction": "say", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]}},
              {"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "Booked in $.Lex.Slots.city for '$.Lex.Slots.nights' nights."},
               "Transitions": {"NextAction": "bye"}},
              {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
            ]}
            """
        let functions = FlowFunctions()
        try await functions.run { base in
            try await TestApp(try FlowTests.configuration(functions: base, main: flow)).test { client in
                let call = try await FlowTests.Call.start(client)
                let turn = try await call.say("book a room in lisbon")
                #expect(turn["prompt"] as? String == "Booked in Lisbon for '' nights.", "\(turn)")
            }
        }
    }

    @Test func everyTypeOfTheReferenceIsReadAndItsTableIsWhole() throws {
        #expect(FlowActionType.allCases.count == 58)
        for chapter in FlowActionType.Chapter.allCases {
            #expect(FlowActionType.allCases.contains { $0.chapter == chapter })
        }
        // Each type loads with a NextAction (the terminal ones and the loop aside).
        for type in FlowActionType.allCases where !type.isTerminal && type != .loop && type != .compare {
            let parameters: String =
                switch type {
                case .messageParticipant, .getParticipantInput: #"{"Text": "a"}"#
                case .updateContactAttributes: #"{"Attributes": {"a": "b"}}"#
                case .invokeLambdaFunction: #"{"LambdaFunctionARN": "$.Attributes.f", "InvocationTimeLimitSeconds": "3"}"#
                case .invokeExternalResource: #"{"FunctionArn": "$.Attributes.f"}"#
                case .connectParticipantWithLexBot: #"{"LexV2Bot": {"AliasArn": "$.Attributes.bot"}}"#
                case .updateContactTargetQueue: #"{"QueueId": "q"}"#
                case .invokeFlowModule: #"{"FlowModuleId": "$.Attributes.m"}"#
                case .updateFlowAttributes: #"{"FlowAttributes": {"a": {"Value": "b"}}}"#
                case .checkMetricData: #"{"MetricType": "NumberOfContactsInQueue"}"#
                case .showView: #"{"ViewResource": {"Id": "v"}}"#
                case .updateContactCallbackNumber: #"{"CallbackNumber": "+15550100"}"#
                case .messageParticipantIteratively: #"{"Messages": [{"Text": "a"}]}"#
                default: "{}"
                }
            let action = #"{"Identifier": "say", "Type": "\#(type.rawValue)", "Parameters": \#(parameters), "Transitions": {"NextAction": "bye"}}"#
            let data = Data(
                #"{"Version": "2019-10-30", "StartAction": "say", "Actions": [\#(action), {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}"#
                    .utf8
            )
            if case .failure(let failure) = Flow.read(data, id: "main") { Issue.record("\(type.rawValue): \(failure)") }
        }
    }
}
