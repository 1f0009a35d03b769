import Foundation
import TDMockCore

/// An OAuth client of the token service.
public struct OAuthClient: Sendable, Hashable {
    public var id: String
    public var secret: String
    public var scopes: [String]
    /// The touchpoints its tokens may use; nil: every touchpoint.
    public var touchpoints: [String]?

    public init(id: String, secret: String, scopes: [String] = [Scope.digitalConnectWrite], touchpoints: [String]? = nil) {
        self.id = id
        self.secret = secret
        self.scopes = scopes
        self.touchpoints = touchpoints
    }
}

public enum Scope {
    /// What the Digital Connect API asks of a token.
    public static let digitalConnectWrite = "digital-connect:write"
}

/// A Digital Connect touchpoint: the entry point a conversation is started on.
public struct Touchpoint: Sendable, Hashable {
    public var id: String
    public var name: String?

    public init(id: String, name: String? = nil) {
        self.id = id
        self.name = name
    }
}

/// The Builder integration's settings: a base path, an x-api-key and one relative path per event.
public struct CallbackConfiguration: Sendable, Hashable {
    public var url: String?
    public var apiKey: String?
    public var paths: [CallbackEvent: String]
    /// Attempts before a delivery is marked failed.
    public var maxAttempts: Int
    /// Seconds one attempt may take (Builder allows 5 to 30).
    public var timeout: Double
    /// Seconds before the first retry; each retry waits twice as long, with jitter, up to `retryMax`.
    public var retryInitial: Double
    public var retryMax: Double

    public init(
        url: String? = nil, apiKey: String? = nil, paths: [CallbackEvent: String] = [:], maxAttempts: Int = 15,
        timeout: Double = 10, retryInitial: Double = 0.5, retryMax: Double = 30
    ) {
        self.url = url
        self.apiKey = apiKey
        self.paths = paths
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.retryInitial = retryInitial
        self.retryMax = retryMax
    }

    public func path(for event: CallbackEvent) -> String {
        paths[event] ?? event.defaultPath
    }
}

/// tdmock's Amazon Connect (CONTRACT §8.2, config `connect:`): the Lambda it calls and the contact flow.
public struct ConnectConfiguration: Sendable, Hashable {
    public static let defaultLambdaURL = "http://127.0.0.1:8090/2015-03-31/functions/fallback/invocations"
    /// The Lambda Invoke API URL of the bot's fulfillment Lambda (`--lambda-url`).
    public var lambdaURL = ConnectConfiguration.defaultLambdaURL
    /// Seconds the Lambda may take before the turn is an error (`--lambda-timeout`).
    public var lambdaTimeout: Double = 30
    public var flow = ContactFlow()

    public init() {}
}

/// Where the inbox lives.
public enum DatabaseLocation: Sendable, Hashable {
    case file(String)
    case inMemory
}

/// Everything `tdmock serve` runs with, after flags, environment, config file and defaults are merged.
public struct ServeConfiguration: Sendable, Hashable {
    public static let defaultClient = OAuthClient(id: "tdmock-client", secret: "tdmock-secret")
    public static let defaultTouchpoint = Touchpoint(id: "tp-tdmock", name: "tdmock default touchpoint")
    public static let defaultPort = 8080
    public static let defaultDatabasePath = "./tdmock.sqlite"

    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    public var clients: [OAuthClient]
    public var touchpoints: [Touchpoint]
    public var callback: CallbackConfiguration
    /// Lifetime of access tokens, in seconds.
    public var tokenTTL: Int
    /// Deterministic ids and tokens (`--seed`).
    public var seed: UInt64?
    /// Faults in force from the start (config `faults:`).
    public var faults: [Fault] = []
    /// The bearer token the agent API asks for; required to listen on anything but loopback.
    public var agentToken: String?
    /// Header size, connections, timeouts.
    public var limits = ServerLimits()
    /// Whether Send a Message is answered by `SendMessageFastPath` in front of the router when it can be
    /// (`TDMOCK_FAST_PATH`, config `fast_path`). Off, every request goes through the router and its
    /// middleware; the answers are the same.
    public var fastPath = true
    /// The x-api-key the question-response API asks for (`--question-api-key`, config `question_response.api_key`).
    public var questionAPIKey = ServeConfiguration.defaultQuestionAPIKey
    public static let defaultQuestionAPIKey = "tdmock-question-key"
    public var connect = ConnectConfiguration()
    /// How many requests the request journal keeps (`TDMOCK_JOURNAL_SIZE`, config `journal_size`); 0 keeps none.
    public var journalSize = 1000

