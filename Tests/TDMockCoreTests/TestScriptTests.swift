import Foundation
import Testing

@testable import TDMockCore

@Suite struct TestScriptTests {
    func script(_ observations: String, version: String = "2019-10-30") -> Result<TestScript, TestScriptFailure> {
        TestScript.read("{\"Version\": \"\(version)\", \"Observations\": [\(observations)]}")
    }

    @Test func readsEveryDocumentedFormOfMatchingCriteriaUsageAndIdentifier() throws {
        let read = try script(
            """
            {"Id": "a", "Event": {"Type": "MessageReceived", "Actor": "System", "Properties": {"Text": "Hi", "MatchingCriteria": {"Type": "Inclusion"}}},
             "Usage": {"Type": "AtLeast", "Times": 2}, "Transitions": {"NextObservations": ["b"]}},
            {"Identifier": "b", "Event": {"Type": "MessageReceived", "Properties": {"Text": "Bye"}, "MatchingCriteria": "Similarity"},
             "Usage": {"Type": "EXACTLY"}},
            {"Identifier": "c", "Event": {"Type": "MessageReceived", "Properties": {"SSML": "<speak>Yes</speak>"}, "MatchingCriteria": {"Type": "Similarity", "Threshold": 0.5}},
             "Usage": {"Type": "ANY"}}
            """,
            version: "2025-06-21"
        ).get()
        #expect(read.observations.map(\.id) == ["a", "b", "c"])
        #expect(read.observations[0].event == .messageReceived(.init(text: "Hi", promptID: nil, criteria: .inclusion)))
        #expect(read.observations[0].usage == .atLeast(2))
        #expect(read.observations[1].event == .messageReceived(.init(text: "Bye", promptID: nil, criteria: .similarity(threshold: 0.8))))
        #expect(read.observations[1].usage == .exactly(1))
        #expect(read.observations[2].event == .messageReceived(.init(text: "Yes", promptID: nil, criteria: .similarity(threshold: 0.5))))
        #expect(read.observations[2].usage == .always)
        #expect(read.starting == ["a", "c"])
    }

    @Test func runsActionsInTheOrderTheirNextActionChainsGive() throws {
        let read = try script(
            """
            {"Identifier": "a", "Event": {"Type": "TestInitiated", "Actor": "System", "Properties": {}}, "Actions": [
              {"Identifier": "end", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}, "Transitions": {}},
              {"Identifier": "check", "Type": "Assert", "Parameters": {"Namespace": "$.Queue.Name", "Operator": "Equals", "Operand": "Q"}, "Transitions": {"NextAction": "end"}},
              {"Identifier": "press", "Type": "SendInstruction", "Parameters": {"ActionType": "SendInstruction", "Actor": "Customer", "Instruction": {"Type": "DtmfInput", "Properties": {"Value": 1}}}, "Transitions": {"NextAction": ""}}
            ]}
            """
        ).get()
        #expect(read.observations[0].actions.map(\.id) == ["check", "end", "press"])
        #expect(read.observations[0].actions[2].kind == .dtmf("1"))
    }

    @Test func refusesWhatItCannotPlayNamingTheObservationActionAndField() {
        guard
            case .failure(let failure) = script(
                """
                {"Identifier": "a", "Event": {"Type": "MessageReceived", "Properties": {"Media": {"Uri": "s3://x"}}}},
                {"Identifier": "b", "Event": {"Type": "TestInitiated"}, "Actions": [
                  {"Identifier": "o", "Type": "OverrideSystemBehavior", "Parameters": {"Behavior": {"Type": "FlowAction", "Properties": {
                    "ActionType": "CheckHoursOfOperation", "ActionParameters": {"HoursOfOperationId": "h"},
                    "Strategy": {"Type": "MockResponse", "Response": {"Type": "ExecutionResult", "ExecutionResult": {"Value": "Closed"}}}}}}}]},
                {"Identifier": "c", "Event": {"Type": "TestCompleted"}, "Actions": [
                  {"Identifier": "d", "Type": "SendInstruction", "Parameters": {"Instruction": {"Type": "Disconnect"}}}]}
                """,
                version: "2020-01-01"
            )
        else {
            Issue.record("refused nothing")
            return
        }
        #expect(failure.problems.contains { $0.hasPrefix("Version: '\"2020-01-01\"'") })
        #expect(failure.problems.contains { $0.hasPrefix("observation 'a', Event.Properties.Media:") })
        #expect(
            failure.problems.contains {
                $0.contains("observation 'b', action 'o', Parameters.Behavior.Properties.Strategy.Response.ExecutionResult.Value")
            }
        )
        #expect(failure.problems.contains { $0.hasPrefix("observation 'c', action 'd': the test has ended") })
    }

    @Test func similarityIsSharedWordsOverAllWords() {
        #expect(TestScript.similarity("Press 1 for billing.", "press 1 for BILLING") == 1)
        #expect(TestScript.similarity("Hello Ada. What is your question?", "Hello Grace. What is your question?") == 10.0 / 12)
        #expect(
            !TestScript.matches(.init(text: "Welcome to the moon base", promptID: nil, criteria: .similarity(threshold: 0.8)), heard: "Hello Ada")
        )
        #expect(TestScript.matches(.init(text: "parcel arrives", promptID: nil, criteria: .inclusion), heard: "Your parcel arrives on Tuesday."))
        #expect(
            TestScript.matches(
                .init(text: nil, promptID: "p1", criteria: .inclusion),
                heard: "[audio prompt arn:aws:connect:r:1:instance/i/prompt/p1]"
            )
        )
    }
}
