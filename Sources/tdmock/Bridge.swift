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
        abstract: "The integration's reference functions (escalate, chat_socket, chat_callback, fallback) on the Lambda Invoke API.",
        discussion: """
            The functions a team following the seed architectures deploys to Lambda, served at \
            POST /2015-03-31/functions/NAME/invocations, where tdmock serve's functions table points by \
            default: escalate (the chat bot's escalation intent: starts a Talkdesk conversation), chat_socket \
            (the WebSocket API's $connect, onMessage and $disconnect), chat_callback (the callback REST API: \
            pushes the agent's messages with PostToConnection) and fallback (the question bot: asks the \
            question API). They use only Digital Connect, the Management API and the question API of the \
            --talkdesk-url server. Every option is also TDMOCK_BRIDGE_<NAME> and a key under bridge: in the \
            config file.

              $ tdmock serve
              $ tdmock bridge
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
        var logger = Logger(label: "tdmock.bridge")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let app = buildBridge(configuration, logger: logger) { port in
            for line in Self.banner(host: host, port: port, questionsURL: configuration.questionsURL) {
                Output.line(line)
            }
        }
        try await app.runService()
    }
}

extension Bridge {
    /// What the bridge prints once it listens: its address, then each function's Invoke URL.
    static func banner(host: String, port: Int, questionsURL: String) -> [String] {
        ["tdmock bridge listening on http://\(host):\(port)"]
            + ["escalate", "chat_socket", "chat_callback", "fallback"].map { name in
                "  function: \(name) -> http://\(host):\(port)/2015-03-31/functions/\(name)/invocations"
            }
            + ["  (fallback asks the question API at \(questionsURL))"]
    }
}
