import Foundation
public import TDMockCore
import TDMockSettings

/// The contact flows Connect runs (docs/contact-flows.md): the user's (`connect.flow`, `--flow`) or the built-in
/// question flow, and the flows a `TransferToFlow` may name (`connect.flows`).
public struct FlowSet: Sendable, Hashable {
    /// By id: `main`, then the ids of `connect.flows`.
    public var flows: [String: Flow] = [:]
    /// The file each flow came from (`built-in` for the question flow).
    public var files: [String: String] = [:]
    /// Whether `main` is the built-in question flow.
    public var builtIn = true
    /// The modules of `connect.modules`, by id.
    public var modules: [String: Flow] = [:]
    /// The file each module came from.
    public var moduleFiles: [String: String] = [:]

    public init() {}

    /// A module's id among the flows a call's path names: `module/ID`.
    public static func moduleKey(_ id: String) -> String { "module/" + id }

    /// The built-in question flow with these settings, alone.
    package static func builtIn(_ settings: ContactFlow) -> FlowSet {
        var set = FlowSet()
        set.flows["main"] = BuiltInFlow.make(settings)
        set.files["main"] = "built-in (\(BuiltInFlow.file))"
        return set
    }
}

/// §8.2's flow as a Flow Language file (`fixtures/question-flow.json`), with the words, attribute names,
/// branches and bot of `connect:` written into it: one engine runs it and the user's flows alike.
enum BuiltInFlow {
    static let file = "fixtures/question-flow.json"

    /// The action ids the settings are written into.
    enum Action {
        static let ask = "Ask the question"
        static let listen = "Listen again"
        static let check = "Check the response type"
        static let speak = "Speak the answer"
        static let goodbye = "Say goodbye"
        static let apologize = "Apologize"
    }

    static func make(_ settings: ContactFlow) -> Flow {
        let data = Data(PackageResources.question_flow_json)
        guard case .success(var document) = data.withUnsafeBytes({ JSONReader.read($0) }), case .object(var root) = document,
            case .array(let actions) = root["Actions"] ?? .null
        else { preconditionFailure("the built-in flow is a Flow Language document") }
        let alias = "arn:aws:lex:\(AWSIdentity.region):\(AWSIdentity.account):bot-alias/\(settings.bot.id)/\(settings.bot.aliasID)"
        let spoken = JSONValue.string("$.Lex.SessionAttributes.\(settings.textAttribute)")
        let targets: [CallBranch: String] = [.speak: Action.speak, .disconnect: Action.goodbye, .failed: Action.apologize]
        root["Actions"] = .array(
            actions.map { item in
                guard case .object(var action) = item, case .object(var parameters) = action["Parameters"] ?? .object([:]) else { return item }
                switch action["Identifier"]?.stringValue {
                case Action.ask:
                    parameters["Text"] = .string(settings.greeting)
                    parameters["LexV2Bot"] = ["AliasArn": .string(alias)]
                case Action.listen:
                    parameters["LexV2Bot"] = ["AliasArn": .string(alias)]
                case Action.check:
                    parameters["ComparisonValue"] = .string("$.Lex.SessionAttributes.\(settings.branchAttribute)")
                    guard case .object(var transitions) = action["Transitions"] ?? .null else { break }
                    transitions["Conditions"] = .array(
                        settings.branches.sorted { $0.key < $1.key }.compactMap { value, branch in
                            targets[branch].map { ["NextAction": .string($0), "Condition": ["Operator": "Equals", "Operands": [.string(value)]]] }
                        }
                    )
                    action["Transitions"] = .object(transitions)
                case Action.speak, Action.goodbye:
                    parameters["Text"] = spoken
                case Action.apologize:
                    parameters["Text"] = .string(settings.errorPrompt)
                default:
                    break
                }
                action["Parameters"] = .object(parameters)
                return .object(action)
            }
        )
        document = .object(root)
        switch Flow.read(JSONCoding.data(document), id: "main") {
        case .success(let load): return load.flow
        case .failure(let failure): preconditionFailure("the built-in flow with connect's settings: \(failure)")
        }
    }
}

