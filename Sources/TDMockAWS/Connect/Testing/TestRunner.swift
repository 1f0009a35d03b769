import Foundation
import TDMockCore
import TDMockServices

/// Runs a test case through the flow engine (docs/connect-tests.md): the entry point's flow as a call or a
/// chat, each observation matched as its event happens, each action performed as it matches, customer input
/// given at the flow's next wait, and the call's end observed as TestCompleted.
package struct TestRunner: Sendable {
    let engine: FlowEngine

    /// The most turns a test's call takes before it is taken for a loop.
    static let turnLimit = 200
    /// How many times in a row the customer stays silent at a wait while an observation still watches.
    static let silenceLimit = 3

    struct Outcome: Sendable {
        var status: TestExecution.Status
        var records: [TestObservationRecord]
        var ending: TestEnding
        var path: [FlowStep]
    }

    func run(_ script: TestScript, entry: TestEntryPoint, attributes: [String: String], contactID: String, session: TestSession) async -> Outcome {
        var probed = engine
        probed.probe = session
        let flowID = entry.flowID.map(Flow.id(fromReference:)) ?? "main"
        let initial = FlowEngine.Run(
            contactID: contactID,
            caller: entry.sourcePhoneNumber,
            state: FlowContactState(attributes: attributes, channel: entry.channel == FlowContactState.voice ? nil : entry.channel),
            lexAttributes: [:]
        )
        session.begin(initial)
        guard engine.registry.flow(flowID) != nil else {
            session.fail("no flow '\(flowID)': the entry point's FlowId names no flow of the configuration or of CreateContactFlow", nil)
            return outcome(session, .failed("no flow '\(flowID)'"), nil)
        }
        var run = await probed.start(
            contactID: contactID,
            caller: entry.sourcePhoneNumber,
            attributes: attributes,
            channel: entry.channel,
            flowID: flowID
        )
        session.stretchEnded(run)
        var turns = 0
        var silences = 0
        while !session.stopped {
            if let ending = run.ending { return outcome(session, .contactEnded(Self.describe(ending, run)), run) }
            guard run.state.waiting != nil else { return outcome(session, .contactEnded("the flow stopped"), run) }
            turns += 1
            guard turns <= Self.turnLimit else {
                session.fail("the call went on for \(Self.turnLimit) turns without ending: a loop in the flow or the test", run)
                break
            }
            let input: FlowEngine.Input
            switch session.nextInput() {
            case .disconnect?:
                return outcome(session, .customerLeft, run)
            case .text(let text)?:
                if let refusal = engine.refusal(of: .speech(text), state: run.state) {
                    session.fail("the customer's input '\(text)' cannot be given there: \(refusal)", run)
                    return outcome(session, .failed(refusal), run)
                }
                silences = 0
                input = .speech(text)
            case nil:
                guard session.watching, silences < Self.silenceLimit else { return outcome(session, .nothingToDo, run) }
                silences += 1
                input = .silence
            }
            run = await probed.resume(contactID: contactID, caller: run.caller, state: run.state, lexAttributes: run.lexAttributes, input: input)
            session.stretchEnded(run)
        }
        return outcome(session, session.ending ?? .stopped, run)
    }

    private func outcome(_ session: TestSession, _ ending: TestEnding, _ run: FlowEngine.Run?) -> Outcome {
        let records = session.finish(ending, run)
        let ended = session.ending ?? ending
        let status: TestExecution.Status =
            ended == .stopped ? .stopped : records.contains { $0.status == .failed } ? .failed : .passed
        return Outcome(status: status, records: records, ending: ended, path: session.path)
    }

    static func describe(_ ending: FlowEngine.Ending, _ run: FlowEngine.Run) -> String {
        switch ending {
        case .disconnected: run.stranded ?? run.failure ?? "the flow disconnected"
        case .transferred(let queue): "transferred to queue \(queue)"
        case .transferredToFlow(let id): "transferred to flow \(id), which tdmock does not hold"
        case .transferredToAgent(let agent): "transferred to agent \(agent)"
        case .transferredToNumber(let number): "transferred to \(number)"
        }
    }
}
