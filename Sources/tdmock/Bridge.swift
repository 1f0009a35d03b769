import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TDMockBridge
import TDMockConsole
import TDMockHTTP
import TDMockSettings

struct Bridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "The integration's reference functions (escalate, chat_socket, chat_callback, fallback) on the Lambda Invoke API.",
        usage: "tdmock bridge [--<option> <value> ...]",
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

            """ + BridgeSettings.table.optionsHelp()
    )

    /// Every option is a setting of `BridgeSettings`, read against its table (listed in the discussion).
    @Argument(parsing: .allUnrecognized, help: .hidden) var options: [String] = []

    func run() async throws {
        let configuration: BridgeConfiguration
        do {
            let flags = try CommandLineFlags(options, for: BridgeSettings.table)
            configuration = try BridgeConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError("invalid configuration: \(error)")
        }
        var logger = Logger(label: "tdmock.bridge")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .warning
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let app = buildBridge(configuration, logger: logger) { port in
            for line in Self.banner(host: host, port: port, questionsURL: configuration.questionsURL) {
                Output.line(line)
            }
        }
        do {
            try await app.runService()
        } catch {
            if let failure = ListenFailure(error, address: "\(host) port \(configuration.port)") { throw CLIError("\(failure)") }
            throw error
        }
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
