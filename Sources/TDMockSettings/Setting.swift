import Foundation

/// One setting, declared once: its flag, its environment variable, its config file key (a dotted path
/// into the YAML file, with an older spelling as `alias`), its default, what it may be, and its help.
/// `SettingSources` reads every setting the same way: flag, then environment, then file, then default.
public struct Setting<Value: Sendable>: Sendable {
    /// The long flag without its dashes (`port` for `--port`); nil: no flag.
    public let flag: String?
    /// The environment variable (`TDMOCK_PORT`); nil: none.
    public let environment: String?
    /// The config file key (`port`, `callback.max_attempts`); nil: not in the file.
    public let key: String?
    /// A second key the file may use for it (`callback_url` for `callback.url`).
    public let alias: String?
    /// The value when no source gives one; nil: unset.
    public let defaultValue: Value?
    public let kind: SettingKind<Value>
    /// One line for `--help`: what it is; the default is added to it.
    public let summary: String

    public init(
        flag: String? = nil,
        environment: String? = nil,
        key: String? = nil,
        alias: String? = nil,
        default defaultValue: Value? = nil,
        _ kind: SettingKind<Value>,
        _ summary: String
    ) {
        self.flag = flag
        self.environment = environment
        self.key = key
        self.alias = alias
        self.defaultValue = defaultValue
        self.kind = kind
        self.summary = summary
    }

    /// The default of a setting declared with one (reading one declared without is a programming error).
    public var byDefault: Value {
        guard let defaultValue else { preconditionFailure("the setting \(key ?? flag ?? "?") has no default") }
        return defaultValue
    }

    /// The flag's help: the summary and the default, when there is one.
    public var help: String {
        guard let defaultValue else { return summary }
        return summary + " (default \(kind.show(defaultValue)))"
    }
}

/// What a setting's value may be: how a text (an environment variable, a scalar of the file) reads as
/// one, and what is wrong with a value, if anything.
public struct SettingKind<Value: Sendable>: Sendable {
    /// The value a text stands for; nil when it stands for none.
    let parse: @Sendable (String) -> Value?
    /// What a text that reads as no value is told it should be: in the environment its type, in the file
    /// the whole rule, as a person editing the file needs it.
    let noun: String
    let rule: String
    /// The whole message when a value breaks the rule (a range, a form); nil when it keeps it.
    let problem: @Sendable (Value) -> String?
    /// The value as help and messages write it.
    let show: @Sendable (Value) -> String

    public init(
        parse: @escaping @Sendable (String) -> Value?,
        noun: String,
        rule: String,
        problem: @escaping @Sendable (Value) -> String? = { _ in nil },
        show: @escaping @Sendable (Value) -> String = { "\($0)" }
    ) {
        self.parse = parse
        self.noun = noun
        self.rule = rule
        self.problem = problem
        self.show = show
    }
}

extension SettingKind where Value == Int {
    /// A whole number in `range`.
    public static func integer(_ range: ClosedRange<Int>) -> Self {
        let rule = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        return Self(
            parse: { Int($0) },
            noun: "a whole number",
            rule: rule,
            problem: { range.contains($0) ? nil : "expected \(rule), found \($0)" }
        )
    }
}

extension SettingKind where Value == UInt64 {
    /// A whole number from 0.
    public static let unsigned = Self(parse: { UInt64($0) }, noun: "a whole number from 0", rule: "a whole number from 0")
}

extension SettingKind where Value == Double {
    /// A number of seconds above 0 and, when `most` is given, at most that many (`why` says whose limit it is).
    public static func seconds(atMost most: Double? = nil, why: String? = nil) -> Self {
        let above = "a number of seconds above 0"
        return Self(
            parse: { Double($0).flatMap { $0.isFinite ? $0 : nil } },
            noun: "a number of seconds",
            rule: above,
            problem: { value in
                if !(value > 0) { return "expected \(above), found \(value)" }
                if let most, value > most {
                    return "expected at most \(Int(most)) seconds" + (why.map { " (\($0))" } ?? "") + ", found \(value)"
                }
                return nil
            },
            show: { $0.rounded() == $0 && abs($0) < 1e15 ? String(Int($0)) : String($0) }
        )
    }
}

extension SettingKind where Value == [String] {
    /// A comma-separated list (`a,b`), each item trimmed, empty ones left out; a flag repeats instead.
    public static let list = Self(
        parse: { text in text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } },
        noun: "a comma-separated list",
        rule: "a comma-separated list",
        show: { $0.joined(separator: ",") }
    )
}

extension SettingKind where Value == Bool {
    /// `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`, in any case).
    public static let boolean = Self(
        parse: { text in
            switch text.lowercased() {
            case "1", "true", "yes", "on": true
            case "0", "false", "no", "off": false
            default: nil
            }
        },
        noun: "true or false",
        rule: "true or false"
    )
}

extension SettingKind where Value == String {
    /// Any text but the empty one.
    public static let text = Self(
        parse: { $0.isEmpty ? nil : $0 },
        noun: "a non-empty string",
        rule: "a non-empty string",
        problem: { $0.isEmpty ? "expected a non-empty string" : nil }
    )

    /// One of `choices`, as written (in any case).
    public static func choice(_ choices: [String]) -> Self {
        let rule = "one of " + choices.joined(separator: ", ")
        return Self(
            parse: { text in choices.first { $0.caseInsensitiveCompare(text) == .orderedSame } },
            noun: rule,
            rule: rule
        )
    }

    /// How much a command logs on standard error: swift-log's levels.
    public static let logLevel = choice(["trace", "debug", "info", "notice", "warning", "error", "critical"])

    /// An `http://` or `https://` URL with a host.
    public static let url = Self(
        parse: { $0.isEmpty ? nil : $0 },
        noun: "an http:// or https:// URL",
        rule: "an http:// or https:// URL",
        problem: { isHTTPURL($0) ? nil : "expected an http:// or https:// URL, found '\($0)'" }
    )

    /// Text of at least `count` characters (`why` is the whole message for a shorter one).
    public static func secret(atLeast count: Int, _ why: String) -> Self {
        Self(
            parse: { $0.isEmpty ? nil : $0 },
            noun: "a non-empty string",
            rule: "a non-empty string",
            problem: { $0.utf8.count < count ? why : nil }
        )
    }

    /// Whether `text` is an `http://` or `https://` URL with a host.
    public static func isHTTPURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}

/// A setting's config keys, whatever its value's type: how a table lists the keys its file takes.
public protocol SettingKeys {
    var configKeys: [String] { get }
}

extension Setting: SettingKeys {
    public var configKeys: [String] { [key, alias].compactMap { $0 } }
}

/// A command's table of settings: a struct whose stored properties are its `Setting`s.
public protocol SettingsTable {}

extension SettingsTable {
    /// Every config key of the table (aliases too), read off its settings, so that a setting added to
    /// the table is a key the file takes.
    public var configKeys: Set<String> {
        Set(Mirror(reflecting: self).children.flatMap { ($0.value as? any SettingKeys)?.configKeys ?? [] })
    }
}
