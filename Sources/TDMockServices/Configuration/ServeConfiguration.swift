import Foundation
public import TDMockCore
public import TDMockSettings
import Yams

/// An OAuth client of the token service.
public struct OAuthClient: Sendable, Hashable {
    public var id: String
    public var secret: String
    public var scopes: [String]
    /// The touchpoints its tokens may use; nil: every touchpoint.
    public var touchpoints: [String]?

    public init(id: String, secret: String, scopes: [String] = Scope.defaults, touchpoints: [String]? = nil) {
        self.id = id
        self.secret = secret
        self.scopes = scopes
        self.touchpoints = touchpoints
    }
}

public enum Scope {
    /// What the Digital Connect API asks of a token.
    public static let digitalConnectWrite = "digital-connect:write"
    /// What each operation of the Attachments API asks.
    public static let attachmentsRequest = "attachments:request"
    public static let attachmentsWrite = "attachments:write"
    public static let attachmentsRead = "attachments:read"
    public static let attachmentsDownload = "attachments:download"
    public static let attachmentsDelete = "attachments:delete"
    /// A client's scopes when the configuration names none: Digital Connect and the Attachments API.
    public static let defaults = [
        digitalConnectWrite, attachmentsRequest, attachmentsWrite, attachmentsRead, attachmentsDownload, attachmentsDelete,
    ]
}

/// A Digital Connect touchpoint: the entry point a conversation is started on.
public struct Touchpoint: Sendable, Hashable {
    public var id: String
    public var name: String?
    /// An inactive touchpoint exists but takes no conversations (400 `3016005`), as Talkdesk answers for one.
    public var active: Bool

