import Foundation
import TDMockCore
public import TDMockSettings

/// Every scalar setting of `tdmock serve`, each declared once: its flag, environment variable, config
/// key, default, range and help. `ServeConfiguration.resolve` reads them through `SettingSources`
/// (flag > environment > file > default); `Serve`'s options take their names and help from here; the
/// config file's known keys are read off this table (`configKeys`), so a setting added here is a key
/// the file takes. The file's lists and maps (`clients`, `touchpoints`, `faults`, `callback.paths`,
/// `connect.branches`, `connect.flows`) are read by `ConfigFile`.
public struct ServeSettings: SettingsTable, Sendable {
    /// The table.
    public static let table = ServeSettings()

    public let host = Setting<String>(
        flag: "host",
        environment: "TDMOCK_HOST",
        key: "host",
        default: "127.0.0.1",
        .text,
        "The address to listen on"
    )
    public let port = Setting<Int>(
        flag: "port",
        environment: "TDMOCK_PORT",
        key: "port",
        default: 8080,
        .integer(0...65535),
        "The port to listen on, 0 for a free one"
    )
    public let tlsPort = Setting<Int>(
        flag: "tls-port",
        environment: "TDMOCK_TLS_PORT",
        key: "tls.port",
        .integer(0...65535),
        "Also serve everything over HTTPS and WSS on this port (0 for a free one), with a certificate of tdmock's local CA"
    )
    public let caDir = Setting<String>(
        flag: "ca-dir",
        environment: "TDMOCK_CA_DIR",
        key: "tls.ca_dir",
        .text,
        "Where tdmock keeps its local CA (default: beside the inbox's file; ~/.tdmock with --in-memory)"
    )
    public let db = Setting<String>(
        flag: "db",
        environment: "TDMOCK_DB",
        key: "db",
        default: "./tdmock.sqlite",
        .text,
        "The SQLite file of the inbox"
    )
    public let inMemory = Setting<Bool>(
        flag: "in-memory",
        environment: "TDMOCK_IN_MEMORY",
        key: "in_memory",
        default: false,
        .boolean,
        "Keep the inbox in memory only: nothing survives a restart"
    )
    public let config = Setting<String>(flag: "config", environment: "TDMOCK_CONFIG", .text, "A YAML config file")
    public let clientID = Setting<String>(
        flag: "client-id",
        environment: "TDMOCK_CLIENT_ID",
        .text,
        "Add or override an OAuth client: its id (default tdmock-client)"
    )
    public let clientSecret = Setting<String>(
        flag: "client-secret",
        environment: "TDMOCK_CLIENT_SECRET",
        .text,
        "Add or override an OAuth client: its secret (default tdmock-secret)"
    )
    public let touchpoints = Setting<[String]>(
        flag: "touchpoint",
        environment: "TDMOCK_TOUCHPOINT",
        .list,
        "Add a touchpoint id, repeatable (default tp-tdmock)"
    )
    public let callbackURL = Setting<String>(
        flag: "callback-url",
        environment: "TDMOCK_CALLBACK_URL",
        key: "callback.url",
        alias: "callback_url",
        .url,
        "The Builder integration's base path: where callbacks go"
    )
    public let callbackAPIKey = Setting<String>(
        flag: "callback-api-key",
        environment: "TDMOCK_CALLBACK_API_KEY",
        key: "callback.api_key",
        alias: "callback_api_key",
        .text,
        "The x-api-key sent with every callback"
    )
    public let callbackMaxAttempts = Setting<Int>(
        flag: "callback-max-attempts",
        environment: "TDMOCK_CALLBACK_MAX_ATTEMPTS",
        key: "callback.max_attempts",
        default: 15,
        .integer(1...100),
        "Callback attempts before a delivery is marked failed"
    )
    public let callbackTimeout = Setting<Double>(
        flag: "callback-timeout",
        environment: "TDMOCK_CALLBACK_TIMEOUT",
        key: "callback.timeout",
        default: 10,
        .seconds(atMost: 300),
        "Seconds one callback attempt may take"
    )
    public let callbackRetryInitial = Setting<Double>(
        environment: "TDMOCK_CALLBACK_RETRY_INITIAL",
        key: "callback.retry_initial",
        default: 0.5,
        .seconds(atMost: 3600),
        "Seconds before the first retry of a callback"
    )
    public let callbackRetryMax = Setting<Double>(
        environment: "TDMOCK_CALLBACK_RETRY_MAX",
        key: "callback.retry_max",
        default: 30,
        .seconds(atMost: 3600),
        "The longest wait between two attempts of a callback"
    )
    public let tokenTTL = Setting<Int>(
        flag: "token-ttl",
        environment: "TDMOCK_TOKEN_TTL",
        key: "token_ttl",
        default: 3600,
        .integer(1...Int(Int32.max)),
        "Access token lifetime in seconds"
    )
    public let seed = Setting<UInt64>(
        flag: "seed",
        environment: "TDMOCK_SEED",
        key: "seed",
        .unsigned,
        "Make ids and tokens from a seeded generator: the same seed and requests give the same ids"
    )
    public let agentToken = Setting<String>(
        flag: "agent-token",
        environment: "TDMOCK_AGENT_TOKEN",
        key: "agent_token",
        .secret(
            atLeast: Self.minimumAgentTokenLength,
            "an agent token needs at least \(Self.minimumAgentTokenLength) characters (try `openssl rand -hex 16`)"
        ),
        "A bearer token the agent API then asks for (required to listen on anything but loopback)"
    )
    public let agentTokenFile = Setting<String>(
        flag: "agent-token-file",
        environment: "TDMOCK_AGENT_TOKEN_FILE",
        key: "agent_token_file",
        .text,
        "A file holding the agent token, made with a random one when missing (the container image's default: /data/agent-token)"
    )
    /// Shorter agent tokens are refused: 16 characters of hex are 64 bits, and a person picks them.
    public static let minimumAgentTokenLength = 16
    public let fastPath = Setting<Bool>(
        environment: "TDMOCK_FAST_PATH",
        key: "fast_path",
        default: true,
        .boolean,
        "Answer Send a Message in front of the router when it can be (false: every request through the router)"
    )
    public let questionAPIKey = Setting<String>(
        flag: "question-api-key",
        environment: "TDMOCK_QUESTION_API_KEY",
        key: "question_response.api_key",
        default: "tdmock-question-key",
        .text,
        "The x-api-key the question-response API asks for"
    )
    public let lambdaURL = Setting<String>(
        flag: "lambda-url",
        environment: "TDMOCK_LAMBDA_URL",
        key: "connect.lambda_url",
        default: "http://127.0.0.1:8090/2015-03-31/functions/fallback/invocations",
        .url,
        "The bot's Lambda, as a Lambda Invoke API URL (the default is the bridge's reference Lambda)"
    )
    public let flow = Setting<String>(
        flag: "flow",
        environment: "TDMOCK_FLOW",
        key: "connect.flow",
        .text,
        "A contact flow in Connect's Flow Language (a flow's exported Content) to run instead of the built-in one"
    )
    public let connectInstanceID = Setting<String>(
        flag: "connect-instance-id",
        environment: "TDMOCK_CONNECT_INSTANCE_ID",
        key: "connect.instance_id",
        default: "00000000-0000-4000-8000-00000000c0de",
        .text,
        "The Connect instance the flow API's ARNs name (any instance id is taken in a path)"
    )
    public let lambdaTimeout = Setting<Double>(
        flag: "lambda-timeout",
        environment: "TDMOCK_LAMBDA_TIMEOUT",
        key: "connect.lambda_timeout",
        default: 30,
        .seconds(atMost: 900, why: "Lambda's own limit"),
        "Seconds the Lambda may take before the turn is an error"
    )
    public let functions = Setting<[String]>(
        flag: "function",
        environment: "TDMOCK_FUNCTIONS",
        .functionEntries,
        "A function tdmock calls, NAME=URL (its Lambda Invoke API URL), repeatable; config functions: {NAME: URL}"
    )
    public let restStage = Setting<String>(
        key: "apigateway.rest.stage",
        default: "prod",
        .stageName,
        "The REST API's stage: its URL is /apigw/rest/STAGE"
    )
    public let restTimeout = Setting<Double>(
        key: "apigateway.rest.timeout",
        default: 29,
        .seconds(atMost: 900, why: "Lambda's own limit"),
        "Seconds the REST API waits for a function before it answers 504 (API Gateway's integration time-out)"
    )
    public let webSocketStage = Setting<String>(
        key: "apigateway.websocket.stage",
        default: "prod",
        .stageName,
        "The WebSocket API's stage: its URL is ws://HOST:PORT/apigw/ws/STAGE"
    )
    public let routeSelectionExpression = Setting<String>(
        key: "apigateway.websocket.route_selection_expression",
        default: "$request.body.action",
        .text,
        "Which field of a frame's JSON names its route"
    )
    public let webSocketIdleTimeout = Setting<Double>(
        key: "apigateway.websocket.idle_timeout",
        default: 600,
        .seconds(atMost: 7200, why: "API Gateway's connection limit"),
        "Seconds a WebSocket connection may stay silent before it is closed with 1001"
    )
    public let webSocketTimeout = Setting<Double>(
        key: "apigateway.websocket.timeout",
        default: 29,
        .seconds(atMost: 900, why: "Lambda's own limit"),
        "Seconds a WebSocket route's function may take (API Gateway's integration time-out)"
    )
    public let lexMatchThreshold = Setting<Double>(
        key: "lex.match_threshold",
        default: 0.5,
        .fraction,
        "The word-overlap score an intent needs to be recognized (else FallbackIntent)"
    )
    public let journalSize = Setting<Int>(
        environment: "TDMOCK_JOURNAL_SIZE",
        key: "journal_size",
        default: 1000,
        .integer(0...100_000),
        "How many requests the request journal keeps, and as many invocations the invocations journal (0: none)"
    )
    public let logLevel = Setting<String>(
        flag: "log-level",
        environment: "LOG_LEVEL",
        key: "log_level",
        default: "warning",
        .logLevel,
        "How much serve logs on standard error: trace, debug, info, notice, warning, error or critical"
    )
    public let journalBytes = Setting<Int>(
        environment: "TDMOCK_JOURNAL_BYTES",
        key: "journal_bytes",
        default: 32 << 20,
        .integer(0...(1 << 36)),
        "Bytes of events and answers the invocations journal keeps whole; past them the oldest are cut to their first 4 KiB"
    )