extension ServeConfiguration {
    /// Reads and checks the flows, as `CreateContactFlow` would, and what they name against the functions,
    /// the bots and `connect.flows`. A flow's fault is refused naming its file, the action's Identifier and
    /// the field.
    /// `place` is where each file is named (its source, line and key), for the refusal's first words.
    mutating func loadFlows(
        main: (path: String, place: ConfigurationError)?,
        others: [String: (path: String, place: ConfigurationError)],
        modules: [String: (path: String, place: ConfigurationError)] = [:]
    ) throws(ConfigurationError) {
        var set = main == nil ? FlowSet.builtIn(connect.flow) : FlowSet()
        var references: [(file: String, source: ConfigurationError, FlowReference)] = []
        func load(_ id: String, _ path: String, _ source: ConfigurationError, module: Bool = false) throws(ConfigurationError) {
            func refuse(_ message: String) -> ConfigurationError {
                ConfigurationError(source: source.source, line: source.line, key: source.key, message: message)
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw refuse("cannot read the flow file '\(path)': export it with aws connect describe-contact-flow … --query ContactFlow.Content")
            }
            switch Flow.read(data, id: module ? FlowSet.moduleKey(id) : id, module: module) {
            case .failure(let failure): throw refuse("\(path): \(failure)")
            case .success(let load):
                if module {
                    set.modules[id] = load.flow
                    set.moduleFiles[id] = path
                } else {
                    set.flows[id] = load.flow
                    set.files[id] = path
                }
                warnings.append(contentsOf: load.warnings.map { "\(path): \($0)" })
                references.append(contentsOf: load.references.map { (path, source, $0) })
            }
        }
        if let main {
            try load("main", main.path, main.place)
            set.builtIn = false
        }
        for (id, entry) in others.sorted(by: { $0.key < $1.key }) { try load(id, entry.path, entry.place) }
        for (id, entry) in modules.sorted(by: { $0.key < $1.key }) { try load(id, entry.path, entry.place, module: true) }
        for (file, source, reference) in references {
            let place = "\(file): action '\(reference.identifier)', \(reference.field)"
            // A flow the configuration does not hold is one of the user's instance, not under test: said
            // at start, and a call that gets there ends, transferred to it.
            if case .flow(let id) = reference.kind {
                if set.flows[id] == nil {
                    warnings.append("\(place): no flow '\(id)' in connect.flows: a call that gets there ends, transferred to it")
                }
                continue
            }
            if case .module(let id) = reference.kind {
                if set.modules[id] == nil {
                    warnings.append("\(place): no module '\(id)' in connect.modules: a call that gets there takes NoMatchingError")
                }
                continue
            }
            if case .hours(let id) = reference.kind {
                if connect.hours[id] == nil {
                    warnings.append("\(place): no hours '\(id)' in connect.hours: a call that gets there takes NoMatchingError")
                }
                continue
            }
            if let problem = problem(with: reference) {
                throw ConfigurationError(source: source.source, line: source.line, key: source.key, message: "\(place): \(problem)")
            }
        }
        connect.flows = set
    }
}

extension ServeConfiguration {
    /// What is wrong with a function or a bot alias a flow names, which this configuration must hold; nil
    /// when it holds it, or for a flow, a module or hours (said at start, taken as NoMatchingError at run).
    public func problem(with reference: FlowReference) -> String? {
        switch reference.kind {
        case .function(let name):
            functions[name] == nil ? "no function named '\(name)': add it under functions (or with --function \(name)=URL)" : nil
        case .botAlias(let bot, let alias):
            if let found = lex.bots.first(where: { $0.id == bot }) {
                found.aliases.contains { $0.id == alias } ? nil : "bot '\(bot)' has no alias '\(alias)': add it to the bot's aliases in lex.bots"
            } else {
                "no bot with id '\(bot)' in lex.bots: add it there (an import of its export, or its intents)"
            }
        case .flow, .module, .hours: nil
        }
    }
}