    public init(id: String, name: String? = nil, active: Bool = true) {
        self.id = id
        self.name = name
        self.active = active
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
        url: String? = nil,
        apiKey: String? = nil,
        paths: [CallbackEvent: String] = [:],
        maxAttempts: Int = ServeSettings.table.callbackMaxAttempts.byDefault,
        timeout: Double = ServeSettings.table.callbackTimeout.byDefault,
        retryInitial: Double = ServeSettings.table.callbackRetryInitial.byDefault,
        retryMax: Double = ServeSettings.table.callbackRetryMax.byDefault
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

/// tdmock's Amazon Connect (config `connect:`): how long the bot's Lambda may take, and the contact flow.
/// The Lambda is the function `fallback` of the functions table (`--lambda-url` sets its URL).
public struct ConnectConfiguration: Sendable, Hashable {
    /// Seconds the Lambda may take before the turn is an error (`--lambda-timeout`).
    public var lambdaTimeout: Double = ServeSettings.table.lambdaTimeout.byDefault
    /// The instance the flow API's ARNs name (`connect.instance_id`).
    public var instanceID: String = ServeSettings.table.connectInstanceID.byDefault
    /// The built-in flow's words, attributes, branches and bot (§8.2).
    public var flow = ContactFlow()
    /// The flows Connect runs: `connect.flow` or the built-in one, `connect.flows`, and the modules of
    /// `connect.modules`.
    public var flows = FlowSet()
    /// `connect.hours`: hours of operation by id or name.
    public var hours: [String: HoursOfOperation] = [:]
    /// `connect.queues`: each queue's metrics as the server starts, by id or name.
    public var queues: [String: QueueMetrics] = [:]

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
    public static let defaultPort: Int = ServeSettings.table.port.byDefault
    public static let defaultDatabasePath: String = ServeSettings.table.db.byDefault

    public var host: String
    public var port: Int
    /// The port of the HTTPS and WSS listener (`--tls-port`), when there is one.
    public var tlsPort: Int?
    /// Where the local CA's certificate and key are kept (`--ca-dir`).
    public var caDirectory = ServeConfiguration.defaultCADirectory(.inMemory)
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
    /// Whether the agent token was given or read from (or made in) `--agent-token-file`.
    public var agentTokenSource = AgentTokenSource.given
    /// Header size, connections, timeouts.
    public var limits = ServerLimits()
    /// Whether Send a Message is answered by `SendMessageFastPath` in front of the router when it can be
    /// (`TDMOCK_FAST_PATH`, config `fast_path`). Off, every request goes through the router and its
    /// middleware; the answers are the same.
    public var fastPath: Bool = ServeSettings.table.fastPath.byDefault
    /// The x-api-key the question-response API asks for (`--question-api-key`, config `question_response.api_key`).
    public var questionAPIKey = ServeConfiguration.defaultQuestionAPIKey
    public static let defaultQuestionAPIKey: String = ServeSettings.table.questionAPIKey.byDefault
    public var connect = ConnectConfiguration()
    /// The functions tdmock's AWS services call, by name: Lambda Invoke API URLs (docs/aws.md).
    public var functions = FunctionTable.defaults
    /// API Gateway's REST and WebSocket APIs.
    public var apiGateway = APIGatewayConfiguration()
    /// Lex V2's bots.
    public var lex = LexConfiguration()
    /// What `serve` says at start about the configuration, without refusing it (an imported bot's gaps).
    public var warnings: [String] = []
    /// How many requests the request journal keeps (`TDMOCK_JOURNAL_SIZE`, config `journal_size`); 0 keeps none.
    public var journalSize: Int = ServeSettings.table.journalSize.byDefault
    /// How many bytes of events and answers the invocations journal holds (`TDMOCK_JOURNAL_BYTES`, config
    /// `journal_bytes`): the newest whole, the oldest cut past it.
    public var journalBytes: Int = ServeSettings.table.journalBytes.byDefault
    /// How much serve logs on standard error (`--log-level`, `LOG_LEVEL`, config `log_level`): swift-log's level.
    public var logLevel: String = ServeSettings.table.logLevel.byDefault

    public init(
        host: String = ServeSettings.table.host.byDefault,
        port: Int = ServeConfiguration.defaultPort,
        database: DatabaseLocation = .file(ServeConfiguration.defaultDatabasePath),
        clients: [OAuthClient] = [ServeConfiguration.defaultClient],
        touchpoints: [Touchpoint] = [ServeConfiguration.defaultTouchpoint],
        callback: CallbackConfiguration = CallbackConfiguration(),
        tokenTTL: Int = ServeSettings.table.tokenTTL.byDefault
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

extension ServeConfiguration {
    /// Merges the sources: flag, then environment, then config file, then default, each setting as
    /// `ServeSettings` declares it.
    ///
    /// The config file is `--config`, else `TDMOCK_CONFIG`. Lists merge rather than replace:
    /// the file's clients and touchpoints are kept, `--client-id`/`--client-secret` add or override one
    /// client, and `--touchpoint` (else `TDMOCK_TOUCHPOINT`) adds touchpoints. The default client and
    /// touchpoint exist only when no source names any.
    /// Beside the inbox's file; with the inbox in memory, `~/.tdmock`.
    public static func defaultCADirectory(_ database: DatabaseLocation) -> String {
        switch database {
        case .file(let path): URL(fileURLWithPath: path).deletingLastPathComponent().path
        case .inMemory: FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".tdmock").path
        }
    }

    public static func resolve(
        flags: CommandLineFlags,
        environment: [String: String]
    ) throws(ConfigurationError)
        -> ServeConfiguration
    {
        let table = ServeSettings.table
        let sources = try SettingSources.load(flags: flags, environment: environment, config: table.config)
        let file = try ConfigFile.read(sources.file)
        var configuration = ServeConfiguration()
        configuration.host = try sources.value(table.host)
        configuration.port = try sources.value(table.port)
        let inMemory = try sources.value(table.inMemory)
        let path = try sources.value(table.db)
        configuration.database = inMemory ? .inMemory : .file(path)
        configuration.tlsPort = try sources.optionalValue(table.tlsPort)
        configuration.caDirectory = try sources.optionalValue(table.caDir) ?? Self.defaultCADirectory(configuration.database)
        configuration.tokenTTL = try sources.value(table.tokenTTL)
        configuration.seed = try sources.optionalValue(table.seed)
        configuration.faults = file.faults
        configuration.agentToken = try sources.optionalValue(table.agentToken)
        configuration.limits = ServerLimits(
            maxHeaderBytes: try sources.value(table.maxHeaderBytes),
            maxConnections: try sources.value(table.maxConnections),
            headerTimeout: try sources.value(table.headerTimeout),
            bodyTimeout: try sources.value(table.bodyTimeout),
            idleTimeout: try sources.value(table.idleTimeout),
            attachmentBytes: try sources.value(table.attachmentBytes)
        )
        configuration.fastPath = try sources.value(table.fastPath)
        configuration.questionAPIKey = try sources.value(table.questionAPIKey)
        configuration.journalSize = try sources.value(table.journalSize)
        configuration.journalBytes = try sources.value(table.journalBytes)
        configuration.logLevel = try sources.value(table.logLevel)

        configuration.connect.lambdaTimeout = try sources.value(table.lambdaTimeout)
        configuration.connect.instanceID = try sources.value(table.connectInstanceID)
        var flow = ContactFlow()
        flow.greeting = try sources.value(table.greeting)
        flow.errorPrompt = try sources.value(table.errorPrompt)
        flow.branchAttribute = try sources.value(table.branchAttribute)
        flow.textAttribute = try sources.value(table.textAttribute)
        flow.bot.id = try sources.value(table.botID)
        flow.bot.name = try sources.value(table.botName)
        flow.bot.aliasID = try sources.value(table.botAliasID)
        flow.bot.aliasName = try sources.value(table.botAliasName)
        flow.bot.localeID = try sources.value(table.botLocaleID)
        flow.bot.version = try sources.value(table.botVersion)
        if let branches = file.branches { flow.branches = branches }
        configuration.connect.flow = flow
        configuration.connect.hours = file.hours
        configuration.connect.queues = file.queues

        configuration.apiGateway.rest.stage = try sources.value(table.restStage)
        configuration.apiGateway.rest.timeout = try sources.value(table.restTimeout)
        configuration.apiGateway.webSocket.stage = try sources.value(table.webSocketStage)
        configuration.apiGateway.webSocket.routeSelectionExpression = try sources.value(table.routeSelectionExpression)
        configuration.apiGateway.webSocket.idleTimeout = try sources.value(table.webSocketIdleTimeout)
        configuration.apiGateway.webSocket.timeout = try sources.value(table.webSocketTimeout)
        if let routes = file.webSocketRoutes { configuration.apiGateway.webSocket.routes = routes }
        configuration.lex.matchThreshold = try sources.value(table.lexMatchThreshold)
        // A file's bot replaces the default of the same id; the defaults it names no bot for stay, so a
        // file of chat bots alone keeps the question bot the built-in flow talks to.
        if let bots = file.lexBots {
            configuration.lex.bots = bots + configuration.lex.bots.filter { preset in !bots.contains { $0.id == preset.id } }
        }
        configuration.warnings = file.warnings
        if let keys = file.restAPIKeys { configuration.apiGateway.rest.apiKeys = keys }
        if let routes = file.restRoutes { configuration.apiGateway.rest.routes = routes }

        // The table: the reference functions, `fallback` at --lambda-url, then the file's, then the flags' (or
        // the environment's) entries, each replacing its name.
        configuration.functions["fallback"] = try sources.value(table.lambdaURL)
        configuration.functions.merge(file.functions) { _, new in new }
        var flaggedFunctions: Set<String> = []
        for text in try sources.optionalValue(table.functions) ?? [] {
            let entry = FunctionTable.entry(text)
            configuration.functions[entry.name] = entry.url
            flaggedFunctions.insert(entry.name)
        }

        let flagTouchpoints = try sources.optionalValue(table.touchpoints) ?? []
        var touchpoints = file.touchpoints
        for id in flagTouchpoints where !touchpoints.contains(where: { $0.id == id }) {
            touchpoints.append(Touchpoint(id: id))
        }
        configuration.touchpoints = touchpoints.isEmpty ? [defaultTouchpoint] : touchpoints

        var clients = file.clients.isEmpty ? [defaultClient] : file.clients
        let clientID = try sources.optionalValue(table.clientID)
        let clientSecret = try sources.optionalValue(table.clientSecret)
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

        configuration.callback = CallbackConfiguration(
            url: try sources.optionalValue(table.callbackURL),
            apiKey: try sources.optionalValue(table.callbackAPIKey),
            paths: file.callbackPaths,
            maxAttempts: try sources.value(table.callbackMaxAttempts),
            timeout: try sources.value(table.callbackTimeout),
            retryInitial: try sources.value(table.callbackRetryInitial),
            retryMax: try sources.value(table.callbackRetryMax)
        )

        try configuration.checkFunctionsNamed(in: sources.file)
        try configuration.checkNoFunctionIsServe(sources, flagged: flaggedFunctions, fileFunctions: file.functions)
        try configuration.checkBots(in: sources.file)
        let flowFile = try sources.optionalValue(table.flow)
        if flowFile == nil { try configuration.checkBuiltInFlowsBot(in: sources.file) }
        try configuration.loadFlows(
            main: flowFile.map { path in
                let origin = sources.origin(table.flow)
                let place = sources.refusal(table.flow, origin, "")
                if case .file = origin, let document = sources.file { return (document.resolve(path), place) }
                return (path, place)
            },
            others: file.flows,
            modules: file.modules
        )
        try configuration.readAgentTokenFile(sources)
        try configuration.checkTogether(sources)
        return configuration
    }

    /// What no one setting's rule can check: the retry waits' order, and an agent token for any address
    /// beyond loopback. Names the source of the value to change.
    func checkTogether(_ sources: SettingSources) throws(ConfigurationError) {
        let table = ServeSettings.table
        if callback.retryInitial > callback.retryMax {
            let setting = table.callbackRetryInitial
            throw sources.refusal(
                setting,
                sources.origin(setting),
                "expected 0 < retry_initial (\(callback.retryInitial)) <= retry_max (\(callback.retryMax)) <= 3600 seconds"
            )
        }
        if agentToken == nil && !Self.isLoopback(host) {
            throw sources.refusal(
                table.host,
                sources.origin(table.host),
                "listening on '\(host)' lets other machines reach the agent API; set --agent-token (TDMOCK_AGENT_TOKEN, agent_token) "
                    + "so that it asks for a bearer token, or listen on 127.0.0.1"
            )
        }
    }

    /// Every function a route names is in the functions table, whichever source filled it.
    func checkFunctionsNamed(in file: ConfigDocument?) throws(ConfigurationError) {
        for (route, function) in apiGateway.webSocket.routes.sorted(by: { $0.key < $1.key }) where functions[function] == nil {
            let key = "apigateway.websocket.routes.\(route)"
            let message = "no function named '\(function)': add it under functions (or with --function \(function)=URL)"
            if let file, let node = file.node(at: "apigateway.websocket.routes")?.mapping?[route] { throw file.error(node, key, message) }
            throw ConfigurationError(source: "configuration", key: key, message: message)
        }
        for (index, route) in apiGateway.rest.routes.enumerated() where functions[route.function] == nil {
            let key = "apigateway.rest.routes[\(index)].function"
            let message = "no function named '\(route.function)': add it under functions (or with --function \(route.function)=URL)"
            if let file, let node = file.node(at: "apigateway.rest.routes")?.sequence?[index] { throw file.error(node, key, message) }
            throw ConfigurationError(source: "configuration", key: key, message: message)
        }
    }

    /// No function's URL is this server's own Invoke API: `serve --port 8090` beside the bridge's default
    /// address would otherwise have `fallback` invoke itself through serve, turn after turn. Names the
    /// source that gave the URL (a `--function` / `TDMOCK_FUNCTIONS` entry, the file's `functions`, or
    /// `--lambda-url` for `fallback`); `flagged` are the functions a `--function` / `TDMOCK_FUNCTIONS` entry named.
    func checkNoFunctionIsServe(_ sources: SettingSources, flagged: Set<String>, fileFunctions: [String: String]) throws(ConfigurationError) {
        guard port != 0 else { return }
        let own = functions.keys.sorted().filter { Self.isOwnInvokeAPI(functions[$0] ?? "", host: host, port: port) }
        guard let first = own.first else { return }
        let names = own.map { "'\($0)'" }
        let which =
            own.count == 1
            ? "function \(names[0]) at \(functions[first] ?? "") is"
            : "functions \(names.dropLast().joined(separator: ", ")) and \(names[names.count - 1]) are at"
        let message =
            "\(which) this server's own Lambda Invoke API (serve listens on port \(port)), so each call would come back to serve "
            + "itself: give serve another --port (tdmock bridge listens on 8090), or the function\(own.count == 1 ? "" : "s") a URL of \(own.count == 1 ? "its" : "their") own"
        // The source to change: a --function / TDMOCK_FUNCTIONS entry, else the file's functions, else --lambda-url.
        let table = ServeSettings.table
        if own.contains(where: flagged.contains) {
            throw sources.refusal(table.functions, sources.origin(table.functions), message)
        }
        if let name = own.first(where: { fileFunctions[$0] != nil }), let file = sources.file,
            let node = file.node(at: "functions")?.mapping?[name]
        {
            throw file.error(node, "functions." + name, message)
        }
        if own.contains("fallback"), case let origin = sources.origin(table.lambdaURL), !origin.isDefault {
            throw sources.refusal(table.lambdaURL, origin, message)
        }
        // The reference functions' default URLs: the port is what to change.
        throw ConfigurationError(source: "default", key: own.count == 1 ? "functions." + first : "functions", message: message)
    }

    /// Whether `url` is the Lambda Invoke API of a server listening on `host`:`port` on this machine.
    static func isOwnInvokeAPI(_ url: String, host: String, port: Int) -> Bool {
        guard let components = URLComponents(string: url), let urlHost = components.host?.lowercased(),
            components.path.hasPrefix("/2015-03-31/functions/")
        else { return false }
        let urlPort = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        let bare = urlHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let local =
            isLoopback(bare) || bare == "0.0.0.0" || bare == "::"
            || bare == host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return local && urlPort == port
    }

    /// Every function a bot's intent names is in the functions table.
    func checkBots(in file: ConfigDocument?) throws(ConfigurationError) {
        for (botIndex, bot) in lex.bots.enumerated() {
            for (intentIndex, intent) in bot.intents.enumerated() {
                for (field, function) in [("fulfillment", intent.fulfillment), ("dialog_hook", intent.dialogHook)] {
                    guard let function, functions[function] == nil else { continue }
                    let key = "lex.bots[\(botIndex)].intents[\(intentIndex)].\(field)"
                    let message = "no function named '\(function)': add it under functions (or with --function \(function)=URL)"
                    if let file, let node = file.node(at: "lex.bots")?.sequence?[botIndex] { throw file.error(node, key, message) }
                    throw ConfigurationError(source: "configuration", key: key, message: message)
                }
            }
        }
    }

    /// The built-in flow's bot (`connect.bot`) is one of `lex.bots`.
    func checkBuiltInFlowsBot(in file: ConfigDocument?) throws(ConfigurationError) {
        let bot = connect.flow.bot
        if case .failure(let failure) = lex.bot(bot.id, alias: bot.aliasID, locale: bot.localeID) {
            let message = "\(failure.message) among lex.bots: the built-in flow's bot must be one of them (or give connect.flow)"
            if let file, let node = file.node(at: "connect.bot") { throw file.error(node, "connect.bot", message) }
            throw ConfigurationError(source: "configuration", key: "connect.bot.id", message: message)
        }
    }

    /// Whether an address to listen on is reachable from this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