    public init(
        host: String = "127.0.0.1", port: Int = ServeConfiguration.defaultPort,
        database: DatabaseLocation = .file(ServeConfiguration.defaultDatabasePath),
        clients: [OAuthClient] = [ServeConfiguration.defaultClient],
        touchpoints: [Touchpoint] = [ServeConfiguration.defaultTouchpoint],
        callback: CallbackConfiguration = CallbackConfiguration(), tokenTTL: Int = 3600
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.clients = clients
        self.touchpoints = touchpoints
        self.callback = callback
        self.tokenTTL = tokenTTL
    }
}

/// The settings one source (the command line, or the environment) gives; nil: not given there.
public struct ServeOverrides: Sendable, Hashable {
    public var host: String?
    public var port: Int?
    public var db: String?
    public var inMemory: Bool?
    public var config: String?
    public var clientID: String?
    public var clientSecret: String?
    public var touchpoints: [String]
    public var callbackURL: String?
    public var callbackAPIKey: String?
    public var callbackMaxAttempts: Int?
    public var callbackTimeout: Double?
    public var callbackRetryInitial: Double?
    public var callbackRetryMax: Double?
    public var tokenTTL: Int?
    public var seed: UInt64?
    public var agentToken: String?
    public var fastPath: Bool?
    public var questionAPIKey: String?
    public var lambdaURL: String?
    public var lambdaTimeout: Double?
    public var journalSize: Int?

    public init(
        host: String? = nil, port: Int? = nil, db: String? = nil, inMemory: Bool? = nil, config: String? = nil,
        clientID: String? = nil, clientSecret: String? = nil, touchpoints: [String] = [],
        callbackURL: String? = nil, callbackAPIKey: String? = nil, callbackMaxAttempts: Int? = nil,
        callbackTimeout: Double? = nil, callbackRetryInitial: Double? = nil, callbackRetryMax: Double? = nil,
        tokenTTL: Int? = nil, seed: UInt64? = nil, agentToken: String? = nil, fastPath: Bool? = nil,
        questionAPIKey: String? = nil, lambdaURL: String? = nil, lambdaTimeout: Double? = nil, journalSize: Int? = nil
    ) {
        self.journalSize = journalSize
        self.fastPath = fastPath
        self.questionAPIKey = questionAPIKey
        self.lambdaURL = lambdaURL
        self.lambdaTimeout = lambdaTimeout
        self.seed = seed
        self.agentToken = agentToken
        self.host = host
        self.port = port
        self.db = db
        self.inMemory = inMemory
        self.config = config
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.touchpoints = touchpoints
        self.callbackURL = callbackURL
        self.callbackAPIKey = callbackAPIKey
        self.callbackMaxAttempts = callbackMaxAttempts
        self.callbackTimeout = callbackTimeout
        self.callbackRetryInitial = callbackRetryInitial
        self.callbackRetryMax = callbackRetryMax
        self.tokenTTL = tokenTTL
    }

