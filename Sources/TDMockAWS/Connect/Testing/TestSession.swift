import Foundation
import Synchronization
import TDMockCore

/// What a test case's execution sees and steers as a call runs through the flow engine
/// (docs/connect-tests.md): each action as it starts and as it completes, each message the customer hears,
/// and the overrides waiting for a resource's next use.
protocol FlowProbe: Sendable {
    func started(_ action: FlowAction, _ run: FlowEngine.Run)
    func completed(_ action: FlowAction, _ run: FlowEngine.Run)
    func heard(_ message: String, _ run: FlowEngine.Run)
    /// Takes the oldest override waiting for the resource, when `accepting` takes it (first in, first out).
    func override(
        _ actionType: String,
        _ resource: TestScript.Override.Resource,
        when accepting: (TestScript.Override.Strategy) -> Bool
    ) -> TestScript.Override.Strategy?
    /// The test has ended (EndTest, a failed assertion, a stop): the engine runs no further action.
    var stopped: Bool { get }
}

/// One execution's observations: which are watching, what each has matched, the actions they ran, the
/// overrides and customer input they left waiting, and how the test ended.
final class TestSession: FlowProbe {
    let script: TestScript
    /// The engine without a probe, to read the call's attributes by JSONPath.
    let engine: FlowEngine

    enum Input: Sendable, Equatable {
        case text(String)
        case disconnect
    }

    private struct State {
        var active: [String] = []
        var matches: [String: Int] = [:]
        var records: [String: TestObservationRecord] = [:]
        var order: [String] = []
        var overrides: [String: [TestScript.Override.Strategy]] = [:]
        var inputs: [Input] = []
        var stopped = false
        var endedBy: TestEnding?
        /// The flow's path before the stretch running now.
        var path: [FlowStep] = []
        /// Every message the customer heard, for the failure of an observation never met.
        var heard: [String] = []
    }

    private let state = Mutex(State())

    init(script: TestScript, engine: FlowEngine) {
        self.script = script
        self.engine = engine
    }

    // MARK: The runner's side

    /// TestInitiated: the starting observations watch, and those of TestInitiated run their actions.
    func begin(_ run: FlowEngine.Run) {
        state.withLock { state in
            for id in script.starting { activate(id, &state, at: .now) }
        }
        observe(.initiated, run)
    }

    func nextInput() -> Input? {
        state.withLock { $0.inputs.isEmpty ? nil : $0.inputs.removeFirst() }
    }

    /// Whether an observation still waits for an event the call can bring (TestCompleted's come at the end).
    var watching: Bool {
        state.withLock { state in
            state.active.contains { id in
                guard let observation = script.observation(id) else { return false }
                if case .testCompleted = observation.event { return false }
                return (state.matches[id] ?? 0) < observation.usage.required
            }
        }
    }

    func stretchEnded(_ run: FlowEngine.Run) {
        state.withLock { $0.path += run.path }
    }

    var path: [FlowStep] { state.withLock(\.path) }

    /// Ends the test as the runner saw it end (unless an action ended it first), observes TestCompleted,
    /// and settles every observation still watching.
    func finish(_ ending: TestEnding, _ run: FlowEngine.Run?) -> [TestObservationRecord] {
        let endedBy = state.withLock { state -> TestEnding in
            if state.endedBy == nil { state.endedBy = ending }
            // TestCompleted's observations run their actions (assertions, logs) once the call is over.
            state.stopped = false
            return state.endedBy ?? ending
        }
        if case .failed = endedBy {} else { observe(.ended, run) }
        return state.withLock { state in
            state.stopped = true
            // Cut short (EndTest, a stop, a failure that stops the test): what was still awaited had no chance.
            let cutShort: Bool
            switch state.endedBy {
            case .endTest?, .stopped?, .failed?: cutShort = true
            default: cutShort = false
            }
            for id in state.active {
                guard let observation = script.observation(id), var record = state.records[id], record.status == .inProgress else { continue }
                let count = state.matches[id] ?? 0
                if count >= observation.usage.required {
                    record.status = .passed
                } else if cutShort {
                    record.status = .stopped
                    record.failure =
                        "not met before the test stopped (\(state.endedBy?.description ?? "")): waited for \(Self.describe(observation.event))"
                } else {
                    record.status = .failed
                    let heard = state.heard.isEmpty ? "nothing" : state.heard.suffix(5).map { "\"\($0)\"" }.joined(separator: ", ")
                    record.failure =
                        "never met: waited for \(Self.describe(observation.event)); the test ended (\(state.endedBy?.description ?? "")); the customer heard \(heard)"
                    record.path = Self.pathText(state.path)
                }
                state.records[id] = record
            }
            return state.order.compactMap { state.records[$0] }
        }
    }

