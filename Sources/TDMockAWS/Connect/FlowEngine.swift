import Foundation
import TDMockCore
import TDMockServices

/// Runs a call through its contact flow (docs/contact-flows.md): from the flow's start to the first action that
/// waits for the caller, and from there, with what the caller said or typed, to the next one or to the
/// call's end. Every action run and every transition taken is in the run's `path`.
struct FlowEngine: Sendable {
    /// `main` (`connect.flow`), the flows of `connect.flows` and those of Connect's flow API, looked up as a
    /// call goes (a flow changed through the API is what the next step runs).
    let registry: FlowRegistry
    let lex: LexRuntime
    let functions: FunctionInvoker
    /// The built-in flow plays §8.2's bot (`connect.bot`) and starts its session with the contact's attributes.
    let builtIn: ContactFlow?
    /// `connect.hours`, by id or name.
    var hours: [String: HoursOfOperation] = [:]
    /// The clock, the queues and the draws a test sets.
    var harness = ConnectHarness(queues: [:], seed: nil, clock: Date.init)
    /// A test case's execution watching the call and steering it (docs/connect-tests.md); none for a call.
    var probe: (any FlowProbe)?

    /// How deep modules may invoke modules (Connect's stack limit).
    static let moduleDepth = 5

    /// A flow or module by the id a call's state keeps (`main`, a `connect.flows` id, `module/ID`).
    func flow(_ key: String) -> Flow? {
        if key.hasPrefix("module/") { return registry.module(String(key.dropFirst("module/".count))) }
        return registry.flow(key)
    }

    /// What a caller does at a waiting action.
    enum Input: Sendable {
        case speech(String)
        /// Nothing until the action's time limit: `InputTimeLimitExceeded`.
        case silence
    }

    /// How a flow ended the call.
    enum Ending: Sendable, Equatable {
        case disconnected
        case transferred(queue: String)
        /// To a flow this configuration does not hold (one of the user's instance): the call leaves here.
        case transferredToFlow(String)
        /// `TransferContactToAgent`, to the agent `UpdateContactTargetQueue` named.
        case transferredToAgent(String)
        /// `TransferParticipantToThirdParty` with `ContinueFlowExecution` False.
        case transferredToNumber(String)
    }

    /// One stretch of a call through the flow.
    struct Run: Sendable {
        var contactID: String
        var caller: String?
        var state: FlowContactState
        /// `$.Lex.SessionAttributes`.
        var lexAttributes: [String: String]
        var prompts: [String] = []
        var path: [FlowStep] = []
        var ending: Ending?
        /// Why a Lex or Lambda call failed on the way (the turn is then `error`).
        var failure: String?
        /// The note of the flow's No-match (a `NoMatchingCondition` taken).
        var noMatch: String?
        /// The last bot answer of this stretch, and the bot's code hook invocation behind it (a function of
        /// `InvokeLambdaFunction` is in the invocations journal only).
        var lexAnswer: LexV2.Answer?
        var recordedEvent: Data?
        var recordedResult: FunctionInvoker.Result?
        var lexNote: String?
        /// An error the action that met it had no transition for (Connect then ends the call).
        var stranded: String?
        /// What the action being run did, for its step in the path (a draw, a metric, a view shown).
        var note: String?

        var prompt: String { prompts.filter { !$0.isEmpty }.joined(separator: " ") }
        var ended: Bool { ending != nil }
    }

    /// The most actions a stretch runs without waiting for the caller: more is a loop.
    static let stepLimit = 1000

    // MARK: Running

    func start(contactID: String, caller: String?, attributes: [String: String], channel: String? = nil, flowID: String = "main") async -> Run {
        var run = Run(
            contactID: contactID,
            caller: caller,
            state: FlowContactState(attributes: attributes, channel: channel == FlowContactState.voice ? nil : channel),
            lexAttributes: builtIn == nil ? [:] : attributes
        )
        guard let flow = registry.flow(flowID) else { return run }
        await self.run(&run, from: flow.startAction, in: flow)
        return run
    }

    /// A refusal of the input at the action the call waits at, or nil when it takes it.
    func refusal(of input: Input, state: FlowContactState) -> String? {
        guard case .speech(let text) = input, let waiting = state.waiting, let action = flow(state.flow)?[waiting] else { return nil }
        if action.type == .getParticipantInput, !state.isChat, !text.allSatisfy({ $0.isNumber && $0.isASCII || $0 == "*" || $0 == "#" }) {
            return "action '\(waiting)' (GetParticipantInput) takes DTMF: type digits, * and #"
        }
        return nil
    }

    func resume(
        contactID: String,
        caller: String?,
        state: FlowContactState,
        lexAttributes: [String: String],
        input: Input
    ) async -> Run {
        var run = Run(contactID: contactID, caller: caller, state: state, lexAttributes: lexAttributes)
        guard let waiting = state.waiting, let flow = flow(state.flow), let action = flow[waiting] else {
            // A call stored before it had a place in a flow, or whose flow has changed since: Connect ends it.
            run.stranded = "the call waits at no action of the flow loaded now (\(state.flow) \(state.waiting ?? "-")): it ends"
            run.ending = .disconnected
            return run
        }
        let move: Move
        let heard = run.prompts.count
        switch action.type {
        case .connectParticipantWithLexBot: move = await converse(action, input, &run)
        case .wait: move = waited(action, input)
        case .showView: move = viewed(action, input, &run)
        case .messageParticipantIteratively:
            run.prompts.append(contentsOf: messages(of: action, run))
            move = .wait
        default: move = listen(action, input, &run)
        }
        tell(heard, run)
        let said: String
        switch input {
        case .speech(let text): said = text
        case .silence: said = "(silence)"
        }
        var current = flow
        if let next = take(move, at: action, in: &current, input: said, &run), probe?.stopped != true {
            await self.run(&run, from: next, in: current)
        }
        return run
    }