    /// Reads the `TDMOCK_<NAME>` variables. `TDMOCK_TOUCHPOINT` may list several ids, comma-separated.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> ServeOverrides {
        func value(_ name: String) -> String? {
            guard let value = environment["TDMOCK_" + name], !value.isEmpty else { return nil }
            return value
        }
        func integer(_ name: String) throws(ConfigurationError) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text) else {
                throw ConfigurationError(source: "environment", key: "TDMOCK_\(name)", message: "expected a whole number, found '\(text)'")
            }
            return number
        }
        func seconds(_ name: String) throws(ConfigurationError) -> Double? {
            guard let text = value(name) else { return nil }
            guard let number = Double(text), number.isFinite else {
                throw ConfigurationError(source: "environment", key: "TDMOCK_\(name)", message: "expected a number of seconds, found '\(text)'")
            }
            return number
        }
        func seed() throws(ConfigurationError) -> UInt64? {
            guard let text = value("SEED") else { return nil }
            guard let number = UInt64(text) else {
                throw ConfigurationError(source: "environment", key: "TDMOCK_SEED", message: "expected a whole number from 0, found '\(text)'")
            }
            return number
        }
        func boolean(_ name: String) throws(ConfigurationError) -> Bool? {
            guard let text = value(name) else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                throw ConfigurationError(source: "environment", key: "TDMOCK_\(name)", message: "expected true or false, found '\(text)'")
            }
        }
        return ServeOverrides(
            host: value("HOST"), port: try integer("PORT"), db: value("DB"), inMemory: try boolean("IN_MEMORY"),
            config: value("CONFIG"), clientID: value("CLIENT_ID"), clientSecret: value("CLIENT_SECRET"),
            touchpoints: value("TOUCHPOINT").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? [],
            callbackURL: value("CALLBACK_URL"), callbackAPIKey: value("CALLBACK_API_KEY"),
            callbackMaxAttempts: try integer("CALLBACK_MAX_ATTEMPTS"), callbackTimeout: try seconds("CALLBACK_TIMEOUT"),
            callbackRetryInitial: try seconds("CALLBACK_RETRY_INITIAL"), callbackRetryMax: try seconds("CALLBACK_RETRY_MAX"),
            tokenTTL: try integer("TOKEN_TTL"), seed: try seed(), agentToken: value("AGENT_TOKEN"),
            fastPath: try boolean("FAST_PATH"), questionAPIKey: value("QUESTION_API_KEY"), lambdaURL: value("LAMBDA_URL"),
            lambdaTimeout: try seconds("LAMBDA_TIMEOUT"), journalSize: try integer("JOURNAL_SIZE"))
    }
}

/// A setting that cannot be used, with where it came from.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (with `line`), `command line` or `environment`.
    public var source: String
    public var line: Int?
    public var key: String
    public var message: String

    public init(source: String, line: Int? = nil, key: String, message: String) {
        self.source = source
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return "\(place): \(key): \(message)"
    }
}