    // limits:
    public let maxHeaderBytes = Setting<Int>(
        key: "limits.max_header_bytes",
        default: 16 * 1024,
        .integer(1024...(1 << 20)),
        "Request line plus headers, in bytes"
    )
    public let maxConnections = Setting<Int>(
        key: "limits.max_connections",
        default: 512,
        .integer(1...100_000),
        "Connections open at once"
    )
    public let headerTimeout = Setting<Double>(
        key: "limits.header_timeout",
        default: 10,
        .seconds(),
        "Seconds from a request's first byte to the end of its headers"
    )
    public let bodyTimeout = Setting<Double>(
        key: "limits.body_timeout",
        default: 30,
        .seconds(),
        "Seconds from the end of a request's headers to the end of its body"
    )
    public let idleTimeout = Setting<Double>(
        key: "limits.idle_timeout",
        default: 120,
        .seconds(),
        "Seconds a connection may stay silent before it is closed"
    )
    public let attachmentBytes = Setting<Int>(
        key: "limits.attachment_bytes",
        default: 20 << 20,
        .integer(1...(1 << 30)),
        "The largest file the Attachments API's upload links take, in bytes"
    )

    // connect: the contact flow's words and its bot (ContactFlow holds their defaults).
    public let greeting = Setting<String>(key: "connect.greeting", default: ContactFlow().greeting, .text, "What Connect says first")
    public let errorPrompt = Setting<String>(
        key: "connect.error_prompt",
        default: ContactFlow().errorPrompt,
        .text,
        "What Connect says before it hangs up on an error"
    )
    public let branchAttribute = Setting<String>(
        key: "connect.branch_attribute",
        default: ContactFlow().branchAttribute,
        .text,
        "The session attribute the flow branches on"
    )
    public let textAttribute = Setting<String>(
        key: "connect.text_attribute",
        default: ContactFlow().textAttribute,
        .text,
        "The session attribute Connect speaks"
    )
    public let botID = Setting<String>(key: "connect.bot.id", default: LexV2.Bot().id, .text, "The bot's id")
    public let botName = Setting<String>(key: "connect.bot.name", default: LexV2.Bot().name, .text, "The bot's name")
    public let botAliasID = Setting<String>(key: "connect.bot.alias_id", default: LexV2.Bot().aliasID, .text, "The bot alias's id")
    public let botAliasName = Setting<String>(key: "connect.bot.alias_name", default: LexV2.Bot().aliasName, .text, "The bot alias's name")
    public let botLocaleID = Setting<String>(key: "connect.bot.locale_id", default: LexV2.Bot().localeID, .text, "The bot's locale")
    public let botVersion = Setting<String>(key: "connect.bot.version", default: LexV2.Bot().version, .text, "The bot's version")
}

extension SettingKind where Value == Double {
    /// A number from 0 to 1.
    static let fraction = Self(
        parse: { Double($0) },
        noun: "a number from 0 to 1",
        rule: "a number from 0 to 1",
        problem: { (0...1).contains($0) ? nil : "expected a number from 0 to 1, found \($0)" }
    )
}

extension SettingKind where Value == String {
    /// An API Gateway stage name: letters, digits and underscores.
    static let stageName = Self(
        parse: { $0.isEmpty ? nil : $0 },
        noun: "a stage name",
        rule: "a stage name (letters, digits, underscores)",
        problem: { name in
            name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && name.count <= 128
                ? nil : "expected a stage name (letters, digits, underscores), found '\(name)'"
        }
    )
}

extension SettingKind where Value == [String] {
    /// `NAME=URL,NAME=URL`: functions of the functions table (a flag repeats instead).
    static let functionEntries = Self(
        parse: { text in text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } },
        noun: "a comma-separated list of NAME=URL",
        rule: "a comma-separated list of NAME=URL",
        problem: { entries in entries.lazy.compactMap { FunctionTable.entry($0).problem }.first },
        show: { $0.joined(separator: ",") }
    )
}
