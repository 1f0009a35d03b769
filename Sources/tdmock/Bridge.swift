import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TDMockBridge
import TDMockConsole
import TDMockSettings

struct Bridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "A local stand-in for the integration's AWS side: WebSocket API, callback REST API, Lex escalation.",
        discussion: """
            It plays, on one port, what the reference architecture builds from API Gateway, Lambda and \
            DynamoDB: GET <any path>?conversationId=ID (the Lex Web UI's live chat, on whatever endpoint it is given), chat_callback on the \
            Lambda Invoke API (POST /2015-03-31/functions/chat_callback/invocations: where serve's REST API hands the \
            callbacks by default), POST /callback/<event path> (for serve --callback-url http://HOST:PORT/callback, \
            with the same --api-key), and \
            POST /lex/fulfillment (the escalation). For the question-response line it is the bot's Lambda too: \
            POST /2015-03-31/functions/fallback/invocations asks the question API (--question-api-url, default \
            the --talkdesk-url server's) and answers Lex. Every option is also TDMOCK_BRIDGE_<NAME> and a key \
            under bridge: in the config file.

              $ tdmock serve
              $ tdmock bridge --port 8090 --talkdesk-url http://127.0.0.1:8080
            """
    )

    // Names and help come from BridgeSettings, where each setting is declared once.
    private static let table = BridgeSettings.table
    @Option(name: .customLong(table.host.flag!), help: .init(table.host.help)) var host: String?
    @Option(name: .customLong(table.port.flag!), help: .init(table.port.help)) var port: Int?
    @Option(name: .customLong(table.talkdeskURL.flag!), help: .init(table.talkdeskURL.help)) var talkdeskUrl: String?
    @Option(name: .customLong(table.clientID.flag!), help: .init(table.clientID.help)) var clientId: String?
    @Option(name: .customLong(table.clientSecret.flag!), help: .init(table.clientSecret.help)) var clientSecret: String?
    @Option(name: .customLong(table.touchpoint.flag!), help: .init(table.touchpoint.help)) var touchpoint: String?
    @Option(name: .customLong(table.apiKey.flag!), help: .init(table.apiKey.help)) var apiKey: String?
    @Option(name: .customLong(table.config.flag!), help: .init(table.config.help)) var config: String?
    @Option(name: .customLong(table.questionAPIURL.flag!), help: .init(table.questionAPIURL.help)) var questionApiUrl: String?
    @Option(name: .customLong(table.questionAPIKey.flag!), help: .init(table.questionAPIKey.help)) var questionApiKey: String?

    func run() async throws {
        let flags = BridgeConfiguration.Overrides(
            host: host,
            port: port,
            talkdeskURL: talkdeskUrl,
            clientID: clientId,
            clientSecret: clientSecret,
            touchpoint: touchpoint,
            apiKey: apiKey,
            config: config,
            questionAPIURL: questionApiUrl,
            questionAPIKey: questionApiKey
        )
        let configuration: BridgeConfiguration
        do {
            configuration = try BridgeConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError("invalid configuration: \(error)")
        }
        if configuration.apiKey == nil {
            Output.line("note: no --api-key: its /callback route refuses every callback (chat_callback, behind serve's REST API, needs none)")
        }
        var logger = Logger(label: "tdmock.bridge")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let app = buildBridge(configuration, logger: logger) { port in
            for line in Self.banner(host: host, port: port, apiKey: configuration.apiKey, questionsURL: configuration.questionsURL) {
                Output.line(line)
            }
        }
        try await app.runService()
    }
}

extension Bridge {
    /// What the bridge prints once it listens: its address, then what to paste into the Lex Web UI's
    /// config and what to give `tdmock serve`.
    static func banner(host: String, port: Int, apiKey: String?, questionsURL: String) -> [String] {
        [
            "tdmock bridge listening on http://\(host):\(port)",
            "  Lex Web UI (lex-web-ui-loader-config.json): \"connect\": {\"talkDeskWebsocketEndpoint\": \"ws://\(host):\(port)/prod\"}, \"ui\": {\"enableLiveChat\": true}",
            "    (any path takes the WebSocket: the UI appends ?conversationId=ID to the endpoint)",
            "  chat_callback: http://\(host):\(port)/2015-03-31/functions/chat_callback/invocations (serve's REST API calls it;"
                + " or send callbacks straight here: tdmock serve --callback-url http://\(host):\(port)/callback --callback-api-key \(apiKey ?? "<the bridge's --api-key>"))",
            "  question-response Lambda: tdmock serve --lambda-url http://\(host):\(port)/2015-03-31/functions/fallback/invocations",
            "    (it asks the question API at \(questionsURL))",
        ]
    }
}