extension ServeConfiguration {
    /// Merges the sources: flag, then environment, then config file, then default.
    ///
    /// The config file is `flags.config`, else `TDMOCK_CONFIG`. Lists merge rather than replace:
    /// the file's clients and touchpoints are kept, `--client-id`/`--client-secret` add or override one
    /// client, and `--touchpoint` (else `TDMOCK_TOUCHPOINT`) adds touchpoints. The default client and
    /// touchpoint exist only when no source names any.
    public static func resolve(flags: ServeOverrides, environment: [String: String]) throws(ConfigurationError)
        -> ServeConfiguration
    {
        let env = try ServeOverrides.fromEnvironment(environment)
        let file: ConfigFile
        if let path = flags.config ?? env.config {
            file = try ConfigFile.load(path: path)
        } else {
            file = ConfigFile()
        }
        var configuration = ServeConfiguration()
        configuration.host = flags.host ?? env.host ?? file.host ?? configuration.host
        configuration.port = flags.port ?? env.port ?? file.port ?? configuration.port
        let inMemory = flags.inMemory ?? env.inMemory ?? file.inMemory ?? false
        let path = flags.db ?? env.db ?? file.db ?? defaultDatabasePath
        configuration.database = inMemory ? .inMemory : .file(path)
        configuration.tokenTTL = flags.tokenTTL ?? env.tokenTTL ?? file.tokenTTL ?? configuration.tokenTTL
        configuration.seed = flags.seed ?? env.seed ?? file.seed
        configuration.faults = file.faults
        configuration.agentToken = flags.agentToken ?? env.agentToken ?? file.agentToken
        configuration.limits = file.limits
        configuration.fastPath = flags.fastPath ?? env.fastPath ?? file.fastPath ?? true
        configuration.questionAPIKey = flags.questionAPIKey ?? env.questionAPIKey ?? file.questionAPIKey ?? defaultQuestionAPIKey
        configuration.connect = file.connect
        configuration.journalSize = flags.journalSize ?? env.journalSize ?? file.journalSize ?? configuration.journalSize
        if let url = flags.lambdaURL ?? env.lambdaURL { configuration.connect.lambdaURL = url }
        if let timeout = flags.lambdaTimeout ?? env.lambdaTimeout { configuration.connect.lambdaTimeout = timeout }

        let flagTouchpoints = flags.touchpoints.isEmpty ? env.touchpoints : flags.touchpoints
        var touchpoints = file.touchpoints
        for id in flagTouchpoints where !touchpoints.contains(where: { $0.id == id }) {
            touchpoints.append(Touchpoint(id: id))
        }
        configuration.touchpoints = touchpoints.isEmpty ? [defaultTouchpoint] : touchpoints

        var clients = file.clients.isEmpty ? [defaultClient] : file.clients
        let clientID = flags.clientID ?? env.clientID
        let clientSecret = flags.clientSecret ?? env.clientSecret
        if clientID != nil || clientSecret != nil {
            let id = clientID ?? clients[0].id
            if let index = clients.firstIndex(where: { $0.id == id }) {
                if let clientSecret { clients[index].secret = clientSecret }
            } else if file.clients.isEmpty {
                clients = [OAuthClient(id: id, secret: clientSecret ?? defaultClient.secret)]
            } else {
                clients.append(OAuthClient(id: id, secret: clientSecret ?? defaultClient.secret))
            }
        }
        configuration.clients = clients

        configuration.callback = file.callback
        if let url = flags.callbackURL ?? env.callbackURL { configuration.callback.url = url }
        if let key = flags.callbackAPIKey ?? env.callbackAPIKey { configuration.callback.apiKey = key }
        if let value = flags.callbackMaxAttempts ?? env.callbackMaxAttempts { configuration.callback.maxAttempts = value }
        if let value = flags.callbackTimeout ?? env.callbackTimeout { configuration.callback.timeout = value }
        if let value = flags.callbackRetryInitial ?? env.callbackRetryInitial { configuration.callback.retryInitial = value }
        if let value = flags.callbackRetryMax ?? env.callbackRetryMax { configuration.callback.retryMax = value }

        try configuration.validate(flags: flags, env: env)
        return configuration
    }

