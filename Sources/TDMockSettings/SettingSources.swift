public import Yams

/// Where settings come from, and the one rule that reads them: a flag wins over the environment, which
/// wins over the config file, which wins over the default. Each value is checked against its setting's
/// kind where it is read, and a refusal names its source: `command line: --port`, `environment:
/// TDMOCK_PORT`, or the file, its line and the key.
public struct SettingSources {
    public let flags: CommandLineFlags
    public let environment: [String: String]
    /// The config file, when one is given.
    public let file: ConfigDocument?

    public init(flags: CommandLineFlags = CommandLineFlags(), environment: [String: String], file: ConfigDocument?) {
        self.flags = flags
        self.environment = environment
        self.file = file
    }

    /// The sources with the config file that `config` names (its flag, else its environment variable, else
    /// the first of `moreVariables` that is set).
    public static func load(
        flags: CommandLineFlags,
        environment: [String: String],
        config: Setting<String>,
        moreVariables: [String] = []
    ) throws(ConfigurationError) -> SettingSources {
        let variables = [config.environment].compactMap { $0 } + moreVariables
        let named = flags[config]?.last ?? variables.lazy.compactMap { name in environment[name].flatMap { $0.isEmpty ? nil : $0 } }.first
        var file: ConfigDocument?
        if let named { file = try ConfigDocument.load(path: named) }
        return SettingSources(flags: flags, environment: environment, file: file)
    }

    /// Where a setting's value comes from.
    public enum Origin {
        case flag
        case environment(String)
        case file(Node)
        case none

        /// Whether no source gave the setting: its default is in force.
        public var isDefault: Bool {
            if case .none = self { return true }
            return false
        }
    }

    /// The setting's value, or its default; nil when neither a source nor the default gives one.
    public func optionalValue<Value>(_ setting: Setting<Value>) throws(ConfigurationError) -> Value? {
        if let texts = flags[setting] {
            let value = try flagValue(setting, texts)
            if let problem = setting.kind.problem(value) { throw refusal(setting, .flag, problem) }
            return value
        }
        if let name = setting.environment, let text = environment[name], !text.isEmpty {
            guard let value = setting.kind.parse(text) else {
                throw refusal(setting, .environment(text), "expected \(setting.kind.noun), found '\(text)'")
            }
            if let problem = setting.kind.problem(value) { throw refusal(setting, .environment(text), problem) }
            return value
        }
        if let (node, key) = fileNode(setting) {
            guard let text = node.scalar?.string, let value = setting.kind.parse(text) else {
                throw error(node, key, "expected \(setting.kind.rule), found '\(node.scalar?.string ?? "a collection")'")
            }
            if let problem = setting.kind.problem(value) { throw error(node, key, problem) }
            return value
        }
        return setting.defaultValue
    }

    /// The value of a setting that has a default.
    public func value<Value>(_ setting: Setting<Value>) throws(ConfigurationError) -> Value {
        guard let value = try optionalValue(setting) else {
            preconditionFailure("a setting read without an optional needs a default")
        }
        return value
    }

    /// A flag's texts as the setting's value: a list's flag gives an item each time (or a comma-separated
    /// list), any other flag is given once.
    private func flagValue<Value>(_ setting: Setting<Value>, _ texts: [String]) throws(ConfigurationError) -> Value {
        if setting.repeats {
            let items = texts.flatMap { text in (setting.kind.parse(text) as? [String]) ?? [] }
            if let value = items as? Value { return value }
        }
        let text = texts.last ?? ""
        guard let value = setting.kind.parse(text) else { throw refusal(setting, .flag, "expected \(setting.kind.noun), found '\(text)'") }
        return value
    }

    /// Which source gives the setting.
    public func origin<Value>(_ setting: Setting<Value>) -> Origin {
        if flags[setting] != nil { return .flag }
        if let name = setting.environment, let text = environment[name], !text.isEmpty { return .environment(text) }
        if let (node, _) = fileNode(setting) { return .file(node) }
        return .none
    }

    /// A refusal of the setting's value, naming where it came from.
    public func refusal<Value>(_ setting: Setting<Value>, _ origin: Origin, _ message: String) -> ConfigurationError {
        switch origin {
        case .flag: return ConfigurationError(source: "command line", key: "--" + (setting.flag ?? "?"), message: message)
        case .environment: return ConfigurationError(source: "environment", key: setting.environment ?? "?", message: message)
        case .file(let node): return error(node, fileNode(setting)?.key ?? setting.key ?? "?", message)
        case .none:
            let key = setting.flag.map { "--" + $0 } ?? setting.key ?? setting.environment ?? "?"
            return ConfigurationError(source: "default", key: key, message: message)
        }
    }

    /// The file's node for the setting (its key, else its alias) and the key it was found under.
    private func fileNode<Value>(_ setting: Setting<Value>) -> (node: Node, key: String)? {
        guard let file else { return nil }
        for key in [setting.key, setting.alias].compactMap({ $0 }) {
            if let node = file.node(at: key) { return (node, key) }
        }
        return nil
    }

    private func error(_ node: Node, _ key: String, _ message: String) -> ConfigurationError {
        file?.error(node, key, message) ?? ConfigurationError(source: "config file", key: key, message: message)
    }
}
