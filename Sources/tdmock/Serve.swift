import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TDMockCore
import TDMockHTTP
import TDMockServer
import TDMockServices
import TDMockSettings

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Talkdesk (token service, Digital Connect, the inbox, callbacks) and the AWS services around your functions.",
        usage: "tdmock serve [--<option> <value> ...]",
        discussion: """
            With no arguments it listens on 127.0.0.1:8080, keeps the inbox in ./tdmock.sqlite and has one \
            OAuth client and one touchpoint, which it prints. Every option is also an environment variable \
            TDMOCK_<NAME> (TDMOCK_PORT, TDMOCK_CALLBACK_URL, ...) and a key of the YAML config file \
            (port, callback_url, ...). A flag wins over the environment, which wins over the file.

              $ tdmock serve
              $ tdmock serve --port 0 --in-memory
              $ tdmock serve --config fixtures/tdmock.yaml
              $ TDMOCK_PORT=9000 tdmock serve --db /tmp/inbox.sqlite

            """ + ServeSettings.table.optionsHelp()
    )

    /// Every option is a setting of `ServeSettings`, read against its table: a setting declared there with a
    /// flag is an option here, with its help (listed in the discussion, below the examples).
    @Argument(parsing: .allUnrecognized, help: .hidden) var options: [String] = []

    /// serve's settings from these arguments and the environment (and the config file they name).
    static func configuration(_ options: [String]) throws -> ServeConfiguration {
        do {
            let flags = try CommandLineFlags(options, for: ServeSettings.table)
            return try ServeConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError("invalid configuration: \(error)")
        }
    }

    func run() async throws {
        let configuration = try Self.configuration(options)
        for line in Self.banner(configuration) { Output.line(line) }
        var logger = Logger(label: "tdmock")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .warning
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        // Listening on every address, the addresses to open in a browser are this machine's own: browsers
        // refuse 0.0.0.0 (Private Network Access), so the workspace and the Lex Web UI are given localhost.
        let browsable = ["0.0.0.0", "::"].contains(configuration.host) ? "localhost" : host
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration, logger: logger) { port in
                Output.line("tdmock listening on http://\(host):\(port)")
                Output.line(
                    "workspace: http://\(browsable):\(port)/ in a browser" + (configuration.agentToken == nil ? "" : " (it asks for the agent token)")
                )
                let stage = configuration.apiGateway.webSocket.stage
                // The chat bot is named only while it is configured (a file's lex.bots replaces the defaults).
                let chatBot =
                    configuration.lex.bots.contains { $0.id == "TDMOCKCHAT" } ? "; the bot: TDMOCKCHAT, alias TSTALIASID, locale en_US" : ""
                Output.line(
                    "Lex Web UI (lex-web-ui-loader-config.json): \"connect\": {\"talkDeskWebsocketEndpoint\": \"ws://\(browsable):\(port)/apigw/ws/\(stage)\"}, "
                        + "\"ui\": {\"enableLiveChat\": true}\(chatBot)"
                )
            } onTLSRunning: { port in
                let ca = URL(fileURLWithPath: configuration.caDirectory).appendingPathComponent(LocalCA.certificateFile).path
                Output.line(
                    "tdmock listening on https://\(host):\(port) and wss://\(host):\(port)/apigw/ws/\(configuration.apiGateway.webSocket.stage)"
                )
                Output.line("local CA: \(ca) (AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS or SSL_CERT_FILE for your functions)")
            }
        } catch let failure as LocalCA.Failure {
            throw CLIError("cannot serve TLS: \(failure)")
        } catch {
            throw CLIError("cannot open the inbox: \(error)")
        }
        do {
            try await app.runService()
        } catch {
            let ports = configuration.tlsPort.map { "\(configuration.port) or \($0)" } ?? "\(configuration.port)"
            if let failure = ListenFailure(error, address: "\(host) port \(ports)") { throw CLIError("\(failure)") }
            throw error
        }
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
        let rest = configuration.apiGateway.rest
        lines.append(
            "callbacks: " + (configuration.callback.url ?? "this server's REST API, /apigw/rest/\(rest.stage)/callback (function chat_callback)")
        )
        let keys = rest.apiKeys == [APIGatewayConfiguration.RESTAPI.defaultAPIKey] ? "x-api-key \(rest.apiKeys[0])" : "x-api-keys (configured)"
        lines.append("API Gateway REST API: /apigw/rest/\(rest.stage), \(keys)")
        let key =
            configuration.questionAPIKey == ServeConfiguration.defaultQuestionAPIKey
            ? "x-api-key \(configuration.questionAPIKey)" : "x-api-key (configured)"
        lines.append("question-response API: /question-response/v1/questions, \(key)")
        let flows = configuration.connect.flows
        if flows.builtIn {
            lines.append("connect: /connect/v1/contacts, the built-in question flow; the bot's Lambda: function fallback")
        } else {
            let count = flows.flows["main"]?.actions.count ?? 0
            lines.append("connect: /connect/v1/contacts, flow \(flows.files["main"] ?? "") (\(count) actions)")
        }
        lines.append(
            "connect flow API: instance \(configuration.connect.instanceID), /contact-flows/{instance} and /contact-flow-modules/{instance} (boto3's connect client)"
        )
        for (id, file) in flows.files.sorted(by: { $0.key < $1.key }) where id != "main" {
            lines.append("connect flow \(id): \(file) (\(flows.flows[id]?.actions.count ?? 0) actions)")
        }
        for (name, url) in configuration.functions.sorted(by: { $0.key < $1.key }) { lines.append("function: \(name) -> \(url)") }
        if configuration.agentToken != nil { lines.append("agent API: asks for the agent token (Authorization: Bearer)") }
        if case .file(let path, let made) = configuration.agentTokenSource, let token = configuration.agentToken {
            // A token made here is printed once, so that the person who started a container can sign in.
            lines.append(made ? "agent token: \(token) (made now, kept in \(path))" : "agent token: the one in \(path)")
        }
        if let seed = configuration.seed { lines.append("seed: \(seed) (ids and tokens are deterministic, not secret)") }
        for fault in configuration.faults { lines.append("fault: \(Fault.describe(fault))") }
        for warning in configuration.warnings { lines.append("warning: \(warning)") }
        return lines
    }
}
