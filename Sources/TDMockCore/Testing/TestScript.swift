public import Foundation

/// A test case's content in AWS's Testing language, read and checked (docs/connect-tests.md): observations,
/// each an expected event with the actions that answer it, how often it may match, and the observations it
/// leads to. Every documented form is read (`Version` 2019-10-30 or 2025-06-21, `MatchingCriteria` on the
/// event or in its `Properties`, `Identifier` or `Id`, `Usage` in either letter case); what tdmock cannot
/// play is refused with the observation and field named, never skipped.
public struct TestScript: Sendable, Hashable {
    public static let versions: Set<String> = ["2019-10-30", "2025-06-21"]

    public var version: String
    public var observations: [Observation]
    /// `Metadata` as written (the console keeps its canvas and, in an export, the entry point there).
    public var metadata: JSONValue

    public struct Observation: Sendable, Hashable {
        public var id: String
        public var event: Event
        /// The event as written (`Type`, `Properties`, …), which its record repeats.
        public var written: JSONValue
        /// In the order they run: each chain of `NextAction` from an action none leads to, in the order written.
        public var actions: [Action]
        public var usage: Usage
        public var next: [String]
    }

    public enum Event: Sendable, Hashable {
        case testInitiated
        case testCompleted
        case messageReceived(MessageMatch)
        case actionStarted(ActionMatch)
        case actionCompleted(ActionMatch)

        public var type: String {
            switch self {
            case .testInitiated: "TestInitiated"
            case .testCompleted: "TestCompleted"
            case .messageReceived: "MessageReceived"
            case .actionStarted: "FlowActionStarted"
            case .actionCompleted: "FlowActionCompleted"
            }
        }
    }

    /// What a `MessageReceived` expects: the text (or SSML, or prompt) and how it is compared.
    public struct MessageMatch: Sendable, Hashable {
        public enum Criteria: Sendable, Hashable {
            /// The words alike, at least `threshold` of them (docs/connect-tests.md says how it is measured).
            case similarity(threshold: Double)
            /// The message holds the text.
            case inclusion
        }

        public var text: String?
        public var promptID: String?
        public var criteria: Criteria

        /// What the expectation says, for a record.
        public var expected: String { text ?? promptID.map { "prompt \($0)" } ?? "" }
    }

    /// What a `FlowActionStarted` or `FlowActionCompleted` expects: the Flow Language action type and the
    /// parameters it names (a Lambda's ARN, the hours, the queue, the bot alias), or any of that type.
    public struct ActionMatch: Sendable, Hashable {
        public var type: String
        public var parameters: [String: String]
    }

    public struct Action: Sendable, Hashable {
        public var id: String
        public var kind: Kind
        /// `Parameters` as written, which its record repeats.
        public var parameters: JSONValue

        public enum Kind: Sendable, Hashable {
            case dtmf(String)
            case utterance(String)
            case disconnect
            case override(Override)
            case assert(Assertion)
            case endTest
            case logData([LoggedValue])
        }

        public var type: String {
            switch kind {
            case .dtmf, .utterance, .disconnect: "SendInstruction"
            case .override: "OverrideSystemBehavior"
            case .assert: "Assert"
            case .endTest, .logData: "TestControl"
            }
        }
    }

    public struct LoggedValue: Sendable, Hashable {
        public var label: String
        public var expression: String
    }

    public struct Assertion: Sendable, Hashable {
        /// The JSONPath without `$.`.
        public var path: String
        /// Nil for `Exists`.
        public var comparison: FlowComparison?
        public var operand: String
    }

    /// An override of one resource's next use (first in, first out per resource).
    public struct Override: Sendable, Hashable {
        public enum Resource: Sendable, Hashable {
            case function(String)
            case hours(String)
            case bot(bot: String, alias: String)
            case queue(String)
        }

        public enum Strategy: Sendable, Hashable {
            /// The resource's next use uses this one instead (a function name, hours, a bot alias ARN, a queue).
            case substitute(String)
            /// The next use answers this without running: an `ExecutionResult` (its `Value`, its `LoadedData`)
            /// or an `Error` (its `Value`, the error the action takes).
            case result(value: String?, data: JSONValue?)
            case error(String)
        }

        /// The Flow Language action whose use it overrides.
        public var actionType: String
        public var resource: Resource
        public var strategy: Strategy
    }