    /// Where an action sends the call.
    private enum Move {
        case go(label: String, next: String)
        case transfer(Flow)
        /// Into a module, which returns to the frame's flow.
        case enter(Flow, FlowModuleFrame)
        /// Out of a module (`EndFlowModuleExecution`), back to the flow that invoked it.
        case leave
        /// The action waits for the caller.
        case wait
        case end(Ending)
        /// An error the action has no transition for, or no way on: Connect ends the call.
        case stranded(String)
    }

    /// Runs actions from `start` until one waits for the caller or the call ends.
    private func run(_ run: inout Run, from start: String, in startFlow: Flow) async {
        var flow = startFlow
        var current: String? = start
        var steps = 0
        while let identifier = current, let action = flow[identifier] {
            steps += 1
            guard steps <= Self.stepLimit else {
                run.failure = "the flow ran \(Self.stepLimit) actions without waiting for the caller (a loop through '\(identifier)'): the call ends"
                run.ending = .disconnected
                return
            }
            probe?.started(action, run)
            let heard = run.prompts.count
            let move = await perform(action, in: flow, &run)
            tell(heard, run)
            current = take(move, at: action, in: &flow, input: nil, &run)
            if probe?.stopped == true { return }
        }
    }

    /// Tells the probe the messages the caller heard since `count`.
    private func tell(_ count: Int, _ run: Run) {
        guard let probe else { return }
        for message in run.prompts[count...] where !message.isEmpty { probe.heard(message, run) }
    }

    /// Records the step an action made (with the caller's input, when it is the action the call waited at)
    /// and where it leaves the call: the next action to run, or nil when the call waits or has ended.
    private func take(_ move: Move, at action: FlowAction, in flow: inout Flow, input: String?, _ run: inout Run) -> String? {
        var step = FlowStep(flow: flow.id, action: action.identifier, type: action.type.rawValue, input: input)
        step.note = run.note
        run.note = nil
        defer { run.path.append(step) }
        switch move {
        case .go(let label, let next):
            step.transition = label
            step.next = next
            run.state.waiting = nil
            return next
        case .transfer(let target):
            step.note = "to flow '\(target.id)'"
            run.state.flow = target.id
            // Flow attributes and modules belong to the flow the call leaves.
            run.state.flowAttributes = nil
            run.state.frames = nil
            flow = target
            return target.startAction
        case .enter(let module, let frame):
            step.note = "into module '\(module.id.dropFirst("module/".count))'"
            if let next = frame.returnTo {
                step.transition = FlowTransition.nextAction
                step.next = next
            }
            run.state.frames = (run.state.frames ?? []) + [frame]
            run.state.flowAttributes = nil
            run.state.external = .object([:])
            run.state.flow = module.id
            flow = module
            return module.startAction
        case .leave:
            guard var frames = run.state.frames, let frame = frames.popLast(), let caller = self.flow(frame.flow) else {
                run.ending = .disconnected
                step.note = "no flow invoked this module: the call ends"
                return nil
            }
            run.state.frames = frames.isEmpty ? nil : frames
            run.state.flowAttributes = frame.flowAttributes.isEmpty ? nil : frame.flowAttributes
            run.state.external = frame.external
            run.state.flow = caller.id
            flow = caller
            guard let next = frame.returnTo else {
                step.note = "back in '\(caller.id)', whose InvokeFlowModule has no NextAction: Connect ends the call"
                run.stranded = "action '\(action.identifier)': \(step.note ?? "")"
                run.ending = .disconnected
                return nil
            }
            step.note = "back to flow '\(caller.id)'"
            step.next = next
            return next
        case .wait:
            step.note = step.note.map { "\($0): waits for the customer" } ?? "waits for the caller"
            run.state.flow = flow.id
            run.state.waiting = action.identifier
            return nil
        case .end(let ending):
            run.ending = ending
            run.state.waiting = nil
            return nil
        case .stranded(let note):
            step.note = note
            run.stranded = "action '\(action.identifier)': \(note)"
            run.ending = .disconnected
            run.state.waiting = nil
            return nil
        }
    }

    /// The action's `NextAction`; without one, the call ends there (the flow's load said so).
    private func onward(_ action: FlowAction) -> Move {
        action.next.map { .go(label: FlowTransition.nextAction, next: $0) } ?? .stranded("no NextAction: Connect ends the call")
    }

    /// Takes the action's transition for an error, or strands the call when it has none.
    /// An error without its own transition takes `NoMatchingError`'s, which the reference gives every action
    /// that has errors for "no other Error matches".
    private func error(_ type: String, of action: FlowAction, _ why: String) -> Move {
        if let next = action.errorTarget(type) { return .go(label: FlowTransition.errorLabel(type), next: next) }
        if let next = action.errorTarget("NoMatchingError") { return .go(label: FlowTransition.errorLabel("NoMatchingError"), next: next) }
        return .stranded("\(type) (\(why)) and no Errors transition for it: Connect ends the call")
    }

