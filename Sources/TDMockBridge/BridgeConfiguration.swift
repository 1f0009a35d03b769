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

    /// Where the reference Lambda posts questions.
    public var questionsURL: String {
        var base = questionAPIURL ?? talkdeskURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/questions") ? base : base + "/question-response/v1/questions"
    }

    public init() {}

    /// The settings the command line gives; nil: not given there.
    public struct Overrides: Sendable, Hashable {
        public var host: String?
        public var port: Int?
        public var talkdeskURL: String?
        public var clientID: String?
        public var clientSecret: String?
        public var touchpoint: String?
        public var config: String?
        public var questionAPIURL: String?
        public var questionAPIKey: String?

        public init(
            host: String? = nil,
            port: Int? = nil,
            talkdeskURL: String? = nil,
            clientID: String? = nil,
            clientSecret: String? = nil,
            touchpoint: String? = nil,
            config: String? = nil,
            questionAPIURL: String? = nil,
            questionAPIKey: String? = nil
        ) {
            self.questionAPIURL = questionAPIURL
            self.questionAPIKey = questionAPIKey
            self.host = host
            self.port = port
            self.talkdeskURL = talkdeskURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.touchpoint = touchpoint
            self.config = config
        }
    }

    /// Merges the sources, each setting as `BridgeSettings` declares it. The config file is `--config`,
    /// else `TDMOCK_BRIDGE_CONFIG`, else `TDMOCK_CONFIG` (the file `tdmock serve` reads too): the bridge
    /// reads its `bridge:` section, refusing unknown keys there, and leaves the rest to serve.
    public static func resolve(flags: Overrides, environment: [String: String]) throws(ConfigurationError) -> BridgeConfiguration {
        let table = BridgeSettings.table
        let sources = try SettingSources.load(
            environment: environment,
            configFlag: flags.config,
            configVariables: [table.config.environment, "TDMOCK_CONFIG"].compactMap { $0 }
        )
        try sources.file?.checkKeys(table.configKeys, in: "bridge")
        var configuration = BridgeConfiguration()
        configuration.host = try sources.value(table.host, flag: flags.host)
        configuration.port = try sources.value(table.port, flag: flags.port)
        configuration.talkdeskURL = try sources.value(table.talkdeskURL, flag: flags.talkdeskURL)
        configuration.clientID = try sources.value(table.clientID, flag: flags.clientID)
        configuration.clientSecret = try sources.value(table.clientSecret, flag: flags.clientSecret)
        configuration.touchpoint = try sources.value(table.touchpoint, flag: flags.touchpoint)
        configuration.questionAPIURL = try sources.optionalValue(table.questionAPIURL, flag: flags.questionAPIURL)
        configuration.questionAPIKey = try sources.value(table.questionAPIKey, flag: flags.questionAPIKey)
        return configuration
    }
}
