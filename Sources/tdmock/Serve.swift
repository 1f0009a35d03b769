import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TDMockCore
import TDMockServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the token service, the Digital Connect API and the inbox.",
        discussion: """
            With no arguments it listens on 127.0.0.1:8080, keeps the inbox in ./tdmock.sqlite and has one \
            OAuth client and one touchpoint, which it prints. Every option is also an environment variable \
            TDMOCK_<NAME> (TDMOCK_PORT, TDMOCK_CALLBACK_URL, ...) and a key of the YAML config file \
            (port, callback_url, ...). A flag wins over the environment, which wins over the file.

              $ tdmock serve
              $ tdmock serve --port 0 --in-memory
              $ tdmock serve --config fixtures/tdmock.yaml
              $ TDMOCK_PORT=9000 tdmock serve --db /tmp/inbox.sqlite
            """
    )

    @Option(help: "The address to listen on.") var host: String?
    @Option(help: "The port to listen on (0 picks a free one).") var port: Int?
    @Option(help: "The SQLite file of the inbox (default ./tdmock.sqlite).") var db: String?
    @Flag(help: "Keep the inbox in memory only: nothing survives a restart.") var inMemory = false
    @Option(help: "A YAML config file.") var config: String?
    @Option(help: "Add or override an OAuth client: its id.") var clientId: String?
    @Option(help: "Add or override an OAuth client: its secret.") var clientSecret: String?
    @Option(help: "Add a touchpoint id (repeatable).") var touchpoint: [String] = []
    @Option(help: "The Builder integration's base path: where callbacks go.") var callbackUrl: String?
    @Option(help: "The x-api-key sent with every callback.") var callbackApiKey: String?
    @Option(help: "Callback attempts before a delivery is marked failed (default 15).") var callbackMaxAttempts: Int?
    @Option(help: "Seconds one callback attempt may take (default 10).") var callbackTimeout: Double?
    @Option(help: "Access token lifetime in seconds (default 3600).") var tokenTtl: Int?
    @Option(help: "Make ids and tokens from a seeded generator: the same seed and requests give the same ids.") var seed: UInt64?
    @Option(help: "A bearer token the agent API then asks for (required to listen on anything but loopback).") var agentToken: String?
    @Option(help: "The x-api-key the question-response API asks for (default tdmock-question-key).") var questionApiKey: String?
    @Option(help: "The bot's Lambda, as a Lambda Invoke API URL (default the bridge's reference Lambda).") var lambdaUrl: String?
    @Option(help: "Seconds the Lambda may take before the turn is an error (default 30).") var lambdaTimeout: Double?

    var overrides: ServeOverrides {
        ServeOverrides(
            host: host, port: port, db: db, inMemory: inMemory ? true : nil, config: config, clientID: clientId,
            clientSecret: clientSecret, touchpoints: touchpoint, callbackURL: callbackUrl,
            callbackAPIKey: callbackApiKey, callbackMaxAttempts: callbackMaxAttempts, callbackTimeout: callbackTimeout,
            tokenTTL: tokenTtl, seed: seed, agentToken: agentToken, questionAPIKey: questionApiKey, lambdaURL: lambdaUrl,
            lambdaTimeout: lambdaTimeout)
    }

    func run() async throws {
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration.resolve(flags: overrides, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError("invalid configuration: \(error)")
        }
        for line in Self.banner(configuration) { Output.line(line) }
        var logger = Logger(label: "tdmock")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration, logger: logger) { port in
                Output.line("tdmock listening on http://\(host):\(port)")
                Output.line("workspace: http://\(host):\(port)/ in a browser" + (configuration.agentToken == nil ? "" : " (it asks for the agent token)"))
            }
        } catch {
            throw CLIError("cannot open the inbox: \(error)")
        }
        try await app.runService()
    }

    /// What `serve` says before it listens: where the inbox is, the clients and the touchpoints.
    static func banner(_ configuration: ServeConfiguration) -> [String] {
        var lines: [String] = []
        switch configuration.database {
        case .inMemory: lines.append("inbox: in memory (nothing survives a restart)")
        case .file(let path): lines.append("inbox: \(path)")
        }
        for client in configuration.clients {
            // Only the built-in default's secret is printed: a configured secret stays out of logs.
            let secret = client == ServeConfiguration.defaultClient ? "client_secret \(client.secret)" : "client_secret (configured)"
            lines.append("oauth client: client_id \(client.id), \(secret), scopes \(client.scopes.joined(separator: " "))")
        }
        for touchpoint in configuration.touchpoints {
            lines.append("touchpoint: \(touchpoint.id)" + (touchpoint.name.map { " (\($0))" } ?? ""))
        }
        lines.append("callbacks: " + (configuration.callback.url ?? "no callback URL set: events stay pending"))
        let key = configuration.questionAPIKey == ServeConfiguration.defaultQuestionAPIKey ? "x-api-key \(configuration.questionAPIKey)" : "x-api-key (configured)"
        lines.append("question-response API: /question-response/v1/questions, \(key)")
        lines.append("connect: /connect/v1/contacts, the bot's Lambda \(configuration.connect.lambdaURL)")
        if configuration.agentToken != nil { lines.append("agent API: asks for the agent token (Authorization: Bearer)") }
        if let seed = configuration.seed { lines.append("seed: \(seed) (ids and tokens are deterministic, not secret)") }
        for fault in configuration.faults { lines.append("fault: \(Fault.describe(fault))") }
        return lines
    }
}