    private func perform(_ action: FlowAction, in flow: Flow, _ run: inout Run) async -> Move {
        let next = onward(action)
        switch action.type {
        case .messageParticipant:
            run.prompts.append(prompt(of: action.parameters, run))
            return next
        case .connectParticipantWithLexBot:
            if let given = action.parameters["LexSessionAttributes"]?.objectValue {
                for (key, value) in given { run.lexAttributes[key] = resolve(value.stringValue ?? "", run) }
            }
            run.prompts.append(prompt(of: action.parameters, run))
            if let mocked = mockedBot(action, &run) { return mocked }
            let initial = (action.parameters["LexInitializationData"] ?? action.parameters["LexInitilizationData"])?["InitialMessage"]?.stringValue
            if let initial, !initial.isEmpty { return await converse(action, .speech(resolve(initial, run)), &run) }
            return .wait
        case .getParticipantInput:
            run.prompts.append(prompt(of: action.parameters, run))
            return .wait
        case .compare:
            let value = resolve(action.text("ComparisonValue") ?? "", run)
            if let condition = action.conditions.first(where: { $0.comparison.holds(value, $0.operand) }) {
                return .go(label: condition.label, next: condition.next)
            }
            let reference = action.text("ComparisonValue") ?? ""
            run.noMatch =
                value.isEmpty
                ? "\(reference) is not set: no condition of '\(action.identifier)' matches (the flow's No-match)"
                : "\(reference) is '\(value)', which no condition of '\(action.identifier)' matches (the flow's No-match)"
            return error("NoMatchingCondition", of: action, "no condition matches '\(value)'")
        case .updateContactAttributes:
            for (key, value) in action.parameters["Attributes"]?.objectValue ?? [:] {
                run.state.attributes[key] = resolve(value.stringValue ?? "", run)
            }
            return next
        case .invokeLambdaFunction, .invokeExternalResource:
            return await invoke(action, &run) ?? next
        case .updateContactTargetQueue:
            if let agent = action.text("AgentId") {
                let resolved = resolve(agent, run)
                guard !resolved.isEmpty else { return error("NoMatchingError", of: action, "AgentId resolves to nothing") }
                run.state.agent = Flow.resourceID(resolved, kind: "agent")
                return next
            }
            let queue = resolve(action.text("QueueId") ?? "", run)
            guard !queue.isEmpty else { return error("NoMatchingError", of: action, "QueueId resolves to nothing") }
            run.state.queue = queue
            return next
        case .transferContactToQueue:
            guard let queue = run.state.queue else {
                return error("NoMatchingError", of: action, "no working queue: set one with UpdateContactTargetQueue first")
            }
            return transfer(action, to: queue, &run)
        case .dequeueContactAndTransferToQueue:
            let queue = resolve(action.text("QueueId") ?? "", run)
            guard !queue.isEmpty else { return error("NoMatchingError", of: action, "QueueId resolves to nothing") }
            return transfer(action, to: queue, &run)
        case .transferContactToAgent:
            guard let agent = run.state.agent else {
                return error("NoMatchingError", of: action, "no agent: name one with UpdateContactTargetQueue's AgentId first")
            }
            return .end(.transferredToAgent(agent))
        case .transferToFlow:
            let id = Flow.id(fromReference: resolve(action.text("ContactFlowId") ?? "", run))
            guard !id.isEmpty else { return error("NoMatchingError", of: action, "no flow id: ContactFlowId resolves to nothing") }
            // A flow the configuration does not hold is one of the user's instance, not under test: the
            // call leaves the flows here, transferred to it.
            guard let target = registry.flow(id) else { return .end(.transferredToFlow(id)) }
            return .transfer(target)
        case .endFlowExecution, .disconnectParticipant:
            return .end(.disconnected)
        case .loop:
            return loop(action, in: flow, &run)
        case .invokeFlowModule:
            let id = Flow.resourceID(resolve(action.text("FlowModuleId") ?? "", run), kind: "flow-module")
            guard let module = registry.module(id) else {
                return error("NoMatchingError", of: action, "no module '\(id)' in connect.modules")
            }
            guard (run.state.frames?.count ?? 0) < Self.moduleDepth else {
                return error("NoMatchingError", of: action, "modules invoke modules \(Self.moduleDepth) deep already")
            }
            var inputs: [String: String] = [:]
            for (key, value) in action.parameters where key != "FlowModuleId" {
                inputs[key] = value.stringValue.map { resolve($0, run) } ?? Self.text(of: value)
            }
            let frame = FlowModuleFrame(
                flow: flow.id,
                returnTo: action.next,
                flowAttributes: run.state.flowAttributes ?? [:],
                external: run.state.external,
                inputs: inputs
            )
            return .enter(module, frame)
        case .endFlowModuleExecution:
            return .leave
        case .updateFlowAttributes:
            var attributes = run.state.flowAttributes ?? [:]
            for (key, value) in action.parameters["FlowAttributes"]?.objectValue ?? [:] {
                attributes[key] = resolve(value.stringValue ?? value["Value"]?.stringValue ?? "", run)
            }
            run.state.flowAttributes = attributes
            return next
        case .checkHoursOfOperation:
            return checkHours(action, &run)
        case .checkMetricData:
            return checkMetric(action, &run)
        case .getMetricData:
            let (key, metrics) = queueMetrics(action, run)
            run.state.metrics = metrics.attributes(queueName: Self.queueName(key), queueARN: Self.queueARN(key))
            return next
        case .distributeByPercentage:
            // Each condition's operand is where its share ends (NumberLessThan 30, then NumberLessThan 70, …):
            // the first the draw passes is taken; past all of them is the remainder, NoMatchingCondition.
            let draw = harness.percent()
            run.note = "drew \(draw)"
            if let condition = action.conditions.first(where: { $0.comparison.holds(String(draw), $0.operand) }) {
                return .go(label: condition.label, next: condition.next)
            }
            return error("NoMatchingCondition", of: action, "the draw \(draw) is past every share")
        case .wait:
            guard run.state.isChat else {
                // Nothing interrupts a wait on a voice call here, and no time passes: its limit is reached at once.
                return waited(action, .silence)
            }
            return .wait
        case .showView:
            guard run.state.isChat else {
                return error("NoMatchingError", of: action, "a voice call shows no views (ShowView is for chat)")
            }
            let data = action.parameters["ViewData"].map { String(decoding: JSONCoding.data($0), as: UTF8.self) } ?? "{}"
            run.note = "shows view \(action.parameters["ViewResource"]?["Id"]?.stringValue ?? "") with ViewData \(data)"
            return .wait
        case .transferParticipantToThirdParty:
            let number = resolve(action.text("ThirdPartyPhoneNumber") ?? "", run)
            guard Self.isE164(number) else {
                return error("CallFailed", of: action, "'\(number)' is not an E.164 number to call")
            }
            if action.text("ContinueFlowExecution") == "False" { return .end(.transferredToNumber(number)) }
            run.note = "called \(number), who hung up: the flow goes on"
            return next
        case .updateContactCallbackNumber:
            let number = resolve(action.text("CallbackNumber") ?? "", run)
            guard Self.isE164(number) else {
                return error("InvalidCallbackNumber", of: action, "'\(number)' is not an E.164 phone number")
            }
            run.state.callbackNumber = number
            return next
        case .createCallbackContact:
            guard let number = run.state.callbackNumber ?? run.caller else {
                return error("NoMatchingError", of: action, "no number to call back: set one with UpdateContactCallbackNumber")
            }
            let queue = action.text("QueueId").map { resolve($0, run) } ?? run.state.queue ?? "the working queue"
            run.note = "a callback to \(number) queued in \(queue)"
            return next
        case .messageParticipantIteratively:
            run.prompts.append(contentsOf: messages(of: action, run))
            return action.next == nil ? .wait : next
        case .updateFlowLoggingBehavior:
            return next
        default:
            // An action tdmock records: what it does changes nothing a test can see here.
            run.note = "recorded"
            return next
        }
    }