    public enum Usage: Sendable, Hashable {
        case exactly(Int)
        case atLeast(Int)
        case atMost(Int)
        case always

        /// Matches owed before the observation passes and leads on.
        public var required: Int {
            switch self {
            case .exactly(let times), .atLeast(let times): times
            case .atMost, .always: 0
            }
        }

        /// The usage as a record states it: `Type` and `Times`.
        public var wire: JSONValue {
            switch self {
            case .exactly(let times): ["Type": "Exactly", "Times": .number(Double(times))]
            case .atLeast(let times): ["Type": "AtLeast", "Times": .number(Double(times))]
            case .atMost(let times): ["Type": "AtMost", "Times": .number(Double(times))]
            case .always: ["Type": "Always"]
            }
        }

        /// Matches after which the observation stops watching.
        public var limit: Int? {
            switch self {
            case .exactly(let times), .atMost(let times): times
            case .atLeast, .always: nil
            }
        }
    }

    public init(version: String, observations: [Observation], metadata: JSONValue) {
        self.version = version
        self.observations = observations
        self.metadata = metadata
    }

    /// The observations watching when the test starts: those no observation leads to (or the first, when
    /// every one is led to).
    public var starting: [String] {
        let led = Set(observations.flatMap(\.next))
        let roots = observations.filter { !led.contains($0.id) }.map(\.id)
        return roots.isEmpty ? observations.prefix(1).map(\.id) : roots
    }

    public func observation(_ id: String) -> Observation? { observations.first { $0.id == id } }

    /// The resources a test names, for the configuration to check (the functions and bot aliases it
    /// substitutes in).
    public var references: [FlowReference] {
        observations.flatMap { observation in
            observation.actions.compactMap { action -> FlowReference? in
                guard case .override(let override) = action.kind, case .substitute(let target) = override.strategy else { return nil }
                let field = "observation '\(observation.id)', action '\(action.id)': Strategy.SubstituteArn"
                switch override.resource {
                case .function: return FlowReference(identifier: observation.id, field: field, kind: .function(FunctionName.resolve(target)))
                case .bot:
                    return Flow.botAlias(fromARN: target).map {
                        FlowReference(identifier: observation.id, field: field, kind: .botAlias(bot: $0.bot, alias: $0.alias))
                    }
                case .hours: return FlowReference(identifier: observation.id, field: field, kind: .hours(TestScript.resourceID(target)))
                case .queue: return nil
                }
            }
        }
    }

    /// The id a resource reference names: the last part of an ARN's resource, else the reference.
    public static func resourceID(_ reference: String) -> String {
        guard reference.hasPrefix("arn:"), let last = reference.split(separator: "/").last else { return reference }
        return String(last)
    }
}

// MARK: Reading

extension TestScript {
    /// Reads a test case's `Content`; the refusal lists every problem found, each naming where it is.
    public static func read(_ content: String) -> Result<TestScript, TestScriptFailure> {
        let parsed = Data(content.utf8).withUnsafeBytes { JSONReader.read($0) }
        switch parsed {
        case .failure(let failure): return .failure(TestScriptFailure(problems: ["Content is not JSON: \(failure.description)"]))
        case .success(let document):
            var reader = TestScriptReader()
            let script = reader.document(document)
            if let script, reader.problems.isEmpty { return .success(script) }
            return .failure(TestScriptFailure(problems: reader.problems.isEmpty ? ["Content is not a test case"] : reader.problems))
        }
    }
}

/// Why a test case's content was refused: each problem names the observation, the action and the field.
public struct TestScriptFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "; ") }
}

private struct TestScriptReader {
    var problems: [String] = []

    mutating func problem(_ text: String) { problems.append(text) }

    mutating func document(_ value: JSONValue) -> TestScript? {
        guard let object = value.objectValue else {
            problem("Content must be a JSON object with Version and Observations, not \(value.typeDescription)")
            return nil
        }
        let version = object["Version"]?.stringValue ?? ""
        if !TestScript.versions.contains(version) {
            problem("Version: '\(object["Version"].map(JSONCoding.text) ?? "")' is not a Testing language version (2019-10-30 or 2025-06-21)")
        }
        guard let list = object["Observations"]?.arrayValue else {
            problem("Observations: a list of observations is required")
            return nil
        }
        if list.isEmpty { problem("Observations: at least one observation is required") }
        var observations: [TestScript.Observation] = []
        var seen: Set<String> = []
        for (index, item) in list.enumerated() {
            guard let observation = self.observation(item, index: index) else { continue }
            if !seen.insert(observation.id).inserted { problem("observation '\(observation.id)': Identifier is used by another observation") }
            observations.append(observation)
        }
        for observation in observations {
            for next in observation.next where !seen.contains(next) {
                problem("observation '\(observation.id)', Transitions.NextObservations: no observation '\(next)'")
            }
        }
        return TestScript(version: version, observations: observations, metadata: object["Metadata"] ?? .object([:]))
    }

