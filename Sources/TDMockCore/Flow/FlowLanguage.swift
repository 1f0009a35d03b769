public import Foundation

/// An Amazon Connect contact flow in AWS's Flow Language (the JSON `DescribeContactFlow` answers as
/// `Content`), read and checked as `CreateContactFlow` checks it (docs/contact-flows.md).
public struct Flow: Sendable, Hashable {
    public static let version = "2019-10-30"

    /// The flow's id: `main` for `connect.flow`, the key of `connect.flows` for the others.
    public var id: String
    public var startAction: String
    /// The actions in the file's order.
    public var actions: [FlowAction]
    private var index: [String: Int]

    public init(id: String, startAction: String, actions: [FlowAction]) {
        self.id = id
        self.startAction = startAction
        self.actions = actions
        index = Dictionary(actions.enumerated().map { ($1.identifier, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(identifier: String) -> FlowAction? { index[identifier].map { actions[$0] } }
}

/// One action of a flow.
public struct FlowAction: Sendable, Hashable {
    public var identifier: String
    public var type: FlowActionType
    public var parameters: [String: JSONValue]
    public var next: String?
    public var conditions: [FlowCondition]
    public var errors: [FlowErrorTransition]
    /// The `NextAction` of an action that leaves the flow (a transfer, a disconnect): checked to name an
    /// action, never taken.
    public var unusedNext: String?

    /// Every way out of this action, as coverage names them, in the file's order.
    public var transitions: [FlowTransition] {
        var all: [FlowTransition] = []
        if let next { all.append(FlowTransition(label: FlowTransition.nextAction, next: next)) }
        for condition in conditions { all.append(FlowTransition(label: condition.label, next: condition.next)) }
        for error in errors { all.append(FlowTransition(label: FlowTransition.errorLabel(error.type), next: error.next)) }
        return all
    }

    public func errorTarget(_ type: String) -> String? { errors.first { $0.type == type }?.next }

    /// A parameter's text (`nil` when absent or not a string).
    public func text(_ name: String) -> String? { parameters[name]?.stringValue }
}

public struct FlowCondition: Sendable, Hashable {
    public var comparison: FlowComparison
    public var operand: String
    public var next: String

    public var label: String { "Conditions: \(comparison.rawValue) \(operand)" }
}

public struct FlowErrorTransition: Sendable, Hashable {
    public var type: String
    public var next: String
}

/// A way out of an action, as coverage and a turn's path name it: `NextAction`,
/// `Conditions: Equals speak`, `Errors: NoMatchingError`.
public struct FlowTransition: Sendable, Hashable, Codable {
    public static let nextAction = "NextAction"
    public static func errorLabel(_ type: String) -> String { "Errors: \(type)" }

    public var label: String
    public var next: String

    public init(label: String, next: String) {
        self.label = label
        self.next = next
    }
}

/// A `Compare` or input condition's `Operator`.
public enum FlowComparison: String, Sendable, Hashable, CaseIterable {
    case equals = "Equals"
    case numberLessThan = "NumberLessThan"
    case numberLessOrEqualTo = "NumberLessOrEqualTo"
    case numberGreaterThan = "NumberGreaterThan"
    case numberGreaterOrEqualTo = "NumberGreaterOrEqualTo"
    case textStartsWith = "TextStartsWith"
    case textEndsWith = "TextEndsWith"
    case textContains = "TextContains"

    /// Whether `value` passes this comparison with `operand`, as Connect compares: text as written,
    /// numbers only when both sides are numbers.
    public func holds(_ value: String, _ operand: String) -> Bool {
        switch self {
        case .equals: return value == operand
        case .textStartsWith: return value.hasPrefix(operand)
        case .textEndsWith: return value.hasSuffix(operand)
        case .textContains: return value.contains(operand)
        case .numberLessThan, .numberLessOrEqualTo, .numberGreaterThan, .numberGreaterOrEqualTo:
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard let left = Double(trimmed), let right = Double(operand.trimmingCharacters(in: .whitespaces)) else { return false }
            switch self {
            case .numberLessThan: return left < right
            case .numberLessOrEqualTo: return left <= right
            case .numberGreaterThan: return left > right
            default: return left >= right
            }
        }
    }
}

/// Why a flow was refused: the action's `Identifier` (when it is one action's fault), the field, and what is wrong.
public struct FlowFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var identifier: String?
    public var field: String
    public var message: String

    public init(identifier: String?, field: String, message: String) {
        self.identifier = identifier
        self.field = field
        self.message = message
    }

    public var description: String {
        if let identifier { return "action '\(identifier)', \(field): \(message)" }
        return "\(field): \(message)"
    }
}

/// A flow read and checked, what it names that the configuration must have, and what it does that a
/// user may not mean.
public struct FlowLoad: Sendable {
    public var flow: Flow
    public var references: [FlowReference]
    public var warnings: [String]
}

/// A name in a flow that only the configuration can say exists: a function, a bot alias, another flow.
public struct FlowReference: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A Lambda function, by the name at the end of its ARN.
        case function(String)
        /// A Lex V2 bot alias: `arn:aws:lex:REGION:ACCOUNT:bot-alias/BOTID/ALIASID`.
        case botAlias(bot: String, alias: String)
        /// A flow of `connect.flows`, by the id at the end of its ARN.
        case flow(String)
        /// A module of `connect.modules`, by the id at the end of its ARN.
        case module(String)
        /// Hours of operation of `connect.hours`, by the id at the end of its ARN, or by name.
        case hours(String)
    }

    public var identifier: String
    public var field: String
    public var kind: Kind

    public init(identifier: String, field: String, kind: Kind) {
        self.identifier = identifier
        self.field = field
        self.kind = kind
    }
}

extension Flow {
    /// Reads and checks a Flow Language document. Everything a flow could get wrong on its own is refused
    /// here; `references` lists what the configuration must name, for the caller to check.
    /// `module`: the document is a flow module's, where `EndFlowModuleExecution` belongs. The document may be
    /// the `Content` itself or what `describe-contact-flow` / `describe-contact-flow-module` answer, whose
    /// `Content` is the document as a string.
    public static func read(_ data: Data, id: String, module: Bool = false) -> Result<FlowLoad, FlowFailure> {
        var value: JSONValue
        switch Self.json(data) {
        case .success(let read): value = read
        case .failure(let failure): return .failure(FlowFailure(identifier: nil, field: "the file", message: "not JSON: \(failure)"))
        }
        // What describe-contact-flow answers, or its ContactFlow alone (`--query ContactFlow`): the document
        // is the Content, a string (or, as some deploy scripts keep it, the object itself).
        for wrapper in ["ContactFlow", "ContactFlowModule", ""] {
            let holder = wrapper.isEmpty ? value : value[wrapper]
            guard let holder, holder["Actions"] == nil, let content = holder["Content"] else { continue }
            let field = wrapper.isEmpty ? "Content" : "\(wrapper).Content"
            if content.objectValue != nil {
                value = content
                break
            }
            guard let text = content.stringValue else {
                return .failure(FlowFailure(identifier: nil, field: field, message: "\(content.typeDescription), not the flow as a string"))
            }
            switch Self.json(Data(text.utf8)) {
            case .success(let inner): value = inner
            case .failure(let failure): return .failure(FlowFailure(identifier: nil, field: field, message: "not JSON: \(failure)"))
            }
            break
        }
        var reader = FlowReader(value, id: id, module: module)
        do {
            return .success(try reader.read())
        } catch {
            return .failure(error)
        }
    }