    /// Loop: `ContinueLooping` as many times as `LoopCount` says, then `DoneLooping`, counting again after.
    private func loop(_ action: FlowAction, in flow: Flow, _ run: inout Run) -> Move {
        let key = "\(flow.id)/\(action.identifier)"
        let text = resolve(action.text("LoopCount") ?? action.parameters["LoopCount"].map(Self.text(of:)) ?? "", run)
        guard let count = Int(text), (0...100).contains(count) else {
            return .stranded("LoopCount is '\(text)', not a whole number from 0 to 100: Connect ends the call")
        }
        var loops = run.state.loops ?? [:]
        let done = loops[key] ?? 0
        let result: String
        if done < count {
            loops[key] = done + 1
            result = FlowActionType.continueLooping
        } else {
            loops[key] = nil
            result = FlowActionType.doneLooping
        }
        run.state.loops = loops.isEmpty ? nil : loops
        guard let condition = action.conditions.first(where: { $0.operand == result }) else {
            return .stranded("no condition for \(result): Connect ends the call")
        }
        return .go(label: condition.label, next: condition.next)
    }

    /// CheckHoursOfOperation: True or False, by the hours named, else the working queue's, else open all week.
    private func checkHours(_ action: FlowAction, _ run: inout Run) -> Move {
        let hours: HoursOfOperation
        var named = action.text("HoursOfOperationId").map({ resolve($0, run) })
        if let reference = named ?? run.state.queue.flatMap({ harness.queue($0)?.metrics.hours }) {
            switch probe?.override(
                action.type.rawValue,
                .hours(TestScript.resourceID(Flow.resourceID(reference, kind: "operating-hours"))),
                when: { _ in true }
            ) {
            case .result(let value, _)?:
                let result = value == "InHours" ? "True" : "False"
                run.note = "\(value ?? "") (the test's mock response)"
                if let condition = action.conditions.first(where: { $0.operand == result }) {
                    return .go(label: condition.label, next: condition.next)
                }
                return unmatched(action) ?? error("NoMatchingCondition", of: action, "no condition for \(result)")
            case .error(let type)?:
                run.note = "\(type) (the test's mock response)"
                return error(type, of: action, "the test's mock response")
            case .substitute(let target)?:
                named = target
            case nil: break
            }
        }
        if let reference = named {
            let id = Flow.resourceID(TestScript.resourceID(reference), kind: "operating-hours")
            guard let found = self.hours[id] ?? self.hours[reference] else {
                return error("NoMatchingError", of: action, "no hours '\(id)' in connect.hours")
            }
            hours = found
        } else if let queue = run.state.queue, let name = harness.queue(queue)?.metrics.hours {
            guard let found = self.hours[name] else { return error("NoMatchingError", of: action, "no hours '\(name)' in connect.hours") }
            hours = found
        } else {
            hours = .always
        }
        let now = harness.now
        let result = hours.isOpen(at: now) ? "True" : "False"
        run.note = "\(result == "True" ? "open" : "closed") at \(Timestamp.string(from: now))"
        if let condition = action.conditions.first(where: { $0.operand == result }) {
            return .go(label: condition.label, next: condition.next)
        }
        return unmatched(action) ?? error("NoMatchingCondition", of: action, "no condition for \(result)")
    }

    /// CheckMetricData: the metric compared with each condition in turn.
    private func checkMetric(_ action: FlowAction, _ run: inout Run) -> Move {
        let metric = action.text("MetricType") ?? ""
        let (key, metrics) = queueMetrics(action, run)
        let value = String(metrics.value(of: metric))
        run.note = "\(metric) of \(key.isEmpty ? "no queue" : key) is \(value)"
        if let condition = action.conditions.first(where: { $0.comparison.holds(value, $0.operand) }) {
            return .go(label: condition.label, next: condition.next)
        }
        return unmatched(action) ?? error("NoMatchingCondition", of: action, "\(metric) is \(value), which no condition matches")
    }