    /// Checks what the merge cannot: ranges, references and URLs. Names the source of a bad value.
    func validate(flags: ServeOverrides, env: ServeOverrides) throws(ConfigurationError) {
        func source(_ flag: Any?, _ envValue: Any?, _ key: String, _ envKey: String) -> (String, String) {
            if flag != nil { return ("command line", "--" + key) }
            if envValue != nil { return ("environment", envKey) }
            return ("config file", key.replacingOccurrences(of: "-", with: "_"))
        }
        if !(0...65535).contains(port) {
            let (where_, key) = source(flags.port, env.port, "port", "TDMOCK_PORT")
            throw ConfigurationError(source: where_, key: key, message: "expected a port from 0 to 65535, found \(port)")
        }
        if tokenTTL < 1 {
            let (where_, key) = source(flags.tokenTTL, env.tokenTTL, "token-ttl", "TDMOCK_TOKEN_TTL")
            throw ConfigurationError(source: where_, key: key, message: "expected a number of seconds of at least 1, found \(tokenTTL)")
        }
        if let url = callback.url, !Self.isHTTPURL(url) {
            let (where_, key) = source(flags.callbackURL, env.callbackURL, "callback-url", "TDMOCK_CALLBACK_URL")
            throw ConfigurationError(source: where_, key: key, message: "expected an http:// or https:// URL, found '\(url)'")
        }
        if !Self.isHTTPURL(connect.lambdaURL) {
            let (where_, key) = source(flags.lambdaURL, env.lambdaURL, "lambda-url", "TDMOCK_LAMBDA_URL")
            throw ConfigurationError(source: where_, key: key, message: "expected an http:// or https:// URL, found '\(connect.lambdaURL)'")
        }
        if !(connect.lambdaTimeout > 0 && connect.lambdaTimeout <= 900) {
            let (where_, key) = source(flags.lambdaTimeout, env.lambdaTimeout, "lambda-timeout", "TDMOCK_LAMBDA_TIMEOUT")
            throw ConfigurationError(source: where_, key: key, message: "expected seconds above 0 and at most 900 (Lambda's own limit), found \(connect.lambdaTimeout)")
        }
        if !(0...100_000).contains(journalSize) {
            let (where_, key) = source(flags.journalSize, env.journalSize, "journal-size", "TDMOCK_JOURNAL_SIZE")
            throw ConfigurationError(source: where_, key: key, message: "expected a whole number of requests from 0 (none kept) to 100000, found \(journalSize)")
        }
        if !(1...100).contains(callback.maxAttempts) {
            let (where_, key) = source(flags.callbackMaxAttempts, env.callbackMaxAttempts, "callback-max-attempts", "TDMOCK_CALLBACK_MAX_ATTEMPTS")
            throw ConfigurationError(source: where_, key: key, message: "expected a whole number from 1 to 100, found \(callback.maxAttempts)")
        }
        if !(callback.timeout > 0 && callback.timeout <= 300) {
            let (where_, key) = source(flags.callbackTimeout, env.callbackTimeout, "callback-timeout", "TDMOCK_CALLBACK_TIMEOUT")
            throw ConfigurationError(source: where_, key: key, message: "expected seconds above 0 and at most 300, found \(callback.timeout)")
        }
        if !(callback.retryInitial > 0 && callback.retryInitial <= callback.retryMax && callback.retryMax <= 3600) {
            let (where_, key) = source(flags.callbackRetryInitial, env.callbackRetryInitial, "callback-retry-initial", "TDMOCK_CALLBACK_RETRY_INITIAL")
            throw ConfigurationError(
                source: where_, key: key,
                message: "expected 0 < retry_initial (\(callback.retryInitial)) <= retry_max (\(callback.retryMax)) <= 3600 seconds")
        }
        if host.isEmpty {
            throw ConfigurationError(source: "command line", key: "--host", message: "expected a host name or address")
        }
        if let agentToken, agentToken.utf8.count < Self.minimumAgentTokenLength {
            let (where_, key) = source(flags.agentToken, env.agentToken, "agent-token", "TDMOCK_AGENT_TOKEN")
            throw ConfigurationError(
                source: where_, key: key,
                message: "an agent token needs at least \(Self.minimumAgentTokenLength) characters (try `openssl rand -hex 16`)")
        }
        if agentToken == nil && !Self.isLoopback(host) {
            let (where_, key) = source(flags.host, env.host, "host", "TDMOCK_HOST")
            throw ConfigurationError(
                source: where_, key: key,
                message: "listening on '\(host)' lets other machines reach the agent API; set --agent-token (TDMOCK_AGENT_TOKEN, agent_token) "
                    + "so that it asks for a bearer token, or listen on 127.0.0.1")
        }
        if case .file(let path) = database, path.isEmpty {
            throw ConfigurationError(source: "command line", key: "--db", message: "expected a file path")
        }
    }

    /// Shorter agent tokens are refused: 16 characters of hex are 64 bits, and a person picks them.
    public static let minimumAgentTokenLength = 16

    /// Whether an address to listen on is reachable from this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}