    /// A document as JSON. Exports made by some tools escape an apostrophe as `\'`, which JSON does not
    /// have and Connect reads as `'`: such a document is read again with those escapes undone.
    static func json(_ data: Data) -> Result<JSONValue, JSONReader.Failure> {
        let first = data.withUnsafeBytes { JSONReader.read($0) }
        guard case .failure = first, let text = String(data: data, encoding: .utf8), text.contains("\\'") else { return first }
        return Data(text.replacingOccurrences(of: "\\'", with: "'").utf8).withUnsafeBytes { JSONReader.read($0) }
    }

    /// The flow's id in a `TransferToFlow`'s `ContactFlowId`: the part after `contact-flow/` in an ARN, else the value.
    public static func id(fromReference reference: String) -> String { resourceID(reference, kind: "contact-flow") }

    /// The id a reference names: the part after `KIND/` in an ARN (`flow-module`, `queue`,
    /// `operating-hours`, `agent`), else the value.
    public static func resourceID(_ reference: String, kind: String) -> String {
        if let range = reference.range(of: kind + "/", options: .backwards) { return String(reference[range.upperBound...]) }
        return reference
    }

    /// The bot id and alias id in `arn:aws:lex:REGION:ACCOUNT:bot-alias/BOTID/ALIASID`, or nil.
    public static func botAlias(fromARN arn: String) -> (bot: String, alias: String)? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "lex" else { return nil }
        let resource = parts[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count == 3, resource[0] == "bot-alias", !resource[1].isEmpty, !resource[2].isEmpty else { return nil }
        return (String(resource[1]), String(resource[2]))
    }