    /// The queue an action names (QueueId, an agent's queue by AgentId, else the working queue) and its
    /// metrics; a queue `connect.queues` does not hold has none staffed and none waiting.
    private func queueMetrics(_ action: FlowAction, _ run: Run) -> (key: String, metrics: QueueMetrics) {
        let named = action.text("QueueId").map { resolve($0, run) } ?? action.text("AgentId").map { resolve($0, run) }
        guard let reference = named ?? run.state.queue, !reference.isEmpty else { return ("", QueueMetrics()) }
        return harness.queue(reference) ?? (Flow.resourceID(reference, kind: "queue"), QueueMetrics())
    }

    /// A chat's Wait, answered by the customer's message (`CustomerReturned`) or by none before its time
    /// ran out (`WaitCompleted`).
    private func waited(_ action: FlowAction, _ input: Input) -> Move {
        let result: String
        switch input {
        case .speech: result = "CustomerReturned"
        case .silence: result = "WaitCompleted"
        }
        if let condition = action.conditions.first(where: { $0.operand == result }) {
            return .go(label: condition.label, next: condition.next)
        }
        if let next = action.next { return .go(label: FlowTransition.nextAction, next: next) }
        if action.errorTarget("NoMatchingCondition") != nil { return error("NoMatchingCondition", of: action, "no condition for \(result)") }
        return error("NoMatchingError", of: action, "no way on for \(result)")
    }

    /// A chat's ShowView, answered by the customer's message: the name of the view action they chose.
    private func viewed(_ action: FlowAction, _ input: Input, _ run: inout Run) -> Move {
        guard case .speech(let choice) = input else {
            return error("TimeLimitExceeded", of: action, "the customer chose nothing in the view's time")
        }
        if let condition = action.conditions.first(where: { $0.comparison.holds(choice, $0.operand) }) {
            return .go(label: condition.label, next: condition.next)
        }
        if let next = unmatched(action) { return next }
        run.noMatch = "the customer chose '\(choice)', which no condition of '\(action.identifier)' names (the flow's No-match)"
        return error("NoMatchingCondition", of: action, "no condition names '\(choice)'")
    }

    /// MessageParticipantIteratively's messages, once each.
    private func messages(of action: FlowAction, _ run: Run) -> [String] {
        (action.parameters["Messages"]?.arrayValue ?? []).compactMap { $0.objectValue.map { prompt(of: $0, run) } }
    }

