/// A setting as the command line, `--help` and the docs see it, whatever its value's type.
public protocol AnySetting: SettingKeys {
    var flag: String? { get }
    var environment: String? { get }
    var key: String? { get }
    var alias: String? { get }
    var summary: String { get }
    /// The summary and the default.
    var help: String { get }
    /// Whether its flag takes no value (a Boolean setting: `--in-memory`).
    var isSwitch: Bool { get }
    /// Whether its flag may be given more than once, each time adding to the list.
    var repeats: Bool { get }
    /// The default as help writes it; nil when there is none.
    var shownDefault: String? { get }
}

extension Setting: AnySetting {
    public var isSwitch: Bool { Value.self == Bool.self }
    public var repeats: Bool { Value.self == [String].self }
    public var shownDefault: String? { defaultValue.map(kind.show) }
}

extension SettingsTable {
    /// Every setting of the table, in the order it declares them.
    public var settings: [any AnySetting] { Mirror(reflecting: self).children.compactMap { $0.value as? any AnySetting } }

    /// The settings that have a flag.
    public var flagged: [any AnySetting] { settings.filter { $0.flag != nil } }
}

/// What the command line gave a command's settings: the texts each flag was given, in order, read
/// against the command's table (`SettingsTable`), so that a setting declared with a flag is an option of
/// the command with nothing else to write. The texts are read as values, and checked, where every source
/// is (`SettingSources`): a refusal says `command line: --port: …` as it says `environment: TDMOCK_PORT: …`.
public struct CommandLineFlags: Sendable, Hashable {
    /// The texts by flag name (without its dashes).
    public private(set) var texts: [String: [String]] = [:]

    public init() {}

    /// Reads `arguments` (what follows the command's name) against `table`'s flags: `--name value`,
    /// `--name=value`, a Boolean's `--name` alone (or `--name=false`), a list's flag once per item; any other
    /// flag given twice is the last one's.
    public init(_ arguments: [String], for table: some SettingsTable) throws(ConfigurationError) {
        let settings = Dictionary(table.flagged.map { ($0.flag ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ConfigurationError(
                    source: "command line",
                    key: argument,
                    message: "unexpected argument; every setting is a --flag with its value (see --help)"
                )
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            guard let setting = settings[name] else {
                throw ConfigurationError(source: "command line", key: "--" + name, message: "unknown option (--help lists them)")
            }
            let text: String
            if let inline {
                text = inline
            } else if setting.isSwitch {
                text = "true"
            } else {
                guard index < arguments.endIndex else {
                    throw ConfigurationError(source: "command line", key: "--" + name, message: "expected a value after it")
                }
                text = arguments[index]
                index += 1
            }
            // A list's flag adds an item each time; any other flag given again replaces what it was given.
            texts[name] = setting.repeats ? (texts[name] ?? []) + [text] : [text]
        }
    }

    /// The flags of `pairs` (a flag's name and its text each), as if given in that order.
    public init(_ pairs: KeyValuePairs<String, String>) {
        for (name, text) in pairs { texts[name, default: []].append(text) }
    }

    /// The texts the setting's flag was given; nil when it was not.
    public subscript<Value>(setting: Setting<Value>) -> [String]? {
        setting.flag.flatMap { texts[$0] }
    }
}

extension SettingsTable {
    /// The options part of a command's `--help`, from the table: each flag, then its help, environment
    /// variable and config key in lines short enough that the help's own wrapping leaves them alone.
    public func optionsHelp(width: Int = 78) -> String {
        var lines = ["", "OPTIONS (each also an environment variable and a config key, as shown):"]
        for setting in flagged {
            let flag = "--" + (setting.flag ?? "") + (setting.isSwitch ? "" : " <\(setting.flag ?? "")>")
            let also = [setting.environment, setting.key.map { "config " + $0 }].compactMap { $0 }.joined(separator: ", ")
            let text = (setting.isSwitch ? setting.summary : setting.help) + (also.isEmpty ? "" : " [\(also)]")
            lines.append("  " + flag)
            lines.append(contentsOf: Self.wrap(text, width: width - 6).map { "      " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    /// The table as docs/configuration.md shows it: one row per setting, flag, environment variable,
    /// config key, default and what it is.
    public func markdownTable() -> String {
        var lines = ["| flag | environment | config key | default | what |", "| --- | --- | --- | --- | --- |"]
        for setting in settings {
            let flag = setting.flag.map { "`--\($0)`" + (setting.repeats ? " (repeatable)" : "") } ?? "—"
            let environment = setting.environment.map { "`\($0)`" } ?? "—"
            let key = ([setting.key, setting.alias].compactMap { $0 }.map { "`\($0)`" }).joined(separator: " or ")
            let shown = setting.shownDefault.map { $0.isEmpty ? "—" : "`\($0)`" } ?? "none"
            lines.append("| \(flag) | \(environment) | \(key.isEmpty ? "—" : key) | \(shown) | \(setting.summary) |")
        }
        return lines.joined(separator: "\n")
    }

    private static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