    /// Whether a parameter's value is a JSONPath reference Connect resolves when the action runs.
    public static func isDynamic(_ value: String) -> Bool { value.hasPrefix("$.") }
}

/// The checks of one document, action by action.
private struct FlowReader {
    let root: JSONValue
    let id: String
    let module: Bool
    var references: [FlowReference] = []
    var warnings: [String] = []

    init(_ root: JSONValue, id: String, module: Bool) {
        self.root = root
        self.id = id
        self.module = module
    }

    /// A parameter's number, written as a number or as text.
    static func number(_ value: JSONValue) -> Double? { value.numberValue ?? value.stringValue.flatMap { Double($0) } }

    /// Characters AWS's reference does not allow in an `Identifier`.
    static let forbidden = Set("%:(\\/)=$,;[]{}")
    static let reserved: Set<String> = [
        "__proto__", "constructor", "__defineGetter__", "__defineSetter__", "toString", "hasOwnProperty", "isPrototypeOf",
        "propertyIsEnumerable", "toLocaleString", "valueOf",
    ]

    mutating func read() throws(FlowFailure) -> FlowLoad {
        guard let object = root.objectValue else {
            throw FlowFailure(identifier: nil, field: "the file", message: "not a JSON object: a Flow Language document is one")
        }
        if object["Actions"] == nil, object["modules"] != nil {
            throw FlowFailure(
                identifier: nil,
                field: "modules",
                message:
                    "the flow designer's legacy import/export format, not the Flow Language: export it with aws connect describe-contact-flow (its Content)"
            )
        }
        guard let version = object["Version"]?.stringValue else {
            throw FlowFailure(identifier: nil, field: "Version", message: "missing: Flow Language documents say \"Version\": \"\(Flow.version)\"")
        }
        guard version == Flow.version else {
            throw FlowFailure(
                identifier: nil,
                field: "Version",
                message: "'\(version)' is not a Flow Language version; the one there is is \(Flow.version)"
            )
        }
        guard let start = object["StartAction"]?.stringValue, !start.isEmpty else {
            throw FlowFailure(identifier: nil, field: "StartAction", message: "missing: the Identifier of the first action")
        }
        guard let items = object["Actions"]?.arrayValue, !items.isEmpty else {
            throw FlowFailure(identifier: nil, field: "Actions", message: "missing or empty: a flow has at least one action")
        }
        var actions: [FlowAction] = []
        var seen: Set<String> = []
        for (position, item) in items.enumerated() {
            let action = try self.action(item, position: position)
            guard seen.insert(action.identifier).inserted else {
                throw FlowFailure(
                    identifier: action.identifier,
                    field: "Identifier",
                    message: "used by two actions: each action's Identifier is its own"
                )
            }
            actions.append(action)
        }
        guard seen.contains(start) else {
            throw FlowFailure(identifier: nil, field: "StartAction", message: "'\(start)' is no action's Identifier")
        }
        for action in actions {
            let unused = action.unusedNext.map { [FlowTransition(label: FlowTransition.nextAction, next: $0)] } ?? []
            for transition in action.transitions + unused where !seen.contains(transition.next) {
                throw FlowFailure(
                    identifier: action.identifier,
                    field: "Transitions (\(transition.label))",
                    message: "goes to '\(transition.next)', which is no action's Identifier"
                )
            }
        }
        return FlowLoad(flow: Flow(id: id, startAction: start, actions: actions), references: references, warnings: warnings)
    }