    /// Whether a number is E.164: `+`, then 2 to 15 digits.
    static func isE164(_ number: String) -> Bool {
        guard number.hasPrefix("+") else { return false }
        let digits = number.dropFirst()
        return (2...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// What the caller hears of an action's Text, SSML, PromptId or Media.
    private func prompt(of parameters: [String: JSONValue], _ run: Run) -> String {
        if let text = parameters["Text"]?.stringValue { return resolve(text, run) }
        if let ssml = parameters["SSML"]?.stringValue {
            return resolve(ssml, run).replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let prompt = parameters["PromptId"]?.stringValue, !prompt.isEmpty { return "[audio prompt \(resolve(prompt, run))]" }
        if let uri = parameters["Media"]?["Uri"]?.stringValue, !uri.isEmpty { return "[audio \(resolve(uri, run))]" }
        return ""
    }

    // MARK: Waiting actions

    /// GetParticipantInput with the caller's DTMF.
    private func listen(_ action: FlowAction, _ input: Input, _ run: inout Run) -> Move {
        guard case .speech(let typed) = input else { return error("InputTimeLimitExceeded", of: action, "the caller typed nothing") }
        if action.text("StoreInput") == "True" {
            // The caller ends the input with the termination key (# unless DTMFConfiguration says otherwise),
            // which is not part of it.
            let terminator = action.parameters["DTMFConfiguration"]?["InputTerminationSequence"]?.stringValue ?? "#"
            let digits = !terminator.isEmpty && typed.hasSuffix(terminator) ? String(typed.dropLast(terminator.count)) : typed
            if let validation = action.parameters["InputValidation"]?["PhoneNumberValidation"], !Self.isPhoneNumber(digits, validation) {
                return error("InvalidPhoneNumber", of: action, "'\(digits)' is not a phone number as InputValidation asks")
            }
            run.state.storedInput = digits
            return onward(action)
        }
        if let condition = action.conditions.first(where: { $0.comparison.holds(typed, $0.operand) }) {
            return .go(label: condition.label, next: condition.next)
        }
        if let next = unmatched(action) { return next }
        run.noMatch = "the caller typed '\(typed)', which no condition of '\(action.identifier)' matches (the flow's No-match)"
        return error("NoMatchingCondition", of: action, "no condition matches '\(typed)'")
    }

    /// Where an input no condition matches goes when the action has no `NoMatchingCondition` but a
    /// `NextAction`; nil when it goes by `NoMatchingCondition`.
    private func unmatched(_ action: FlowAction) -> Move? {
        guard action.errorTarget("NoMatchingCondition") == nil, let next = action.next else { return nil }
        return .go(label: FlowTransition.nextAction, next: next)
    }

    /// Whether typed digits are a phone number as `PhoneNumberValidation` asks: `E164`, a country code and
    /// number of 8 to 15 digits; `Local`, a national number (10 digits for `CountryCode` `US` or `CA`, 6 to
    /// 14 otherwise).
    static func isPhoneNumber(_ digits: String, _ validation: JSONValue) -> Bool {
        let count = digits.count
        guard count > 0, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        if validation["NumberFormat"]?.stringValue == "Local" {
            let country = validation["CountryCode"]?.stringValue ?? "US"
            return country == "US" || country == "CA" ? count == 10 : (6...14).contains(count)
        }
        return (8...15).contains(count)
    }

    /// ConnectParticipantWithLexBot with what the caller said: one turn of the bot.
    private func converse(_ action: FlowAction, _ input: Input, _ run: inout Run) async -> Move {
        guard case .speech(let text) = input else { return error("InputTimeLimitExceeded", of: action, "the caller said nothing") }
        var arn = resolve(action.parameters["LexV2Bot"]?["AliasArn"]?.stringValue ?? "", run)
        if let named = Flow.botAlias(fromARN: arn),
            case .substitute(let target)? = probe?.override(action.type.rawValue, .bot(bot: named.bot, alias: named.alias), when: { _ in true })
        {
            arn = target
        }
        guard let (botID, aliasID) = Flow.botAlias(fromARN: arn) else {
            run.failure = "action '\(action.identifier)': LexV2Bot.AliasArn '\(arn)' is not a bot alias ARN"
            return error("NoMatchingError", of: action, "no bot")
        }
        let eventBot: LexV2.Bot
        let bot: LexBot
        do throws(AWSError) {
            if let builtIn, builtIn.bot.id == botID, builtIn.bot.aliasID == aliasID {
                (bot, _) = try lex.bot(botID, alias: aliasID, locale: builtIn.bot.localeID)
                eventBot = builtIn.bot
            } else {
                let (resolved, alias, locale) = try lex.botForCall(botID, alias: aliasID)
                bot = resolved
                eventBot = resolved.described(alias: alias, locale: locale)
            }
        } catch {
            run.failure = "action '\(action.identifier)': \(error.message) (LexV2Bot.AliasArn \(arn))"
            return self.error("NoMatchingError", of: action, "no such bot")
        }
        do throws(LexRuntime.DependencyFailed) {
            let turn = try await lex.turn(
                bot: bot,
                eventBot: eventBot,
                sessionID: run.contactID,
                text: text,
                inputMode: run.state.isChat ? "Text" : "Speech",
                sessionAttributes: run.lexAttributes,
                requestAttributes: [:],
                caller: .connect
            )
            let answer = turn.answer
            run.lexAnswer = answer
            run.recordedEvent = turn.event
            run.recordedResult = turn.result
            run.lexNote = turn.result == nil ? "the bot recognized \(answer.intentName ?? "an intent") and closed it itself: no code hook" : nil
            run.prompts.append(contentsOf: answer.spoken)
            run.lexAttributes = answer.sessionAttributes
            guard answer.dialogActionType == "Close" else { return .wait }
            run.state.intentName = answer.intentName
            run.state.lexSlots = answer.slots.isEmpty ? nil : answer.slots
            if answer.intentState == "Failed" {
                return error("NoMatchingError", of: action, "the bot closed \(answer.intentName ?? "the intent") as Failed")
            }
            probe?.completed(action, run)
            if let condition = action.conditions.first(where: { $0.comparison.holds(answer.intentName ?? "", $0.operand) }) {
                return .go(label: condition.label, next: condition.next)
            }
            return unmatched(action) ?? error("NoMatchingCondition", of: action, "no condition names intent \(answer.intentName ?? "")")
        } catch {
            run.recordedEvent = error.event
            run.recordedResult = error.result
            run.failure = error.cause
            return self.error("NoMatchingError", of: action, "the bot's Lambda failed")
        }
    }

    /// A bot block a test case answers with a mock response (docs/connect-tests.md): the intent its
    /// `LoadedData` names (`IntentName`, with `SessionAttributes` and `Slots`), or the error it names; nil
    /// when no mock response waits for this bot.
    private func mockedBot(_ action: FlowAction, _ run: inout Run) -> Move? {
        guard let probe, let named = Flow.botAlias(fromARN: resolve(action.parameters["LexV2Bot"]?["AliasArn"]?.stringValue ?? "", run)) else {
            return nil
        }
        let mocked = probe.override(action.type.rawValue, .bot(bot: named.bot, alias: named.alias)) { strategy in
            if case .substitute = strategy { return false }
            return true
        }
        switch mocked {
        case .result(let value, let data)?:
            let intent = data?["IntentName"]?.stringValue ?? value ?? ""
            for (key, item) in data?["SessionAttributes"]?.objectValue ?? [:] { run.lexAttributes[key] = Self.text(of: item) }
            let slots = (data?["Slots"]?.objectValue ?? [:]).mapValues(Self.text(of:))
            run.state.intentName = intent
            run.state.lexSlots = slots.isEmpty ? nil : slots
            run.note = "the test's mock response: intent \(intent.isEmpty ? "(none)" : intent)"
            probe.completed(action, run)
            if let condition = action.conditions.first(where: { $0.comparison.holds(intent, $0.operand) }) {
                return .go(label: condition.label, next: condition.next)
            }
            return unmatched(action) ?? error("NoMatchingCondition", of: action, "no condition names intent \(intent)")
        case .error(let type)?:
            run.note = "\(type) (the test's mock response)"
            return error(type == "TimeLimitExceeded" ? "InputTimeLimitExceeded" : type, of: action, "the test's mock response")
        default:
            return nil
        }
    }

    /// A transfer to a queue, or what a test case put in its place (another queue, or an error).
    private func transfer(_ action: FlowAction, to queue: String, _ run: inout Run) -> Move {
        let resource = TestScript.Override.Resource.queue(TestScript.resourceID(Flow.resourceID(queue, kind: "queue")))
        switch probe?.override(action.type.rawValue, resource, when: { _ in true }) {
        case .substitute(let target)?:
            run.note = "to \(target) in place of \(queue) (the test's substitute)"
            run.state.queue = target
            return .end(.transferred(queue: target))
        case .error(let type)?:
            run.note = "\(type) (the test's mock response)"
            return error(type, of: action, "the test's mock response")
        default:
            return .end(.transferred(queue: queue))
        }
    }

    // MARK: InvokeLambdaFunction

    /// Calls the function; nil when its answer is in `$.External` and the flow goes on.
    private func invoke(_ action: FlowAction, _ run: inout Run) async -> Move? {
        let reference = resolve(action.text("LambdaFunctionARN") ?? action.text("FunctionArn") ?? "", run)
        var name = FunctionName.resolve(reference)
        switch probe?.override(action.type.rawValue, .function(name), when: { _ in true }) {
        case .substitute(let target)?:
            run.note = "called \(FunctionName.resolve(target)) in place of \(name) (the test's substitute)"
            name = FunctionName.resolve(target)
        case .error(let type)?:
            run.note = "\(type) (the test's mock response)"
            return error(type, of: action, "the test's mock response")
        case .result(_, let data)?:
            run.note = "answered by the test's mock response"
            return answered(action, name: name, data ?? .object([:]), &run)
        case nil: break
        }
        var parameters: [String: JSONValue] = [:]
        for (key, value) in action.parameters["LambdaInvocationAttributes"]?.objectValue ?? [:] {
            parameters[key] = .string(resolve(value.stringValue ?? "", run))
        }
        let event: JSONValue = [
            "Details": ["ContactData": contactData(run), "Parameters": .object(parameters)],
            "Name": "ContactFlowEvent",
        ]
        let data = JSONCoding.data(event)
        let limit = action.parameters["InvocationTimeLimitSeconds"] ?? action.parameters["TimeLimit"]
        let asked = limit?.numberValue ?? limit?.stringValue.flatMap(Double.init) ?? 8
        let seconds = action.text("InvocationType") == "ASYNCHRONOUS" ? asked : min(asked, 8)
        if action.text("InvocationType") == "ASYNCHRONOUS" {
            let functions = self.functions
            Task { _ = await functions.invoke(name, event: data, caller: .connect, timeout: seconds, limitName: "InvocationTimeLimitSeconds") }
            return nil
        }
        let result = await functions.invoke(
            name,
            event: data,
            caller: .connect,
            timeout: seconds,
            limitName: "InvocationTimeLimitSeconds of action '\(action.identifier)'"
        )
        if let problem = result.problem {
            run.failure = "action '\(action.identifier)' (InvokeLambdaFunction \(name)): \(problem)"
            return error("NoMatchingError", of: action, "the function failed")
        }
        return answered(action, name: name, result.answer ?? .null, &run)
    }

    /// A function's answer into `$.External` (the flow goes on: nil), or the error an answer of the wrong
    /// shape takes.
    private func answered(_ action: FlowAction, name: String, _ answer: JSONValue, _ run: inout Run) -> Move? {
        if action.parameters["ResponseValidation"]?["ResponseType"]?.stringValue == "JSON" {
            run.state.external = answer
            probe?.completed(action, run)
            return nil
        }
        guard let object = answer.objectValue else {
            run.failure =
                "action '\(action.identifier)' (InvokeLambdaFunction \(name)): the answer is \(answer.typeDescription); STRING_MAP takes a flat object of strings"
            return error("NoMatchingError", of: action, "the answer is not a flat object of strings")
        }
        var flat: [String: JSONValue] = [:]
        for (key, value) in object {
            switch value {
            case .string: flat[key] = value
            case .number, .bool: flat[key] = .string(Self.text(of: value))
            case .null: flat[key] = .string("")
            case .array, .object:
                run.failure =
                    "action '\(action.identifier)' (InvokeLambdaFunction \(name)): the answer's \(key) is \(value.typeDescription); STRING_MAP takes strings (ResponseValidation JSON takes nested values)"
                return error("NoMatchingError", of: action, "the answer is not a flat object of strings")
            }
        }
        run.state.external = .object(flat)
        probe?.completed(action, run)
        return nil
    }

    /// `Details.ContactData` of Connect's Lambda event.
    private func contactData(_ run: Run) -> JSONValue {
        let instance = "arn:aws:connect:\(AWSIdentity.region):\(AWSIdentity.account):instance/tdmock"
        return [
            "Attributes": .object(run.state.attributes.mapValues(JSONValue.string)),
            "AwsRegion": .string(AWSIdentity.region),
            "Channel": .string(run.state.channelName),
            "ContactId": .string(run.contactID),
            "CustomerEndpoint": run.caller.map { ["Address": .string($0), "Type": "TELEPHONE_NUMBER"] } ?? .null,
            "InitialContactId": .string(run.contactID),
            "InitiationMethod": "INBOUND",
            "InstanceARN": .string(instance),
            "LanguageCode": "en-US",
            "MediaStreams": ["Customer": ["Audio": .null]],
            "Name": "ContactFlowEvent",
            "PreviousContactId": .string(run.contactID),
            "Queue": run.state.queue.map { ["ARN": .string($0), "Name": .string(Self.queueName($0))] } ?? .null,
            "SystemEndpoint": ["Address": .string(Self.systemNumber), "Type": "TELEPHONE_NUMBER"],
        ]
    }

    /// The number callers dial: Connect's `SystemEndpoint`.
    static let systemNumber = "+15550100000"

    /// A queue's ARN, as Connect gives it: the reference when it is one, else one made of its id.
    static func queueARN(_ reference: String) -> String {
        if reference.hasPrefix("arn:") || reference.isEmpty { return reference }
        return "arn:aws:connect:\(AWSIdentity.region):\(AWSIdentity.account):instance/tdmock/queue/\(reference)"
    }

    /// A queue's name: the last part of its ARN or id.
    static func queueName(_ reference: String) -> String {
        reference.split(separator: "/").last.map(String.init) ?? reference
    }

    // MARK: JSONPath

    /// A JSON scalar as the text a contact attribute holds.
    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): LexV2.numberText(number)
        case .bool(let flag): flag ? "true" : "false"
        default: ""
        }
    }