    var ending: TestEnding? { state.withLock(\.endedBy) }

    /// A stop from StopTestCaseExecution: the engine runs no further action.
    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.endedBy == nil { state.endedBy = .stopped }
        }
    }

    /// A failure the runner met (input the flow refuses, a call that would not end).
    func fail(_ message: String, _ run: FlowEngine.Run?) {
        state.withLock { state in
            let id = state.active.last ?? state.order.last ?? script.observations.first?.id ?? ""
            if var record = state.records[id] ?? script.observation(id).map({ TestObservationRecord(observation: $0, at: .now) }) {
                record.status = .failed
                record.failure = message
                record.path = Self.pathText(state.path + (run?.path ?? []))
                if state.records[id] == nil { state.order.append(id) }
                state.records[id] = record
            }
            state.stopped = true
            if state.endedBy == nil { state.endedBy = .failed(message) }
        }
    }

    // MARK: FlowProbe

    var stopped: Bool { state.withLock(\.stopped) }

    func started(_ action: FlowAction, _ run: FlowEngine.Run) { observe(.started(action), run) }
    func completed(_ action: FlowAction, _ run: FlowEngine.Run) { observe(.completed(action), run) }
    func heard(_ message: String, _ run: FlowEngine.Run) {
        state.withLock { $0.heard.append(message) }
        observe(.message(message), run)
    }

    func override(
        _ actionType: String,
        _ resource: TestScript.Override.Resource,
        when accepting: (TestScript.Override.Strategy) -> Bool
    ) -> TestScript.Override.Strategy? {
        state.withLock { state in
            let key = Self.key(actionType, resource)
            guard let first = state.overrides[key]?.first, accepting(first) else { return nil }
            state.overrides[key]?.removeFirst()
            return first
        }
    }

    // MARK: Observing

    enum Happening {
        case initiated
        case ended
        case message(String)
        case started(FlowAction)
        case completed(FlowAction)

        var description: String {
            switch self {
            case .initiated: "the test started"
            case .ended: "the test ended"
            case .message(let text): "the customer heard \"\(text)\""
            case .started(let action): "\(action.type.rawValue) '\(action.identifier)' started"
            case .completed(let action): "\(action.type.rawValue) '\(action.identifier)' completed"
            }
        }
    }

    private func observe(_ happening: Happening, _ run: FlowEngine.Run?) {
        let watching = state.withLock { $0.stopped ? [] : $0.active }
        for id in watching {
            guard let observation = script.observation(id), matches(observation.event, happening, run) else { continue }
            let first = state.withLock { state -> Bool in
                guard state.active.contains(id), !state.stopped else { return false }
                state.matches[id, default: 0] += 1
                state.records[id]?.matches = state.matches[id] ?? 0
                state.records[id]?.observed = happening.description
                state.records[id]?.at = .now
                return true
            }
            guard first else { continue }
            for action in observation.actions {
                guard perform(action, of: observation, run) else { break }
            }
            state.withLock { state in
                let count = state.matches[id] ?? 0
                guard var record = state.records[id], record.status == .inProgress else { return }
                if let limit = observation.usage.limit, count > limit {
                    // Only an `Exactly 0` or `AtMost 0` can match past its limit: it stops watching at it otherwise.
                    record.status = .failed
                    record.failure = "matched \(count) times, where its Usage allows \(limit): \(happening.description)"
                    record.path = Self.pathText(state.path + (run?.path ?? []))
                } else if count >= max(observation.usage.required, 1) {
                    // It passes and leads on; AtLeast and Always keep watching, their record passed.
                    record.status = .passed
                    if count == max(observation.usage.required, 1) {
                        for next in observation.next { activate(next, &state, at: .now) }
                    }
                }
                if let limit = observation.usage.limit, count >= limit { state.active.removeAll { $0 == id } }
                state.records[id] = record
            }
        }
    }

    private func activate(_ id: String, _ state: inout State, at time: Date) {
        guard let observation = script.observation(id), !state.active.contains(id) else { return }
        state.active.append(id)
        state.matches[id] = 0
        if state.records[id] == nil { state.order.append(id) }
        state.records[id] = TestObservationRecord(observation: observation, at: time)
    }

    /// Runs one action; false when the test stops there.
    private func perform(_ action: TestScript.Action, of observation: TestScript.Observation, _ run: FlowEngine.Run?) -> Bool {
        var done = TestObservationRecord.ActionRecord(action, status: "PASSED")
        var carryOn = true
        switch action.kind {
        case .dtmf(let digits):
            state.withLock { $0.inputs.append(.text(digits)) }
            done.detail = "the customer pressed \(digits)"
        case .utterance(let text):
            state.withLock { $0.inputs.append(.text(text)) }
            done.detail = "the customer said \"\(text)\""
        case .disconnect:
            state.withLock { $0.inputs.append(.disconnect) }
            done.detail = "the customer hangs up"
        case .override(let override):
            state.withLock { $0.overrides[Self.key(override.actionType, override.resource), default: []].append(override.strategy) }
            done.detail = "the next \(override.actionType) of \(Self.describe(override.resource)) \(Self.describe(override.strategy))"
        case .assert(let assertion):
            let actual = run.map { engine.value(at: assertion.path, $0) } ?? ""
            let holds = assertion.comparison.map { $0.holds(actual, assertion.operand) } ?? !actual.isEmpty
            let expected = assertion.comparison.map { "\($0.rawValue) '\(assertion.operand)'" } ?? "Exists"
            done.detail = "$.\(assertion.path) is '\(actual)', expected \(expected)"
            done.expected = expected
            done.actual = actual
            if !holds {
                done.status = "FAILED"
                carryOn = false
                state.withLock { state in
                    state.records[observation.id]?.status = .failed
                    state.records[observation.id]?.failure = "action '\(action.id)': $.\(assertion.path) is '\(actual)', expected \(expected)"
                    state.records[observation.id]?.path = Self.pathText(state.path + (run?.path ?? []))
                    state.stopped = true
                    if state.endedBy == nil { state.endedBy = .failed("assertion '\(action.id)' of observation '\(observation.id)'") }
                }
            }
        case .endTest:
            done.detail = "the test ends here"
            carryOn = false
            state.withLock { state in
                state.stopped = true
                if state.endedBy == nil { state.endedBy = .endTest(observation: observation.id, action: action.id) }
            }
        case .logData(let values):
            let logged = values.map { value in "\(value.label): \(run.map { engine.resolve(value.expression, $0) } ?? "")" }
            done.detail = logged.joined(separator: "; ")
        }
        state.withLock { $0.records[observation.id]?.actions.append(done) }
        return carryOn
    }

    // MARK: Matching

    private func matches(_ event: TestScript.Event, _ happening: Happening, _ run: FlowEngine.Run?) -> Bool {
        switch (event, happening) {
        case (.testInitiated, .initiated), (.testCompleted, .ended): return true
        case (.messageReceived(let match), .message(let heard)): return TestScript.matches(match, heard: heard)
        case (.actionStarted(let match), .started(let action)), (.actionCompleted(let match), .completed(let action)):
            guard action.type.rawValue == match.type, let run else { return false }
            return match.parameters.allSatisfy { key, expected in parameter(key, of: action, run, is: expected) }
        default: return false
        }
    }

    /// Whether an action's parameter, resolved as the call runs, names what the observation expects (an ARN
    /// and an id of the same resource are the same).
    private func parameter(_ key: String, of action: FlowAction, _ run: FlowEngine.Run, is expected: String) -> Bool {
        switch key {
        case "LambdaFunctionARN":
            let actual = engine.resolve(action.text("LambdaFunctionARN") ?? action.text("FunctionArn") ?? "", run)
            return FunctionName.resolve(actual) == FunctionName.resolve(expected)
        case "LexV2Bot.AliasArn":
            let actual = engine.resolve(action.parameters["LexV2Bot"]?["AliasArn"]?.stringValue ?? "", run)
            guard let left = Flow.botAlias(fromARN: actual), let right = Flow.botAlias(fromARN: expected) else { return actual == expected }
            return left == right
        case "QueueId":
            let actual = action.text("QueueId").map { engine.resolve($0, run) } ?? run.state.queue ?? ""
            return TestScript.resourceID(actual) == TestScript.resourceID(expected)
        default:
            let actual = action.text(key).map { engine.resolve($0, run) } ?? ""
            return actual == expected || TestScript.resourceID(actual) == TestScript.resourceID(expected)
        }
    }

    // MARK: Words

    static func key(_ actionType: String, _ resource: TestScript.Override.Resource) -> String {
        switch resource {
        case .function(let name): "function:\(name)"
        case .hours(let id): "hours:\(id)"
        case .bot(let bot, let alias): "bot:\(bot)/\(alias)"
        case .queue(let id): "\(actionType):\(id)"
        }
    }

    static func describe(_ resource: TestScript.Override.Resource) -> String {
        switch resource {
        case .function(let name): "function \(name)"
        case .hours(let id): "hours \(id)"
        case .bot(let bot, let alias): "bot \(bot) alias \(alias)"
        case .queue(let id): "queue \(id)"
        }
    }

    static func describe(_ strategy: TestScript.Override.Strategy) -> String {
        switch strategy {
        case .substitute(let target): "uses \(target) instead"
        case .result(let value, let data):
            "answers \([value, data.map(JSONCoding.text)].compactMap { $0 }.joined(separator: " ").nonEmpty ?? "success") without running"
        case .error(let type): "fails with \(type)"
        }
    }

    static func describe(_ event: TestScript.Event) -> String {
        switch event {
        case .testInitiated: "TestInitiated"
        case .testCompleted: "TestCompleted"
        case .messageReceived(let match):
            switch match.criteria {
            case .inclusion: "MessageReceived including \"\(match.expected)\""
            case .similarity: "MessageReceived similar to \"\(match.expected)\""
            }
        case .actionStarted(let match), .actionCompleted(let match):
            "\(event.type) \(match.type)"
                + (match.parameters.isEmpty
                    ? "" : " " + match.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
    }

    static func pathText(_ path: [FlowStep]) -> [String] {
        path.map { step in
            var text = "\(step.action) (\(step.type))"
            if let transition = step.transition { text += " \(transition)" }
            if let next = step.next { text += " -> \(next)" }
            if let note = step.note { text += ": \(note)" }
            return text
        }
    }
}

/// How a test ended.
enum TestEnding: Sendable, Equatable, CustomStringConvertible {
    case endTest(observation: String, action: String)
    case contactEnded(String)
    case customerLeft
    case nothingToDo
    case failed(String)
    case stopped

    var isEndTest: Bool { if case .endTest = self { true } else { false } }

    var description: String {
        switch self {
        case .endTest(let observation, let action): "EndTest action '\(action)' of observation '\(observation)'"
        case .contactEnded(let how): "the contact ended: \(how)"
        case .customerLeft: "the customer hung up"
        case .nothingToDo: "the flow waited for the customer, and the test had no input left to give"
        case .failed(let why): "failed: \(why)"
        case .stopped: "stopped by StopTestCaseExecution"
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
