import Foundation
public import TDMockSettings

/// Every setting of `tdmock bridge`, each declared once: flag, `TDMOCK_BRIDGE_<NAME>`, a key of the
/// config file's `bridge:` section, default and rule. `BridgeConfiguration.resolve` reads them through
/// `SettingSources`, as `tdmock serve` reads its own; `Bridge`'s options take their names and help here.
public struct BridgeSettings: SettingsTable, Sendable {
    /// The table.
    public static let table = BridgeSettings()

    public let host = Setting<String>(
        flag: "host",
        environment: "TDMOCK_BRIDGE_HOST",
        key: "bridge.host",
        default: "127.0.0.1",
        .text,
        "The address to listen on"
    )
    public let port = Setting<Int>(
        flag: "port",
        environment: "TDMOCK_BRIDGE_PORT",
        key: "bridge.port",
        default: 8090,
        .integer(0...65535),
        "The port to listen on, 0 for a free one"
    )
    public let talkdeskURL = Setting<String>(
        flag: "talkdesk-url",
        environment: "TDMOCK_BRIDGE_TALKDESK_URL",
        key: "bridge.talkdesk_url",
        default: "http://127.0.0.1:8080",
        .url,
        "The Talkdesk to call: a tdmock serve"
    )
    public let clientID = Setting<String>(
        flag: "client-id",
        environment: "TDMOCK_BRIDGE_CLIENT_ID",
        key: "bridge.client_id",
        default: "tdmock-client",
        .text,
        "The OAuth client id"
    )
    public let clientSecret = Setting<String>(
        flag: "client-secret",
        environment: "TDMOCK_BRIDGE_CLIENT_SECRET",
        key: "bridge.client_secret",
        default: "tdmock-secret",
        .text,
        "The OAuth client secret"
    )
    public let touchpoint = Setting<String>(
        flag: "touchpoint",
        environment: "TDMOCK_BRIDGE_TOUCHPOINT",
        key: "bridge.touchpoint",
        default: "tp-tdmock",
        .text,
        "The touchpoint conversations start on"
    )
    public let config = Setting<String>(
        flag: "config",
        environment: "TDMOCK_BRIDGE_CONFIG",
        .text,
        "A YAML config file (its bridge: section; else TDMOCK_CONFIG's)"
    )
    public let questionAPIURL = Setting<String>(
        flag: "question-api-url",
        environment: "TDMOCK_BRIDGE_QUESTION_API_URL",
        key: "bridge.question_api_url",
        .url,
        "The question-response API the reference Lambda asks (none: the --talkdesk-url server's)"
    )
    public let questionAPIKey = Setting<String>(
        flag: "question-api-key",
        environment: "TDMOCK_BRIDGE_QUESTION_API_KEY",
        key: "bridge.question_api_key",
        default: "tdmock-question-key",
        .text,
        "The question API's x-api-key"
    )
    public let logLevel = Setting<String>(
        flag: "log-level",
        environment: "LOG_LEVEL",
        key: "bridge.log_level",
        default: "warning",
        .logLevel,
        "How much the bridge logs on standard error: trace, debug, info, notice, warning, error or critical"
    )
}

/// `tdmock bridge`'s settings: flag, then `TDMOCK_BRIDGE_<NAME>`, then the config file's `bridge:` section,
/// then the default.
public struct BridgeConfiguration: Sendable, Hashable {
    public var host: String = BridgeSettings.table.host.byDefault
    public var port: Int = BridgeSettings.table.port.byDefault
    /// The Talkdesk (a `tdmock serve`) the bridge calls.
    public var talkdeskURL: String = BridgeSettings.table.talkdeskURL.byDefault
    public var clientID: String = BridgeSettings.table.clientID.byDefault
    public var clientSecret: String = BridgeSettings.table.clientSecret.byDefault
    public var touchpoint: String = BridgeSettings.table.touchpoint.byDefault
    /// The question-response API the reference Lambda asks; nil: the `talkdeskURL` server's.
    public var questionAPIURL: String?
    public var questionAPIKey: String = BridgeSettings.table.questionAPIKey.byDefault
    /// How much the bridge logs on standard error: swift-log's level.
    public var logLevel: String = BridgeSettings.table.logLevel.byDefault

    /// Where the reference Lambda posts questions.
    public var questionsURL: String {
        var base = questionAPIURL ?? talkdeskURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/questions") ? base : base + "/question-response/v1/questions"
    }

    public init() {}

    /// Merges the sources, each setting as `BridgeSettings` declares it. The config file is `--config`,
    /// else `TDMOCK_BRIDGE_CONFIG`, else `TDMOCK_CONFIG` (the file `tdmock serve` reads too): the bridge
    /// reads its `bridge:` section, refusing unknown keys there, and leaves the rest to serve.
    public static func resolve(flags: CommandLineFlags, environment: [String: String]) throws(ConfigurationError) -> BridgeConfiguration {
        let table = BridgeSettings.table
        let sources = try SettingSources.load(flags: flags, environment: environment, config: table.config, moreVariables: ["TDMOCK_CONFIG"])
        try sources.file?.checkKeys(table.configKeys, in: "bridge")
        var configuration = BridgeConfiguration()
        configuration.host = try sources.value(table.host)
        configuration.port = try sources.value(table.port)
        configuration.talkdeskURL = try sources.value(table.talkdeskURL)
        configuration.clientID = try sources.value(table.clientID)
        configuration.clientSecret = try sources.value(table.clientSecret)
        configuration.touchpoint = try sources.value(table.touchpoint)
        configuration.questionAPIURL = try sources.optionalValue(table.questionAPIURL)
        configuration.questionAPIKey = try sources.value(table.questionAPIKey)
        configuration.logLevel = try sources.value(table.logLevel)
        return configuration
    }
}