    /// A parameter's value with each JSONPath reference in it resolved; an unset one is the empty string.
    func resolve(_ text: String, _ run: Run) -> String {
        guard text.contains("$.") else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "$.") {
            result += rest[..<range.lowerBound]
            var end = range.upperBound
            while end < rest.endIndex {
                if let closed = Self.bracketEnd(rest, at: end) {
                    end = closed
                } else if rest[end].isLetter || rest[end].isNumber || rest[end] == "_" || rest[end] == "-"
                    || (rest[end] == "." && rest.index(after: end) < rest.endIndex && !rest[rest.index(after: end)].isWhitespace)
                {
                    end = rest.index(after: end)
                } else {
                    break
                }
            }
            result += value(at: String(rest[range.upperBound..<end]), run)
            rest = rest[end...]
        }
        return result + rest
    }

    /// Where a bracket segment (`['my key']` or `["my key"]`) that starts at `index` ends; nil when none does.
    static func bracketEnd(_ text: Substring, at index: Substring.Index) -> Substring.Index? {
        guard text[index] == "[", let quote = text[text.index(after: index)...].first, quote == "'" || quote == "\"" else { return nil }
        let inside = text.index(index, offsetBy: 2)
        guard let close = text[inside...].range(of: String(quote) + "]") else { return nil }
        return close.upperBound
    }

    /// A path's segments as Connect reads them: names between dots, and bracket segments (`['my key']`,
    /// `["my key"]`, after a dot or not) taken whole, so a key may hold dots and spaces.
    static func segments(_ path: String) -> [(name: String, bracketed: Bool)] {
        var segments: [(name: String, bracketed: Bool)] = []
        var current = ""
        var rest = Substring(path)
        while let character = rest.first {
            if let closed = bracketEnd(rest, at: rest.startIndex) {
                if !current.isEmpty { segments.append((current, false)) }
                current = ""
                segments.append((String(rest[rest.index(rest.startIndex, offsetBy: 2)..<rest.index(closed, offsetBy: -2)]), true))
                rest = rest[closed...]
                if rest.first == "." { rest = rest.dropFirst() }
                continue
            }
            if character == "." {
                segments.append((current, false))
                current = ""
            } else {
                current.append(character)
            }
            rest = rest.dropFirst()
        }
        if !current.isEmpty || path.hasSuffix(".") { segments.append((current, false)) }
        return segments
    }

    /// The value at a path below `$.`.
    func value(at path: String, _ run: Run) -> String {
        let segments = Self.segments(path)
        // A key is one bracket segment, else the rest of the dotted path (a key may hold dots).
        func key(from index: Int) -> String? {
            guard index < segments.count else { return nil }
            if segments.count == index + 1 || segments[index].bracketed { return segments[index].name }
            return segments[index...].map(\.name).joined(separator: ".")
        }
        let parts = segments.map(\.name)
        switch parts.first ?? "" {
        case "ContactId", "InitialContactId", "PreviousContactId": return run.contactID
        case "Channel": return run.state.channelName
        case "FlowAttributes": return key(from: 1).flatMap { run.state.flowAttributes?[$0] } ?? ""
        case "CustomerCallbackNumber": return run.state.callbackNumber ?? ""
        case "Metrics": return key(from: 1).flatMap { run.state.metrics?[$0] } ?? ""
        case "Modules":
            guard parts.count > 1, parts[1] == "Input" else { return "" }
            return key(from: 2).flatMap { run.state.frames?.last?.inputs[$0] } ?? ""
        case "InitiationMethod": return "INBOUND"
        case "LanguageCode": return "en-US"
        case "StoredCustomerInput": return run.state.storedInput ?? ""
        case "CustomerEndpoint":
            return parts.count > 1 && parts[1] == "Address" ? run.caller ?? "" : parts.count > 1 && parts[1] == "Type" ? "TELEPHONE_NUMBER" : ""
        case "SystemEndpoint":
            return parts.count > 1 && parts[1] == "Address" ? Self.systemNumber : parts.count > 1 && parts[1] == "Type" ? "TELEPHONE_NUMBER" : ""
        case "Attributes": return key(from: 1).flatMap { run.state.attributes[$0] } ?? ""
        case "Queue":
            guard let queue = run.state.queue, parts.count > 1 else { return "" }
            return parts[1] == "ARN" ? queue : parts[1] == "Name" ? Self.queueName(queue) : ""
        case "External":
            var value = run.state.external
            for key in parts.dropFirst() {
                guard let inner = value[key] else { return "" }
                value = inner
            }
            if case .object = value { return "" }
            return value.isNull ? "" : Self.text(of: value)
        case "Lex":
            guard parts.count > 1 else { return "" }
            switch parts[1] {
            case "IntentName": return run.state.intentName ?? ""
            case "SessionAttributes": return key(from: 2).flatMap { run.lexAttributes[$0] } ?? ""
            case "Slots": return key(from: 2).flatMap { run.state.lexSlots?[$0] } ?? ""
            default: return ""
            }
        default: return ""
        }
    }
}
