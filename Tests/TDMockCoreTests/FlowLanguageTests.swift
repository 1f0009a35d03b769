import Foundation
import TDMockCore
import Testing

/// A flow is checked when it is read, as `CreateContactFlow` checks it: each mistake is refused naming the
/// action's Identifier and the field (docs/contact-flows.md).
@Suite struct FlowLanguageTests {
    /// A flow of one message and a disconnect, with `action` (JSON) put in place of the message.
    static func flow(_ action: String, start: String = "say") -> Data {
        Data(
            """
            {"Version": "2019-10-30", "StartAction": "\(start)", "Actions": [\(action),
             {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}
            """.utf8
        )
    }

    static let message = #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "Hi"}, "Transitions": {"NextAction": "bye"}}"#

    @Test func aWellFormedFlowIsRead() throws {
        let load = try Flow.read(Self.flow(Self.message), id: "main").get()
        #expect(load.flow.startAction == "say")
        #expect(load.flow.actions.map(\.identifier) == ["say", "bye"])
        #expect(load.flow["say"]?.transitions == [FlowTransition(label: "NextAction", next: "bye")])
        #expect(load.warnings.isEmpty && load.references.isEmpty)
    }

    @Test(
        arguments: [
            (
                #"{"Identifier": "say", "Type": "PlayPrompt", "Parameters": {}, "Transitions": {"NextAction": "bye"}}"#, "say", "Type",
                "'PlayPrompt' is not an action type of AWS's Flow Language reference"
            ),
            (
                #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "Hi"}, "Transitions": {"NextAction": "nowhere"}}"#,
                "say", "Transitions (NextAction)", "goes to 'nowhere', which is no action's Identifier"
            ),
            (
                #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {}, "Transitions": {"NextAction": "bye"}}"#, "say",
                "Parameters.Text", "missing"
            ),
            (
                #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": 5}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.Text", "a number, not a string"
            ),
            (
                #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "a", "SSML": "b"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.Text/SSML", "give one of Text, SSML, PromptId and Media, not 2"
            ),
            (
                #"{"Identifier": "say", "Type": "Compare", "Parameters": {}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["x"]}}]}}"#,
                "say", "Parameters.ComparisonValue", "missing"
            ),
            (
                #"{"Identifier": "say", "Type": "Compare", "Parameters": {"ComparisonValue": "$.Attributes.x"}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Matches", "Operands": ["x"]}}]}}"#,
                "say", "Transitions.Conditions[0].Condition.Operator", "'Matches' is not one of Equals"
            ),
            (
                #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "a"}, "Transitions": {"NextAction": "bye", "Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["x"]}}]}}"#,
                "say", "Transitions.Conditions", "MessageParticipant takes no conditions"
            ),
            (
                #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "a"}, "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}]}}"#,
                "say", "Transitions.Errors[0].ErrorType", "'InputTimeLimitExceeded' is not an error of MessageParticipant (NoMatchingError)"
            ),
            (
                #"{"Identifier": "say", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "f", "InvocationTimeLimitSeconds": "61"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.InvocationTimeLimitSeconds", "must be a whole number of seconds from 1 to 60"
            ),
            (
                #"{"Identifier": "say", "Type": "InvokeLambdaFunction", "Parameters": {"InvocationTimeLimitSeconds": "3"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.LambdaFunctionARN", "missing"
            ),
            (
                #"{"Identifier": "say", "Type": "ConnectParticipantWithLexBot", "Parameters": {"LexV2Bot": {"AliasArn": 5}}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.LexV2Bot.AliasArn", "a number, not a string"
            ),
            (
                #"{"Identifier": "say", "Type": "ConnectParticipantWithLexBot", "Parameters": {"LexBot": {"Name": "B", "Alias": "A"}}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.LexBot", "an Amazon Lex V1 bot: Lex V1 is retired, and the flow needs a Lex V2 bot"
            ),
            (
                #"{"Identifier": "say", "Type": "ConnectParticipantWithLexBot", "Parameters": {"LexV2Bot": {"AliasArn": "arn:aws:lex:us-east-1:1:bot-alias/B/A"}, "LexSessionAttributes": {"n": 1}}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.LexSessionAttributes.n", "a number, not a string"
            ),
            (
                #"{"Identifier": "say", "Type": "UpdateContactAttributes", "Parameters": {}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.Attributes", "missing"
            ),
            (
                #"{"Identifier": "say", "Type": "GetParticipantInput", "Parameters": {"Text": "a", "StoreInput": "Yes"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.StoreInput", "'Yes' is not True or False"
            ),
            (#"{"Identifier": "say", "Type": "TransferToFlow", "Parameters": {}, "Transitions": {}}"#, "say", "Parameters.ContactFlowId", "missing"),
            (#"{"Identifier": "a:b", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}"#, "a:b", "Identifier", "has ':'"),
            (#"{"Identifier": "bye", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}"#, "bye", "Identifier", "used by two actions"),
            (#"{"Type": "EndFlowExecution"}"#, nil, "Actions[0].Identifier", "missing"),
            // The flow control, contact, interaction and participant actions beyond the question line's.
            (
                #"{"Identifier": "say", "Type": "Loop", "Parameters": {"LoopCount": "101"}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]}}, {"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["DoneLooping"]}}]}}"#,
                "say", "Parameters.LoopCount", "'101' is not a whole number from 0 to 100"
            ),
            (
                #"{"Identifier": "say", "Type": "Loop", "Parameters": {"LoopCount": "2"}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]}}]}}"#,
                "say", "Transitions.Conditions", "Loop needs a condition for Equals ContinueLooping and one for Equals DoneLooping"
            ),
            (
                #"{"Identifier": "say", "Type": "Loop", "Parameters": {"LoopCount": "2"}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["Again"]}}]}}"#,
                "say", "Transitions.Conditions[0].Condition", "Loop takes Equals ContinueLooping or DoneLooping only"
            ),
            (
                #"{"Identifier": "say", "Type": "CheckMetricData", "Parameters": {"MetricType": "QueueLength"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.MetricType", "'QueueLength' is not one of NumberOfAgentsAvailable"
            ),
            (
                #"{"Identifier": "say", "Type": "CheckMetricData", "Parameters": {"MetricType": "NumberOfAgentsOnline"}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "NumberLessThan", "Operands": ["3"]}}]}}"#,
                "say", "Transitions.Conditions", "NumberOfAgentsOnline takes the condition NumberGreaterThan 0 only"
            ),
            (
                #"{"Identifier": "say", "Type": "CheckHoursOfOperation", "Parameters": {}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["Open"]}}]}}"#,
                "say", "Transitions.Conditions[0].Condition", "CheckHoursOfOperation takes Equals False or True only"
            ),
            (
                #"{"Identifier": "say", "Type": "UpdateFlowAttributes", "Parameters": {"FlowAttributes": {"a": {"Val": "b"}}}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.FlowAttributes.a", "an object: give {\"Value\": \"…\"} or a string"
            ),
            (
                #"{"Identifier": "say", "Type": "DistributeByPercentage", "Parameters": {}, "Transitions": {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "NumberLessThan", "Operands": ["150"]}}]}}"#,
                "say", "Transitions.Conditions", "'150' is not a percentage from 0 to 100"
            ),
            (
                #"{"Identifier": "say", "Type": "Wait", "Parameters": {"TimeoutSeconds": "0"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.TimeoutSeconds", "'0' is not a whole number of seconds from 1 to 604800"
            ),
            (
                #"{"Identifier": "say", "Type": "ShowView", "Parameters": {}, "Transitions": {"NextAction": "bye"}}"#, "say",
                "Parameters.ViewResource", "missing"
            ),
            (
                #"{"Identifier": "say", "Type": "TransferParticipantToThirdParty", "Parameters": {"ContinueFlowExecution": "Maybe"}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.ContinueFlowExecution", "'Maybe' is not True or False"
            ),
            (
                #"{"Identifier": "say", "Type": "InvokeFlowModule", "Parameters": {}, "Transitions": {"NextAction": "bye"}}"#, "say",
                "Parameters.FlowModuleId", "missing"
            ),
            (
                #"{"Identifier": "say", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}"#, "say", "Type",
                "EndFlowModuleExecution returns from a flow module: a flow has none"
            ),
            (
                #"{"Identifier": "say", "Type": "UpdateContactCallbackNumber", "Parameters": {}, "Transitions": {"NextAction": "bye"}}"#,
                "say", "Parameters.CallbackNumber", "missing"
            ),
        ] as [(String, String?, String, String)]
    )
    func eachMistakeIsRefusedNamingTheActionAndTheField(action: String, identifier: String?, field: String, message: String) {
        switch Flow.read(Self.flow(action, start: identifier ?? "bye"), id: "main") {
        case .success: Issue.record("taken: \(action)")
        case .failure(let failure):
            #expect(failure.identifier == identifier, "\(failure)")
            #expect(failure.field == field, "\(failure)")
            #expect(failure.message.hasPrefix(message), "\(failure)")
        }
    }

    @Test func exportsAreReadAsConnectWritesThem() throws {
        // What describe-contact-flow answers: the document is its Content, as a string.
        let content = String(decoding: try JSONEncoder().encode(String(decoding: Self.flow(Self.message), as: UTF8.self)), as: UTF8.self)
        let wrapped = Data(#"{"ContactFlow": {"Id": "x", "Name": "Main", "Type": "CONTACT_FLOW", "Content": \#(content)}}"#.utf8)
        #expect(try Flow.read(wrapped, id: "main").get().flow.actions.count == 2)
        // The designer's legacy import/export format is refused with a way forward.
        guard case .failure(let legacy) = Flow.read(Data(#"{"modules": [], "version": "1", "type": "contactFlow"}"#.utf8), id: "main") else {
            Issue.record("the legacy format was taken")
            return
        }
        #expect(legacy.field == "modules" && legacy.message.contains("describe-contact-flow"), "\(legacy)")
        // The ContactFlow object alone, as `--query ContactFlow` prints it.
        let alone = Data(#"{"Name": "Main", "Type": "CONTACT_FLOW", "Content": \#(content)}"#.utf8)
        #expect(try Flow.read(alone, id: "main").get().flow.actions.count == 2)
        // A sample's placeholders where an ARN goes are said at start, not refused.
        let placeholders =
            #"{"Identifier": "say", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "%%LOOKUP_ARN%%", "InvocationTimeLimitSeconds": "3"}, "Transitions": {"NextAction": "bot"}}, {"Identifier": "bot", "Type": "ConnectParticipantWithLexBot", "Parameters": {"LexV2Bot": {"AliasArn": ""}}, "Transitions": {"NextAction": "bye"}}"#
        let warned = try Flow.read(Self.flow(placeholders), id: "main").get()
        #expect(warned.references.isEmpty)
        #expect(
            warned.warnings.count == 2 && warned.warnings.allSatisfy { $0.contains("a call that gets there takes NoMatchingError") },
            "\(warned.warnings)"
        )
        // An apostrophe escaped as \' (JSON has no such escape) is read as Connect reads it.
        let escaped =
            #"{"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "I\'m here"}, "Transitions": {"NextAction": "bye"}}"#
        #expect(try Flow.read(Self.flow(escaped), id: "main").get().flow["say"]?.text("Text") == "I'm here")
        // A recorded action's error that the reference does not list is said and never taken.
        let tagged =
            #"{"Identifier": "say", "Type": "TagContact", "Parameters": {}, "Transitions": {"NextAction": "bye", "Errors": [{"NextAction": "bye", "ErrorType": "QueueAtCapacity"}]}}"#
        let load = try Flow.read(Self.flow(tagged), id: "main").get()
        #expect(load.warnings == ["action 'say': QueueAtCapacity is not an error of TagContact (NoMatchingError), so it is never taken"])
        // A module may end with EndFlowModuleExecution; modules, hours and flows are references.
        let module =
            #"{"Identifier": "say", "Type": "InvokeFlowModule", "Parameters": {"FlowModuleId": "arn:aws:connect:us-east-1:1:instance/i/flow-module/m-1"}, "Transitions": {"NextAction": "ret"}}, {"Identifier": "ret", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}"#
        let read = try Flow.read(Self.flow(module), id: "module/m", module: true).get()
        #expect(read.references.map(\.kind) == [.module("m-1")])
    }

    /// Real flows nobody here wrote, from a folder outside the repository (`TDMOCK_FLOW_CORPUS`): each
    /// that is Flow Language loads, as a flow or, failing that, as a module.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TDMOCK_FLOW_CORPUS"] != nil))
    func aCorpusOfRealFlowsLoads() throws {
        let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["TDMOCK_FLOW_CORPUS"] ?? "")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).filter { $0.pathExtension == "json" }
        var loaded = 0
        for file in files.sorted(by: { $0.path < $1.path }) {
            let data = try Data(contentsOf: file)
            switch Flow.read(data, id: "main") {
            case .success: loaded += 1
            case .failure(let failure):
                if case .success = Flow.read(data, id: "module/m", module: true) {
                    loaded += 1
                } else {
                    Issue.record("\(file.lastPathComponent): \(failure)")
                }
            }
        }
        print("\(loaded) of \(files.count) flows loaded")
    }

    @Test func theDocumentItselfIsChecked() {
        for (text, field) in [
            ("[]", "the file"), ("{", "the file"), (#"{"StartAction": "a", "Actions": []}"#, "Version"),
            (#"{"Version": "2020-01-01", "StartAction": "a", "Actions": []}"#, "Version"),
            (#"{"Version": "2019-10-30", "Actions": []}"#, "StartAction"),
            (#"{"Version": "2019-10-30", "StartAction": "a", "Actions": []}"#, "Actions"),
        ] {
            switch Flow.read(Data(text.utf8), id: "main") {
            case .success: Issue.record("taken: \(text)")
            case .failure(let failure): #expect(failure.field == field && failure.identifier == nil, "\(failure)")
            }
        }
        if case .failure(let failure) = Flow.read(Self.flow(Self.message, start: "nowhere"), id: "main") {
            #expect(failure.description == "StartAction: 'nowhere' is no action's Identifier")
        } else {
            Issue.record("an unknown StartAction was taken")
        }
    }

    @Test func whatOnlyTheConfigurationKnowsIsListedAndOddEndsAreSaid() throws {
        let load = try Flow.read(
            Self.flow(
                """
                {"Identifier": "say", "Type": "InvokeLambdaFunction",
                 "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:lookup:prod", "InvocationTimeLimitSeconds": 8},
                 "Transitions": {"NextAction": "bot"}},
                {"Identifier": "bot", "Type": "ConnectParticipantWithLexBot",
                 "Parameters": {"LexV2Bot": {"AliasArn": "arn:aws:lex:us-east-1:1:bot-alias/BOTID/ALIASID"}, "LexInitializationData": {"InitialMessage": "hi"}},
                 "Transitions": {"NextAction": "flow"}},
                {"Identifier": "flow", "Type": "TransferToFlow", "Parameters": {"ContactFlowId": "arn:aws:connect:us-east-1:1:instance/i/contact-flow/other"},
                 "Transitions": {"NextAction": "bye"}},
                {"Identifier": "dynamic", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "$.Attributes.fn", "InvocationTimeLimitSeconds": 1},
                 "Transitions": {}},
                {"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {"NextAction": "bye"}},
                {"Identifier": "typo", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {}, "Atributes": {"a": "b"}},
                 "Transitions": {"NextAction": "bye"}}
                """
            ),
            id: "main"
        ).get()
        #expect(
            load.references == [
                FlowReference(identifier: "say", field: "Parameters.LambdaFunctionARN", kind: .function("lookup")),
                FlowReference(identifier: "bot", field: "Parameters.LexV2Bot.AliasArn", kind: .botAlias(bot: "BOTID", alias: "ALIASID")),
                FlowReference(identifier: "flow", field: "Parameters.ContactFlowId", kind: .flow("other")),
            ]
        )
        // A transfer's NextAction (which the console writes) is checked but is no way out.
        #expect(load.flow["flow"]?.transitions == [])
        #expect(
            load.warnings == [
                "action 'dynamic': no NextAction, so a call that gets past this InvokeLambdaFunction ends there",
                "action 'end': EndFlowExecution ends the call, so its NextAction 'bye' is never taken",
                "action 'typo': UpdateContactAttributes has no parameter Atributes in AWS's reference: it is left alone",
            ]
        )
    }

    @Test func comparisonsAreConnects() {
        #expect(FlowComparison.equals.holds("speak", "speak") && !FlowComparison.equals.holds("Speak", "speak"))
        #expect(FlowComparison.numberGreaterThan.holds("7", "5") && !FlowComparison.numberGreaterThan.holds("seven", "5"))
        #expect(FlowComparison.numberLessOrEqualTo.holds(" 5 ", "5") && !FlowComparison.numberLessThan.holds("5", "5"))
        #expect(FlowComparison.numberLessThan.holds("-1", "0") && FlowComparison.numberGreaterOrEqualTo.holds("2.5", "2.5"))
        #expect(FlowComparison.textStartsWith.holds("gold", "go") && !FlowComparison.textStartsWith.holds("ago", "go"))
        #expect(FlowComparison.textContains.holds("earnings call", "call") && FlowComparison.textEndsWith.holds("abc", "bc"))
        #expect(Flow.botAlias(fromARN: "arn:aws:lex:eu-west-2:123456789012:bot-alias/B1/A1")! == ("B1", "A1"))
        #expect(Flow.id(fromReference: "arn:aws:connect:us-east-1:1:instance/i/contact-flow/abc-123") == "abc-123")
    }
}