    private mutating func action(_ item: JSONValue, position: Int) throws(FlowFailure) -> FlowAction {
        guard let object = item.objectValue else {
            throw FlowFailure(identifier: nil, field: "Actions[\(position)]", message: "\(item.typeDescription), not an action object")
        }
        guard let identifier = object["Identifier"]?.stringValue, !identifier.isEmpty else {
            throw FlowFailure(identifier: nil, field: "Actions[\(position)].Identifier", message: "missing: every action has one")
        }
        if identifier.count > 50 {
            throw FlowFailure(identifier: identifier, field: "Identifier", message: "longer than 50 characters")
        }
        if let bad = identifier.first(where: { Self.forbidden.contains($0) }) {
            throw FlowFailure(
                identifier: identifier,
                field: "Identifier",
                message: "has '\(bad)', which an Identifier may not have (% : ( \\ / ) = $ , ; [ ] { })"
            )
        }
        if Self.reserved.contains(identifier) {
            throw FlowFailure(identifier: identifier, field: "Identifier", message: "is a name an Identifier may not be")
        }
        func fail(_ field: String, _ message: String) -> FlowFailure { FlowFailure(identifier: identifier, field: field, message: message) }
        guard let typeName = object["Type"]?.stringValue else { throw fail("Type", "missing") }
        guard let type = FlowActionType(rawValue: typeName) else {
            throw fail("Type", "'\(typeName)' is not an action type of AWS's Flow Language reference (docs/contact-flows.md lists them)")
        }
        if type == .endFlowModuleExecution, !module {
            throw fail("Type", "EndFlowModuleExecution returns from a flow module: a flow has none (load this file under connect.modules)")
        }
        var parameters: [String: JSONValue] = [:]
        if let value = object["Parameters"], !value.isNull {
            guard let given = value.objectValue else { throw fail("Parameters", "\(value.typeDescription), not an object") }
            parameters = given
        }
        let transitions = object["Transitions"]?.objectValue ?? [:]
        if let value = object["Transitions"], value.objectValue == nil, !value.isNull {
            throw fail("Transitions", "\(value.typeDescription), not an object")
        }
        var next: String?
        var leftBy: String?
        if let value = transitions["NextAction"], !value.isNull {
            guard let text = value.stringValue else { throw fail("Transitions.NextAction", "\(value.typeDescription), not an Identifier") }
            // An empty NextAction, as some exports write for a branch left unconnected, is none.
            next = text.isEmpty ? nil : text
        }
        var conditions: [FlowCondition] = []
        if let value = transitions["Conditions"], !value.isNull {
            guard let list = value.arrayValue else { throw fail("Transitions.Conditions", "\(value.typeDescription), not a list") }
            if !list.isEmpty, !type.takesConditions {
                // An action tdmock only records goes on by its NextAction: its conditions are never taken.
                guard type.isRecorded else { throw fail("Transitions.Conditions", "\(typeName) takes no conditions") }
                warnings.append("action '\(identifier)': \(typeName) is recorded and goes on by its NextAction, so its conditions are never taken")
            }
            for (index, entry) in list.enumerated() {
                let field = "Transitions.Conditions[\(index)]"
                guard let target = entry["NextAction"]?.stringValue else { throw fail("\(field).NextAction", "missing") }
                guard let condition = entry["Condition"]?.objectValue else { throw fail("\(field).Condition", "missing") }
                guard let name = condition["Operator"]?.stringValue else { throw fail("\(field).Condition.Operator", "missing") }
                guard let comparison = FlowComparison(rawValue: name) else {
                    throw fail(
                        "\(field).Condition.Operator",
                        "'\(name)' is not one of \(FlowComparison.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                guard let operands = condition["Operands"]?.arrayValue, operands.count == 1, let operand = operands[0].stringValue else {
                    throw fail("\(field).Condition.Operands", "must be a list of one string")
                }
                switch type.conditionRule {
                case .equals where comparison != .equals:
                    throw fail("\(field).Condition.Operator", "\(typeName) compares with Equals only")
                case .equalsOneOf(let allowed) where comparison != .equals || !allowed.contains(operand):
                    throw fail("\(field).Condition", "\(typeName) takes Equals \(allowed.sorted().joined(separator: " or ")) only")
                default: break
                }
                conditions.append(FlowCondition(comparison: comparison, operand: operand, next: target))
            }
        }
        var errors: [FlowErrorTransition] = []
        if let value = transitions["Errors"], !value.isNull {
            guard let list = value.arrayValue else { throw fail("Transitions.Errors", "\(value.typeDescription), not a list") }
            for (index, entry) in list.enumerated() {
                let field = "Transitions.Errors[\(index)]"
                guard let target = entry["NextAction"]?.stringValue else { throw fail("\(field).NextAction", "missing") }
                guard let errorType = entry["ErrorType"]?.stringValue else { throw fail("\(field).ErrorType", "missing") }
                guard type.errorTypes.contains(errorType) else {
                    let known = type.errorTypes.sorted()
                    let listed = " (\(known.isEmpty ? "it has none" : known.joined(separator: ", ")))"
                    // A recorded action goes on by its NextAction: an error its export names that the reference
                    // does not list is said and never taken. For an action tdmock runs it is a mistake.
                    guard !type.isRecorded else {
                        warnings.append("action '\(identifier)': \(errorType) is not an error of \(typeName)\(listed), so it is never taken")
                        continue
                    }
                    throw fail("\(field).ErrorType", "'\(errorType)' is not an error of \(typeName)" + listed)
                }
                errors.append(FlowErrorTransition(type: errorType, next: target))
            }
        }
        if type.isTerminal, let target = next {
            // The console writes a NextAction for a transfer, which a voice call never takes: the call leaves the
            // flow. It must name an action all the same; it is not a way out coverage counts.
            if type == .endFlowExecution || type == .disconnectParticipant {
                warnings.append("action '\(identifier)': \(typeName) ends the call, so its NextAction '\(target)' is never taken")
            }
            leftBy = target
            next = nil
        }
        if !type.isTerminal, next == nil, conditions.isEmpty {
            warnings.append("action '\(identifier)': no NextAction, so a call that gets past this \(typeName) ends there")
        }
        if let known = type.parameterNames {
            for name in parameters.keys.sorted() where !known.contains(name) {
                warnings.append("action '\(identifier)': \(typeName) has no parameter \(name) in AWS's reference: it is left alone")
            }
        }
        var action = FlowAction(identifier: identifier, type: type, parameters: parameters, next: next, conditions: conditions, errors: errors)
        action.unusedNext = leftBy
        try check(action)
        return action
    }

    // MARK: Parameters, as each action's page in AWS's reference gives them

    private mutating func check(_ action: FlowAction) throws(FlowFailure) {
        let parameters = action.parameters
        func fail(_ field: String, _ message: String) -> FlowFailure {
            FlowFailure(identifier: action.identifier, field: "Parameters.\(field)", message: message)
        }
        func string(_ name: String, required: Bool = false) throws(FlowFailure) -> String? {
            guard let value = parameters[name], !value.isNull else {
                if required { throw fail(name, "missing") }
                return nil
            }
            guard let text = value.stringValue else { throw fail(name, "\(value.typeDescription), not a string") }
            return text
        }
        func strings(_ name: String, required: Bool = false) throws(FlowFailure) {
            guard let value = parameters[name], !value.isNull else {
                if required { throw fail(name, "missing") }
                return
            }
            guard let object = value.objectValue else { throw fail(name, "\(value.typeDescription), not an object of strings") }
            for (key, item) in object.sorted(by: { $0.key < $1.key }) where item.stringValue == nil {
                throw fail("\(name).\(key)", "\(item.typeDescription), not a string")
            }
        }
        /// Text, SSML, PromptId and Media: at most one (`required`: exactly one).
        func prompt(required: Bool) throws(FlowFailure) {
            var given: [String] = []
            for name in ["Text", "SSML", "PromptId"] where try string(name) != nil { given.append(name) }
            if let media = parameters["Media"], !media.isNull {
                guard media.objectValue != nil else { throw fail("Media", "\(media.typeDescription), not an object") }
                given.append("Media")
            }
            if given.count > 1 { throw fail(given.joined(separator: "/"), "give one of Text, SSML, PromptId and Media, not \(given.count)") }
            if required, given.isEmpty { throw fail("Text", "missing: one of Text, SSML, PromptId or Media says what the caller hears") }
        }
        /// A function's ARN written statically is a reference; a sample's placeholder ('%%LOOKUP_ARN%%',
        /// 'ENTER LAMBDA HERE') is said at start, and a call that gets there takes NoMatchingError.
        func function(_ field: String, _ arn: String) {
            guard !Flow.isDynamic(arn) else { return }
            let name = FunctionName.resolve(arn)
            guard FunctionName.isValid(name) else {
                warnings.append("action '\(action.identifier)': \(field) '\(arn)' names no function: a call that gets there takes NoMatchingError")
                return
            }
            references.append(FlowReference(identifier: action.identifier, field: "Parameters.\(field)", kind: .function(name)))
        }
        func seconds(_ name: String, required: Bool, range: ClosedRange<Int>) throws(FlowFailure) {
            guard let value = parameters[name], !value.isNull else {
                if required { throw fail(name, "missing") }
                return
            }
            let number = value.numberValue ?? value.stringValue.flatMap { Double($0) }
            guard let number, number.rounded() == number, range.contains(Int(number)) else {
                throw fail(name, "must be a whole number of seconds from \(range.lowerBound) to \(range.upperBound)")
            }
        }

        switch action.type {
        case .messageParticipant:
            try prompt(required: true)
        case .connectParticipantWithLexBot:
            try prompt(required: false)
            if parameters["LexBot"] != nil, parameters["LexV2Bot"] == nil {
                throw fail("LexBot", "an Amazon Lex V1 bot: Lex V1 is retired, and the flow needs a Lex V2 bot (LexV2Bot.AliasArn)")
            }
            guard let bot = parameters["LexV2Bot"]?.objectValue else { throw fail("LexV2Bot", "missing: {\"AliasArn\": the bot alias's ARN}") }
            guard let arnValue = bot["AliasArn"] else { throw fail("LexV2Bot.AliasArn", "missing") }
            guard let arn = arnValue.stringValue else { throw fail("LexV2Bot.AliasArn", "\(arnValue.typeDescription), not a string") }
            if !Flow.isDynamic(arn) {
                // A sample's placeholder ('', 'ENTER BOT HERE') is said at start: a call that gets there takes
                // NoMatchingError, as Connect's would with no such bot.
                guard let (botID, aliasID) = Flow.botAlias(fromARN: arn) else {
                    warnings.append(
                        "action '\(action.identifier)': LexV2Bot.AliasArn '\(arn)' is not a bot alias ARN (arn:aws:lex:REGION:ACCOUNT:bot-alias/BOTID/ALIASID): a call that gets there takes NoMatchingError"
                    )
                    return
                }
                references.append(
                    FlowReference(identifier: action.identifier, field: "Parameters.LexV2Bot.AliasArn", kind: .botAlias(bot: botID, alias: aliasID))
                )
            }
            try strings("LexSessionAttributes")
            for name in ["LexInitializationData", "LexInitilizationData"] {
                guard let value = parameters[name], !value.isNull else { continue }
                guard let object = value.objectValue else { throw fail(name, "\(value.typeDescription), not an object") }
                if let message = object["InitialMessage"], message.stringValue == nil {
                    throw fail("\(name).InitialMessage", "\(message.typeDescription), not a string")
                }
            }
            if let value = parameters["LexTimeoutSeconds"], !value.isNull {
                guard let object = value.objectValue else { throw fail("LexTimeoutSeconds", "\(value.typeDescription), not an object") }
                let text = object["Text"]
                let number = text?.numberValue ?? text?.stringValue.flatMap { Double($0) }
                guard let number, number > 0 else { throw fail("LexTimeoutSeconds.Text", "must be a number of seconds above 0") }
            }
        case .getParticipantInput:
            try prompt(required: true)
            try seconds("InputTimeLimitSeconds", required: false, range: 1...180)
            if let store = try string("StoreInput"), store != "True", store != "False" {
                throw fail("StoreInput", "'\(store)' is not True or False")
            }
            if try string("StoreInput") == "True", !action.conditions.isEmpty {
                throw fail("StoreInput", "True stores the input: the action then takes no conditions")
            }
        case .compare:
            guard try string("ComparisonValue", required: true) != nil else { return }
            if action.conditions.isEmpty {
                throw FlowFailure(identifier: action.identifier, field: "Transitions.Conditions", message: "missing: Compare needs at least one")
            }
        case .updateContactAttributes:
            try strings("Attributes", required: true)
            if let target = try string("TargetContact"), target != "Current", target != "Related" {
                throw fail("TargetContact", "'\(target)' is not Current or Related")
            }
        case .invokeLambdaFunction:
            guard let arn = try string("LambdaFunctionARN", required: true) else { return }
            // Connect waits up to 8 seconds for a synchronous answer and 60 for an asynchronous one.
            try seconds("InvocationTimeLimitSeconds", required: true, range: 1...60)
            let kind = try string("InvocationType")
            if let kind, kind != "SYNCHRONOUS", kind != "ASYNCHRONOUS" {
                throw fail("InvocationType", "'\(kind)' is not SYNCHRONOUS or ASYNCHRONOUS")
            }
            if kind != "ASYNCHRONOUS", let limit = parameters["InvocationTimeLimitSeconds"].map(FlowReader.number), let limit, limit > 8 {
                warnings.append(
                    "action '\(action.identifier)': InvocationTimeLimitSeconds \(Int(limit)) is more than the 8 seconds Connect waits for a synchronous function: tdmock waits 8"
                )
            }
            if let value = parameters["ResponseValidation"], !value.isNull {
                let type = value["ResponseType"]?.stringValue
                guard type == "STRING_MAP" || type == "JSON" else { throw fail("ResponseValidation.ResponseType", "must be STRING_MAP or JSON") }
            }
            try strings("LambdaInvocationAttributes")
            function("LambdaFunctionARN", arn)
        case .updateContactTargetQueue:
            let queue = try string("QueueId")
            let agent = try string("AgentId")
            if queue == nil, agent == nil { throw fail("QueueId", "missing: the queue (or AgentId, an agent's queue) to work on") }
        case .transferToFlow:
            guard let reference = try string("ContactFlowId", required: true) else { return }
            if !Flow.isDynamic(reference) {
                references.append(
                    FlowReference(identifier: action.identifier, field: "Parameters.ContactFlowId", kind: .flow(Flow.id(fromReference: reference)))
                )
            }
        case .updateFlowLoggingBehavior:
            if let value = try string("FlowLoggingBehavior"), value != "Enabled", value != "Disabled" {
                throw fail("FlowLoggingBehavior", "'\(value)' is not Enabled or Disabled")
            }
        case .invokeExternalResource:
            guard let arn = try string("FunctionArn", required: true) else { return }
            function("FunctionArn", arn)
        case .loop:
            guard let value = parameters["LoopCount"], !value.isNull else { throw fail("LoopCount", "missing: how many times to loop (0 to 100)") }
            let text = value.stringValue ?? value.numberValue.map { LexV2.numberText($0) }
            guard let text else { throw fail("LoopCount", "\(value.typeDescription), not a number") }
            if !Flow.isDynamic(text) {
                guard let count = Int(text), (0...100).contains(count) else {
                    throw fail("LoopCount", "'\(text)' is not a whole number from 0 to 100")
                }
            }
            let operands = Set(action.conditions.map(\.operand))
            guard operands.contains(FlowActionType.continueLooping), operands.contains(FlowActionType.doneLooping) else {
                throw FlowFailure(
                    identifier: action.identifier,
                    field: "Transitions.Conditions",
                    message: "Loop needs a condition for Equals ContinueLooping and one for Equals DoneLooping"
                )
            }
        case .invokeFlowModule:
            guard let reference = try string("FlowModuleId", required: true) else { return }
            if !Flow.isDynamic(reference) {
                references.append(
                    FlowReference(
                        identifier: action.identifier,
                        field: "Parameters.FlowModuleId",
                        kind: .module(Flow.resourceID(reference, kind: "flow-module"))
                    )
                )
            }
        case .updateFlowAttributes:
            guard let value = parameters["FlowAttributes"], !value.isNull else { throw fail("FlowAttributes", "missing") }
            guard let object = value.objectValue else { throw fail("FlowAttributes", "\(value.typeDescription), not an object") }
            for (key, item) in object.sorted(by: { $0.key < $1.key }) {
                // Exports write {NAME: {"Value": …}}; the reference's {NAME: "…"} is read too.
                if item.stringValue != nil { continue }
                guard let inner = item["Value"], inner.stringValue != nil else {
                    throw fail("FlowAttributes.\(key)", "\(item.typeDescription): give {\"Value\": \"…\"} or a string")
                }
            }
        case .checkHoursOfOperation:
            if let reference = try string("HoursOfOperationId"), !Flow.isDynamic(reference) {
                references.append(
                    FlowReference(
                        identifier: action.identifier,
                        field: "Parameters.HoursOfOperationId",
                        kind: .hours(Flow.resourceID(reference, kind: "operating-hours"))
                    )
                )
            }
        case .checkMetricData:
            guard let metric = try string("MetricType", required: true) else { return }
            guard QueueMetrics.metricTypes.contains(metric) else {
                throw fail("MetricType", "'\(metric)' is not one of \(QueueMetrics.metricTypes.joined(separator: ", "))")
            }
            if try string("QueueId") != nil, try string("AgentId") != nil { throw fail("AgentId", "give QueueId or AgentId, not both") }
            if metric.hasPrefix("NumberOfAgents"),
                let bad = action.conditions.first(where: { $0.comparison != .numberGreaterThan || $0.operand != "0" })
            {
                throw FlowFailure(
                    identifier: action.identifier,
                    field: "Transitions.Conditions",
                    message: "\(metric) takes the condition NumberGreaterThan 0 only, not \(bad.comparison.rawValue) \(bad.operand)"
                )
            }
        case .getMetricData:
            if try string("QueueId") != nil, try string("AgentId") != nil { throw fail("AgentId", "give QueueId or AgentId, not both") }
        case .distributeByPercentage:
            for condition in action.conditions {
                guard let share = Double(condition.operand), (0...100).contains(share) else {
                    throw FlowFailure(
                        identifier: action.identifier,
                        field: "Transitions.Conditions",
                        message: "'\(condition.operand)' is not a percentage from 0 to 100"
                    )
                }
            }
        case .wait:
            for name in ["TimeoutSeconds", "TimeLimitSeconds"] {
                if let text = try string(name), !Flow.isDynamic(text) {
                    guard let seconds = Int(text), (1...604_800).contains(seconds) else {
                        throw fail(name, "'\(text)' is not a whole number of seconds from 1 to 604800 (seven days)")
                    }
                }
            }
        case .showView:
            guard let view = parameters["ViewResource"], !view.isNull else { throw fail("ViewResource", "missing: {\"Id\": the view's ARN}") }
            guard view["Id"]?.stringValue != nil else { throw fail("ViewResource.Id", "missing: the view's ARN") }
        case .transferParticipantToThirdParty:
            if let value = try string("ContinueFlowExecution"), value != "True", value != "False" {
                throw fail("ContinueFlowExecution", "'\(value)' is not True or False")
            }
            // The reference's spelling, and the one exports write.
            for name in ["ThirdPartyConnectionTimeoutSeconds", "ThirdPartyConnectionTimeLimitSeconds"] {
                if let timeout = try string(name), !Flow.isDynamic(timeout) {
                    guard let seconds = Int(timeout), (0...600).contains(seconds) else {
                        throw fail(name, "'\(timeout)' is not a whole number of seconds from 0 to 600")
                    }
                }
            }
            if let digits = try string("ThirdPartyDTMFDigits"), !Flow.isDynamic(digits),
                digits.count > 50 || !digits.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "," || $0 == "*" || $0 == "#" })
            {
                throw fail("ThirdPartyDTMFDigits", "at most 50 of the digits, comma, * and #")
            }
        case .updateContactCallbackNumber:
            _ = try string("CallbackNumber", required: true)
        case .messageParticipantIteratively:
            guard let value = parameters["Messages"], !value.isNull else { throw fail("Messages", "missing: the list of prompts to play") }
            guard value.arrayValue != nil else { throw fail("Messages", "\(value.typeDescription), not a list") }
        default:
            break
        }
    }
}