    /// `Identifier`, or `Id` as some of AWS's pages write it.
    func identifier(_ object: [String: JSONValue]) -> String? {
        (object["Identifier"] ?? object["Id"])?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    mutating func observation(_ value: JSONValue, index: Int) -> TestScript.Observation? {
        guard let object = value.objectValue else {
            problem("Observations[\(index)]: an observation is an object, not \(value.typeDescription)")
            return nil
        }
        guard let id = identifier(object) else {
            problem("Observations[\(index)]: Identifier is required")
            return nil
        }
        let place = "observation '\(id)'"
        guard let eventValue = object["Event"], let event = self.event(eventValue, place: place) else {
            if object["Event"] == nil { problem("\(place): Event is required") }
            return nil
        }
        let usage = self.usage(object["Usage"], place: place)
        var next: [String] = []
        if let transitions = object["Transitions"], !transitions.isNull {
            if let list = transitions["NextObservations"], !list.isNull {
                if let items = list.arrayValue, items.allSatisfy({ $0.stringValue != nil }) {
                    next = items.compactMap(\.stringValue).filter { !$0.isEmpty }
                } else {
                    problem("\(place), Transitions.NextObservations: a list of observation identifiers")
                }
            }
        }
        let actions = self.actions(object["Actions"], place: place, event: event)
        return TestScript.Observation(id: id, event: event, written: eventValue, actions: actions, usage: usage ?? .exactly(1), next: next)
    }

    mutating func usage(_ value: JSONValue?, place: String) -> TestScript.Usage? {
        guard let value, !value.isNull else { return nil }
        guard let type = value["Type"]?.stringValue else {
            problem("\(place), Usage.Type: one of Exactly, AtLeast, AtMost, Always (EXACTLY and ANY are read too)")
            return nil
        }
        var times = 1
        if let given = value["Times"], !given.isNull {
            guard let number = given.numberValue, number >= 0, number == number.rounded(), number <= 1000 else {
                problem("\(place), Usage.Times: a whole number from 0 to 1000")
                return nil
            }
            times = Int(number)
        }
        switch type {
        case "Exactly", "EXACTLY": return .exactly(times)
        case "AtLeast", "AT_LEAST": return .atLeast(times)
        case "AtMost", "AT_MOST": return .atMost(times)
        case "Always", "ALWAYS", "ANY": return .always
        default:
            problem("\(place), Usage.Type: '\(type)' is not one of Exactly, AtLeast, AtMost, Always")
            return nil
        }
    }

    // MARK: Events

    mutating func event(_ value: JSONValue, place: String) -> TestScript.Event? {
        guard let object = value.objectValue else {
            problem("\(place), Event: an object with Type, Actor and Properties")
            return nil
        }
        let type = object["Type"]?.stringValue ?? ""
        if let actor = object["Actor"]?.stringValue, actor != "System" {
            problem("\(place), Event.Actor: '\(actor)': the events tdmock plays come from the System")
        }
        let properties = object["Properties"]?.objectValue ?? [:]
        switch type {
        case "TestInitiated": return .testInitiated
        case "TestCompleted": return .testCompleted
        case "MessageReceived": return message(object, properties, place: place)
        case "FlowActionStarted", "FlowActionCompleted":
            guard let match = actionMatch(properties, place: place, completed: type == "FlowActionCompleted") else { return nil }
            return type == "FlowActionStarted" ? .actionStarted(match) : .actionCompleted(match)
        default:
            problem(
                "\(place), Event.Type: '\(type)' is not an event tdmock plays (TestInitiated, MessageReceived, FlowActionStarted, FlowActionCompleted, TestCompleted)"
            )
            return nil
        }
    }

    mutating func message(_ event: [String: JSONValue], _ properties: [String: JSONValue], place: String) -> TestScript.Event? {
        if properties["Media"] != nil {
            problem(
                "\(place), Event.Properties.Media: tdmock plays no media files, so it cannot match one: expect the Text, SSML or PromptId instead"
            )
            return nil
        }
        let text = properties["Text"]?.stringValue
        let ssml = properties["SSML"]?.stringValue.map(TestScriptReader.strippingMarkup)
        let prompt = properties["PromptId"]?.stringValue
        let given = [text, ssml, prompt].compactMap { $0 }.filter { !$0.isEmpty }
        guard given.count == 1 else {
            problem("\(place), Event.Properties: give one of Text, SSML or PromptId (\(given.isEmpty ? "none" : "\(given.count)") given)")
            return nil
        }
        // `MatchingCriteria` in Properties ({"Type": …}) or on the event ({"Type": …} or the bare name).
        let criteriaValue = properties["MatchingCriteria"] ?? event["MatchingCriteria"]
        var criteria = TestScript.MessageMatch.Criteria.similarity(threshold: TestScript.similarityThreshold)
        if let criteriaValue, !criteriaValue.isNull {
            let name = criteriaValue.stringValue ?? criteriaValue["Type"]?.stringValue ?? ""
            switch name {
            case "Similarity":
                if let threshold = criteriaValue["Threshold"]?.numberValue {
                    guard (0...1).contains(threshold) else {
                        problem("\(place), MatchingCriteria.Threshold: a number from 0 to 1")
                        return nil
                    }
                    criteria = .similarity(threshold: threshold)
                }
            case "Inclusion": criteria = .inclusion
            default:
                problem("\(place), MatchingCriteria: '\(name)' is not Similarity or Inclusion")
                return nil
            }
        }
        if prompt != nil {
            return .messageReceived(TestScript.MessageMatch(text: nil, promptID: prompt.map(TestScript.resourceID), criteria: criteria))
        }
        return .messageReceived(TestScript.MessageMatch(text: text ?? ssml, promptID: nil, criteria: criteria))
    }

    static func strippingMarkup(_ ssml: String) -> String {
        ssml.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The Testing language's action names where they differ from the Flow Language's.
    static let actionAliases = ["DequeueAndTransferToQueue": "DequeueContactAndTransferToQueue"]

    mutating func actionMatch(_ properties: [String: JSONValue], place: String, completed: Bool) -> TestScript.ActionMatch? {
        let written = properties["ActionType"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        let type = Self.actionAliases[written] ?? written
        guard let known = FlowActionType(rawValue: type) else {
            problem("\(place), Event.Properties.ActionType: '\(written)' is not a flow action tdmock plays")
            return nil
        }
        if completed, ![.invokeLambdaFunction, .connectParticipantWithLexBot].contains(known) {
            problem(
                "\(place), Event.Properties.ActionType: FlowActionCompleted observes InvokeLambdaFunction or ConnectParticipantWithLexBot, not \(written)"
            )
            return nil
        }
        var parameters: [String: String] = [:]
        for (key, value) in properties["ActionParameters"]?.objectValue ?? [:] {
            if key == "LexV2Bot" {
                guard let alias = value["AliasArn"]?.stringValue else {
                    problem("\(place), Event.Properties.ActionParameters.LexV2Bot.AliasArn: the bot alias ARN is required")
                    return nil
                }
                parameters["LexV2Bot.AliasArn"] = alias
            } else if let text = value.stringValue {
                if !text.isEmpty { parameters[key] = text }
            } else if !value.isNull {
                problem("\(place), Event.Properties.ActionParameters.\(key): a string, not \(value.typeDescription)")
                return nil
            }
        }
        return TestScript.ActionMatch(type: type, parameters: parameters)
    }

    // MARK: Actions

    mutating func actions(_ value: JSONValue?, place: String, event: TestScript.Event) -> [TestScript.Action] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else {
            problem("\(place), Actions: a list of actions")
            return []
        }
        var read: [(action: TestScript.Action, next: String?)] = []
        for (index, item) in list.enumerated() {
            guard let object = item.objectValue else {
                problem("\(place), Actions[\(index)]: an action is an object, not \(item.typeDescription)")
                continue
            }
            guard let id = identifier(object) else {
                problem("\(place), Actions[\(index)]: Identifier is required")
                continue
            }
            let actionPlace = "\(place), action '\(id)'"
            guard let kind = action(object, place: actionPlace) else { continue }
            if case .testCompleted = event {
                switch kind {
                case .dtmf, .utterance, .disconnect, .override:
                    problem("\(actionPlace): the test has ended when TestCompleted is observed, so there is nothing left to send or override")
                    continue
                default: break
                }
            }
            if read.contains(where: { $0.action.id == id }) { problem("\(actionPlace): Identifier is used by another action of the observation") }
            let next = object["Transitions"]?["NextAction"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            read.append((TestScript.Action(id: id, kind: kind, parameters: object["Parameters"] ?? .object([:])), next))
        }
        // Each chain of NextAction from an action none leads to, in the order written.
        let byID = Dictionary(read.map { ($0.action.id, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in read {
            if let next = entry.next, byID[next] == nil {
                problem("\(place), action '\(entry.action.id)', Transitions.NextAction: no action '\(next)' in this observation")
            }
        }
        let led = Set(read.compactMap(\.next))
        var ordered: [TestScript.Action] = []
        var placed: Set<String> = []
        for entry in read where !led.contains(entry.action.id) {
            var current: (action: TestScript.Action, next: String?)? = entry
            while let step = current, placed.insert(step.action.id).inserted {
                ordered.append(step.action)
                current = step.next.flatMap { byID[$0] }
            }
        }
        if ordered.count < read.count {
            let loop = read.map(\.action.id).filter { !placed.contains($0) }
            problem("\(place), Actions: the NextAction transitions of \(loop.map { "'\($0)'" }.joined(separator: ", ")) go round in a loop")
        }
        return ordered
    }

    mutating func action(_ object: [String: JSONValue], place: String) -> TestScript.Action.Kind? {
        let type = object["Type"]?.stringValue ?? ""
        let parameters = object["Parameters"]?.objectValue ?? [:]
        switch type {
        case "SendInstruction": return instruction(parameters, place: place)
        case "OverrideSystemBehavior": return override(parameters, place: place)
        case "Assert", "Assertion": return assertion(parameters, place: place)
        case "TestControl": return control(parameters, place: place)
        default:
            problem(
                "\(place), Type: '\(type)' is not an action of the Testing language (SendInstruction, OverrideSystemBehavior, Assert, TestControl)"
            )
            return nil
        }
    }

    mutating func instruction(_ parameters: [String: JSONValue], place: String) -> TestScript.Action.Kind? {
        if let actor = parameters["Actor"]?.stringValue, actor != "Customer" {
            problem("\(place), Parameters.Actor: '\(actor)': tdmock sends instructions as the Customer")
            return nil
        }
        let instruction = parameters["Instruction"]?.objectValue ?? [:]
        let properties = instruction["Properties"]?.objectValue ?? [:]
        switch instruction["Type"]?.stringValue ?? "" {
        case "DtmfInput":
            let value = properties["Value"]
            let digits = value?.stringValue ?? value?.numberValue.map { LexV2.numberText($0) } ?? ""
            guard !digits.isEmpty, digits.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "*" || $0 == "#" }) else {
                problem("\(place), Parameters.Instruction.Properties.Value: the keys pressed, digits, * and #")
                return nil
            }
            return .dtmf(digits)
        case "Utterance", "TextUtterance", "Text", "SendMessage":
            let text =
                properties["Text"]?.stringValue ?? properties["Content"]?.stringValue
                ?? properties["SSML"]?.stringValue.map(TestScriptReader.strippingMarkup) ?? ""
            guard !text.isEmpty else {
                problem("\(place), Parameters.Instruction.Properties: Text (or SSML, or a message's Content) is required, what the customer says")
                return nil
            }
            return .utterance(text)
        case "Disconnect": return .disconnect
        case let other:
            problem("\(place), Parameters.Instruction.Type: '\(other)' is not DtmfInput, Utterance, SendMessage or Disconnect")
            return nil
        }
    }

    mutating func override(_ parameters: [String: JSONValue], place: String) -> TestScript.Action.Kind? {
        let behavior = parameters["Behavior"]?.objectValue ?? [:]
        if let type = behavior["Type"]?.stringValue, type != "FlowAction" {
            problem("\(place), Parameters.Behavior.Type: '\(type)' is not FlowAction")
            return nil
        }
        let properties = behavior["Properties"]?.objectValue ?? [:]
        let written = properties["ActionType"]?.stringValue ?? ""
        let actionType = Self.actionAliases[written] ?? written
        let actionParameters = properties["ActionParameters"]?.objectValue ?? [:]
        let field = "\(place), Parameters.Behavior.Properties"
        func required(_ key: String) -> String? {
            guard let value = actionParameters[key]?.stringValue, !value.isEmpty else {
                problem("\(field).ActionParameters.\(key): the resource to override is required")
                return nil
            }
            return value
        }
        let resource: TestScript.Override.Resource
        let errors: Set<String>
        switch actionType {
        case "InvokeLambdaFunction":
            guard let arn = required("LambdaFunctionARN") else { return nil }
            resource = .function(FunctionName.resolve(arn))
            errors = ["TimeLimitExceeded", "NoMatchingError"]
        case "CheckHoursOfOperation":
            guard let id = required("HoursOfOperationId") else { return nil }
            resource = .hours(TestScript.resourceID(id))
            errors = ["NoMatchingError"]
        case "ConnectParticipantWithLexBot":
            guard let arn = actionParameters["LexV2Bot"]?["AliasArn"]?.stringValue, let alias = Flow.botAlias(fromARN: arn) else {
                problem("\(field).ActionParameters.LexV2Bot.AliasArn: a bot alias ARN (arn:aws:lex:REGION:ACCOUNT:bot-alias/BOT/ALIAS) is required")
                return nil
            }
            resource = .bot(bot: alias.bot, alias: alias.alias)
            errors = ["TimeLimitExceeded", "NoMatchingError"]
        case "TransferContactToQueue", "DequeueContactAndTransferToQueue":
            guard let id = required("QueueId") else { return nil }
            resource = .queue(TestScript.resourceID(id))
            errors = ["QueueAtCapacity", "NoMatchingError"]
        default:
            problem(
                "\(field).ActionType: '\(written)' is not one tdmock overrides (InvokeLambdaFunction, CheckHoursOfOperation, ConnectParticipantWithLexBot, TransferContactToQueue, DequeueAndTransferToQueue)"
            )
            return nil
        }
        let strategy = properties["Strategy"]?.objectValue ?? [:]
        switch strategy["Type"]?.stringValue ?? "" {
        case "SubstituteResource":
            guard let target = strategy["SubstituteArn"]?.stringValue, !target.isEmpty else {
                problem("\(field).Strategy.SubstituteArn: the replacement's ARN is required")
                return nil
            }
            if case .bot = resource, Flow.botAlias(fromARN: target) == nil {
                problem("\(field).Strategy.SubstituteArn: '\(target)' is not a bot alias ARN")
                return nil
            }
            return .override(TestScript.Override(actionType: actionType, resource: resource, strategy: .substitute(target)))
        case "MockResponse":
            let response = strategy["Response"]?.objectValue ?? [:]
            switch response["Type"]?.stringValue ?? "" {
            case "ExecutionResult":
                let result = response["ExecutionResult"]?.objectValue ?? [:]
                let value = result["Value"]?.stringValue
                var data: JSONValue?
                if let loaded = result["LoadedData"], !loaded.isNull {
                    if let text = loaded.stringValue {
                        switch Data(text.utf8).withUnsafeBytes({ JSONReader.read($0) }) {
                        case .success(let parsed): data = parsed
                        case .failure(let failure):
                            problem("\(field).Strategy.Response.ExecutionResult.LoadedData: serialized JSON is expected: \(failure.description)")
                            return nil
                        }
                    } else {
                        data = loaded
                    }
                }
                switch actionType {
                case "CheckHoursOfOperation":
                    guard let value, ["InHours", "OutOfHours"].contains(value) else {
                        problem("\(field).Strategy.Response.ExecutionResult.Value: InHours or OutOfHours")
                        return nil
                    }
                case "TransferContactToQueue", "DequeueContactAndTransferToQueue":
                    problem("\(field).Strategy.Response.Type: a queue transfer's mock response is an Error (QueueAtCapacity or NoMatchingError)")
                    return nil
                default: break
                }
                return .override(TestScript.Override(actionType: actionType, resource: resource, strategy: .result(value: value, data: data)))
            case "Error":
                let value = response["Error"]?["Value"]?.stringValue ?? ""
                guard errors.contains(value) else {
                    problem("\(field).Strategy.Response.Error.Value: '\(value)' is not one of \(errors.sorted().joined(separator: ", "))")
                    return nil
                }
                return .override(TestScript.Override(actionType: actionType, resource: resource, strategy: .error(value)))
            case let other:
                problem("\(field).Strategy.Response.Type: '\(other)' is not ExecutionResult or Error")
                return nil
            }
        case let other:
            problem("\(field).Strategy.Type: '\(other)' is not SubstituteResource or MockResponse")
            return nil
        }
    }

    mutating func assertion(_ parameters: [String: JSONValue], place: String) -> TestScript.Action.Kind? {
        guard let namespace = parameters["Namespace"]?.stringValue, namespace.hasPrefix("$."), namespace.count > 2 else {
            problem("\(place), Parameters.Namespace: a JSONPath such as $.Queue.Name or $.Attributes.key")
            return nil
        }
        let name = parameters["Operator"]?.stringValue ?? ""
        let operand = parameters["Operand"].map { $0.stringValue ?? $0.numberValue.map { LexV2.numberText($0) } ?? "" } ?? ""
        if name == "Exists" {
            return .assert(TestScript.Assertion(path: String(namespace.dropFirst(2)), comparison: nil, operand: ""))
        }
        guard let comparison = FlowComparison(rawValue: name) else {
            let names = FlowComparison.allCases.map(\.rawValue) + ["Exists"]
            problem("\(place), Parameters.Operator: '\(name)' is not one of \(names.joined(separator: ", "))")
            return nil
        }
        return .assert(TestScript.Assertion(path: String(namespace.dropFirst(2)), comparison: comparison, operand: operand))
    }

    mutating func control(_ parameters: [String: JSONValue], place: String) -> TestScript.Action.Kind? {
        let command = parameters["Command"]
        let type = command?.stringValue ?? command?["Type"]?.stringValue ?? ""
        switch type {
        case "EndTest": return .endTest
        case "LogData":
            guard let expressions = command?["Properties"]?["Expressions"]?.objectValue, !expressions.isEmpty else {
                problem("\(place), Parameters.Command.Properties.Expressions: labels and the JSONPath each logs")
                return nil
            }
            var logged: [TestScript.LoggedValue] = []
            for key in expressions.keys.sorted() {
                guard let expression = expressions[key]?.stringValue else {
                    problem("\(place), Parameters.Command.Properties.Expressions.\(key): a string with the JSONPath to log")
                    return nil
                }
                logged.append(TestScript.LoggedValue(label: key, expression: expression))
            }
            return .logData(logged)
        default:
            problem("\(place), Parameters.Command.Type: '\(type)' is not EndTest or LogData")
            return nil
        }
    }
}

// MARK: Matching

extension TestScript {
    /// A Similarity match needs at least this share of the words alike (docs/connect-tests.md).
    public static let similarityThreshold = 0.8

    /// Words as compared: lower case, letters and digits only.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// How alike two messages are, from 0 to 1: twice the words they share over the words of both (each word
    /// counted as often as it appears), after lower-casing and dropping punctuation.
    public static func similarity(_ left: String, _ right: String) -> Double {
        let a = words(left)
        let b = words(right)
        if a.isEmpty && b.isEmpty { return 1 }
        var counts: [String: Int] = [:]
        for word in a { counts[word, default: 0] += 1 }
        var shared = 0
        for word in b where (counts[word] ?? 0) > 0 {
            counts[word]! -= 1
            shared += 1
        }
        return Double(2 * shared) / Double(a.count + b.count)
    }

    /// Whether a message the caller heard is the one expected.
    public static func matches(_ match: MessageMatch, heard: String) -> Bool {
        if let prompt = match.promptID {
            return heard == "[audio prompt \(prompt)]" || resourceID(Self.promptReference(in: heard) ?? "") == prompt
        }
        guard let text = match.text else { return false }
        switch match.criteria {
        case .inclusion:
            return words(heard).joined(separator: " ").contains(words(text).joined(separator: " "))
        case .similarity(let threshold):
            return similarity(text, heard) >= threshold
        }
    }

    /// The prompt a message names when it is one played by PromptId (`[audio prompt ID]`).
    public static func promptReference(in heard: String) -> String? {
        guard heard.hasPrefix("[audio prompt "), heard.hasSuffix("]") else { return nil }
        return String(heard.dropFirst("[audio prompt ".count).dropLast())
    }
}
