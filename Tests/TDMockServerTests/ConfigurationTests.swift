import Foundation
import TDMockCore
import TDMockServer
import TDMockSettings
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

@Suite struct ConfigurationTests {
    func writeConfig(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func withNothingGivenItUsesTheDefaults() throws {
        let configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.database == .file("./tdmock.sqlite"))
        #expect(configuration.clients == [ServeConfiguration.defaultClient])
        #expect(configuration.touchpoints == [ServeConfiguration.defaultTouchpoint])
        #expect(configuration.callback.url == nil)
        #expect(configuration.tokenTTL == 3600)
    }

    @Test func aFlagWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() throws {
        let file = try writeConfig("port: 7001\nhost: 127.0.0.2\ntoken_ttl: 100\ndb: /tmp/from-file.sqlite\ncallback_api_key: from-file\n")
        let environment = ["TDMOCK_PORT": "7002", "TDMOCK_TOKEN_TTL": "200", "TDMOCK_CONFIG": file, "TDMOCK_CALLBACK_API_KEY": "from-env"]
        let configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(["port": "7003"]), environment: environment)
        #expect(configuration.port == 7003)  // flag over environment and file
        #expect(configuration.tokenTTL == 200)  // environment over file
        #expect(configuration.host == "127.0.0.2")  // file over default
        #expect(configuration.database == .file("/tmp/from-file.sqlite"))
        #expect(configuration.callback.apiKey == "from-env")
        #expect(configuration.callback.url == nil)  // default

        let flagOnly = try ServeConfiguration.resolve(flags: CommandLineFlags(["in-memory": "true", "config": file]), environment: [:])
        #expect(flagOnly.port == 7001)
        #expect(flagOnly.database == .inMemory)
    }

    @Test func theFastPathIsOnUnlessTheEnvironmentOrTheFileTurnsItOff() throws {
        #expect(try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: [:]).fastPath)
        #expect(try !ServeConfiguration.resolve(flags: CommandLineFlags(), environment: ["TDMOCK_FAST_PATH": "false"]).fastPath)
        let file = try writeConfig("fast_path: false\n")
        #expect(try !ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:]).fastPath)
        #expect(try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: ["TDMOCK_FAST_PATH": "on"]).fastPath)
        #expect(throws: ConfigurationError(source: "environment", key: "TDMOCK_FAST_PATH", message: "expected true or false, found 'maybe'")) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: ["TDMOCK_FAST_PATH": "maybe"])
        }
    }

    @Test func readsLimitsAndTheAgentTokenFromTheFile() throws {
        let file = try writeConfig(
            """
            host: 0.0.0.0
            agent_token: from-the-file-0123456789
            limits:
              max_header_bytes: 32768
              max_connections: 7
              header_timeout: 2.5
              body_timeout: 3
              idle_timeout: 4
            """
        )
        let configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        #expect(configuration.agentToken == "from-the-file-0123456789")
        #expect(configuration.limits == ServerLimits(maxHeaderBytes: 32768, maxConnections: 7, headerTimeout: 2.5, bodyTimeout: 3, idleTimeout: 4))
        let defaults = try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: [:])
        #expect(defaults.limits == ServerLimits())
        #expect(defaults.agentToken == nil)
    }

    @Test func listeningBeyondLoopbackNeedsAnAgentTokenOfSixteenCharacters() throws {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] {
            #expect(throws: Never.self) { try ServeConfiguration.resolve(flags: CommandLineFlags(["host": host]), environment: [:]) }
        }
        let exposed = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: ["TDMOCK_HOST": "0.0.0.0"])
        }
        #expect(exposed?.key == "TDMOCK_HOST")
        #expect(exposed?.message.contains("set --agent-token") == true)
        let short = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["host": "0.0.0.0", "agent-token": "0123456789abcde"]), environment: [:])
        }
        #expect(short?.key == "--agent-token")
        let fine = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["host": "0.0.0.0"]),
            environment: ["TDMOCK_AGENT_TOKEN": "0123456789abcdef"]
        )
        #expect(fine.agentToken == "0123456789abcdef")
    }

    @Test func anAgentTokenFileIsMadeOnceThenReadAndAGivenTokenWins() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("agent-token").path
        let environment = ["TDMOCK_HOST": "0.0.0.0", "TDMOCK_AGENT_TOKEN_FILE": path]

        let first = try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: environment)
        let made = try #require(first.agentToken)
        #expect(made.count == 64 && made.allSatisfy(\.isHexDigit))
        #expect(first.agentTokenSource == .file(path, made: true))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let second = try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: environment)
        #expect(second.agentToken == made)
        #expect(second.agentTokenSource == .file(path, made: false))

        var given = environment
        given["TDMOCK_AGENT_TOKEN"] = "given-0123456789abcdef"
        let third = try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: given)
        #expect(third.agentToken == "given-0123456789abcdef")
        #expect(third.agentTokenSource == .given)

        try "short\n".write(toFile: path, atomically: true, encoding: .utf8)
        let short = #expect(throws: ConfigurationError.self) { try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: environment) }
        #expect(short?.key == "TDMOCK_AGENT_TOKEN_FILE")
        #expect(short?.message.contains("holds 5 characters; an agent token needs at least 16") == true)

        let nowhere = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["agent-token-file": "/nonexistent/folder/token"]), environment: [:])
        }
        #expect(nowhere?.key == "--agent-token-file")
        #expect(nowhere?.message.contains("cannot write a new agent token to /nonexistent/folder/token") == true)
    }

    @Test func readsTheExampleConfigFile() throws {
        let configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": Fixtures.path("tdmock.yaml")]), environment: [:])
        #expect(configuration.clients.map(\.id) == ["lex-integration", "reporting"])
        #expect(configuration.clients[0].touchpoints == ["tp-web-chat"])
        #expect(configuration.clients[1].scopes == ["digital-connect:read"])
        #expect(
            configuration.touchpoints == [
                Touchpoint(id: "tp-web-chat", name: "Lex Web UI Chat"), Touchpoint(id: "tp-mobile", name: "Mobile app"),
                Touchpoint(id: "tp-retired", name: "Old web form", active: false),
            ]
        )
        #expect(configuration.callback.url == "http://127.0.0.1:9000/prod")
        #expect(configuration.callback.apiKey == "k-123")
        #expect(configuration.callback.path(for: .messageCreated) == "/message_created")
        #expect(configuration.functions["chat_callback"] == "http://127.0.0.1:8090/2015-03-31/functions/chat_callback/invocations")
        #expect(configuration.apiGateway.rest.apiKeys == ["tdmock-api-key"])
        #expect(configuration.apiGateway.webSocket.routes == APIGatewayConfiguration.WebSocketAPI.defaultRoutes)
        #expect(configuration.lex.matchThreshold == 0.5)
    }

    @Test func clientAndTouchpointFlagsAddToTheFile() throws {
        let flags = CommandLineFlags([
            "config": Fixtures.path("tdmock.yaml"), "client-id": "lex-integration", "client-secret": "new-secret", "touchpoint": "tp-extra",
        ])
        let configuration = try ServeConfiguration.resolve(flags: flags, environment: ["TDMOCK_TOUCHPOINT": "tp-ignored"])
        #expect(configuration.clients.first { $0.id == "lex-integration" }?.secret == "new-secret")
        #expect(configuration.clients.count == 2)
        #expect(configuration.touchpoints.map(\.id) == ["tp-web-chat", "tp-mobile", "tp-retired", "tp-extra"])

        let added = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["client-id": "mine", "client-secret": "s"]),
            environment: ["TDMOCK_TOUCHPOINT": "tp-1, tp-2"]
        )
        #expect(added.clients == [OAuthClient(id: "mine", secret: "s")])
        #expect(added.touchpoints.map(\.id) == ["tp-1", "tp-2"])
    }

    @Test func threeEventsMayShareOnePath() throws {
        let file = try writeConfig(
            """
            callback:
              url: http://127.0.0.1:9/hook
              paths:
                conversation_started: /webhook
                message_created: /webhook
                conversation_ended: /webhook
            """
        )
        let configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        #expect(CallbackEvent.allCases.map { configuration.callback.path(for: $0) } == ["/webhook", "/webhook", "/webhook"])
    }

    @Test(arguments: [
        ("port: 8080\nprot: 9000\n", 2, "prot", "unknown key"),
        ("port: eighty\n", 1, "port", "expected a whole number from 0 to 65535"),
        ("port: 70000\n", 1, "port", "expected a whole number"),
        ("token_ttl: 0\n", 1, "token_ttl", "expected a whole number from 1"),
        ("callback:\n  url: ftp://x\n", 2, "callback.url", "expected an http:// or https:// URL"),
        ("callback:\n  paths:\n    message_sent: /x\n", 3, "callback.paths.message_sent", "unknown key"),
        ("callback:\n  paths:\n    message_created: webhook\n", 3, "callback.paths.message_created", "a relative path starts with '/'"),
        ("clients:\n  - id: a\n", 2, "clients[0].secret", "every client needs a secret"),
        ("clients:\n  - id: a\n    secret: s\n    touchpoints: [tp-x]\n", 2, "clients[0].touchpoints", "touchpoint 'tp-x' is not listed"),
        ("touchpoints:\n  - id: t\n  - id: t\n", 3, "touchpoints[1].id", "listed twice"),
        ("port: [1\n", 2, "(syntax)", "not valid YAML"),
        ("limits:\n  max_connections: 0\n", 2, "limits.max_connections", "expected a whole number from 1"),
        ("limits:\n  header_timeout: -1\n", 2, "limits.header_timeout", "expected a number of seconds above 0"),
        ("limits:\n  max_header_bytes: 10\n", 2, "limits.max_header_bytes", "expected a whole number from 1024"),
        ("limits:\n  slow_loris: 1\n", 2, "limits.slow_loris", "unknown key"),
    ])
    func refusesAnInvalidFileNamingFileLineAndKey(text: String, line: Int, key: String, message: String) throws {
        let file = try writeConfig(text)
        let error = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        }
        #expect(error?.source == file)
        #expect(error?.line == line)
        #expect(error?.key == key)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("\(file):\(line): \(key): ") == true)
    }

    @Test func refusesBadValuesFromFlagsAndEnvironmentNamingThem() throws {
        let port = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: ["TDMOCK_PORT": "http"])
        }
        #expect(port?.description == "environment: TDMOCK_PORT: expected a whole number, found 'http'")
        let url = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["callback-url": "localhost:9000"]), environment: [:])
        }
        #expect(url?.key == "--callback-url")
        let missing = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["config": "/nonexistent/tdmock.yaml"]), environment: [:])
        }
        #expect(missing?.source == "/nonexistent/tdmock.yaml")
    }

    /// The command line read against the table: every form a flag takes, and what is refused.
    @Test func theCommandLineIsReadAgainstTheTable() throws {
        let table = ServeSettings.table
        let flags = try CommandLineFlags(
            ["--port=0", "--in-memory", "--touchpoint", "tp-a", "--touchpoint=tp-b", "--host", "127.0.0.2", "--host", "127.0.0.3"],
            for: table
        )
        let configuration = try ServeConfiguration.resolve(flags: flags, environment: [:])
        #expect(configuration.port == 0 && configuration.database == .inMemory && configuration.host == "127.0.0.3")
        #expect(configuration.touchpoints.map(\.id) == ["tp-a", "tp-b"])
        let off = try ServeConfiguration.resolve(
            flags: try CommandLineFlags(["--in-memory=false"], for: table),
            environment: ["TDMOCK_IN_MEMORY": "true"]
        )
        #expect(off.database != .inMemory)
        for (arguments, key, message) in [
            (["--prot", "9000"], "--prot", "unknown option"),
            (["--port"], "--port", "expected a value after it"),
            (["9000"], "9000", "unexpected argument"),
        ] {
            let refusal = #expect(throws: ConfigurationError.self) { try CommandLineFlags(arguments, for: table) }
            #expect(refusal?.source == "command line" && refusal?.key == key && refusal?.message.contains(message) == true, "\(arguments)")
        }
        let notANumber = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: try CommandLineFlags(["--port", "http"], for: table), environment: [:])
        }
        #expect(notANumber?.description == "command line: --port: expected a whole number, found 'http'")
    }

    /// `serve --port 8090` beside the bridge's default address: `fallback` would invoke itself through serve.
    @Test func aFunctionAtThisServersOwnInvokeAPIIsRefusedNamingIt() throws {
        let byDefault = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["port": "8090"]), environment: [:])
        }
        #expect(byDefault?.source == "default" && byDefault?.key == "functions")
        #expect(
            byDefault?.message.hasPrefix(
                "functions 'chat_callback', 'chat_socket', 'escalate' and 'fallback' are at this server's own Lambda Invoke API"
            ) == true
        )
        let flagged = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(
                flags: CommandLineFlags(["port": "9100", "function": "mine=http://localhost:9100/2015-03-31/functions/mine/invocations"]),
                environment: [:]
            )
        }
        #expect(flagged?.source == "command line" && flagged?.key == "--function")
        #expect(flagged?.message.hasPrefix("function 'mine' at http://localhost:9100/2015-03-31/functions/mine/invocations is this server's") == true)
        let viaLambdaURL = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(
                flags: CommandLineFlags(["port": "9102", "lambda-url": "http://127.0.0.1:9102/2015-03-31/functions/fallback/invocations"]),
                environment: [:]
            )
        }
        #expect(viaLambdaURL?.source == "command line" && viaLambdaURL?.key == "--lambda-url")
        let file = try writeConfig("port: 9101\nfunctions:\n  own: http://127.0.0.1:9101/2015-03-31/functions/own/invocations\n")
        let filed = #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        }
        #expect(filed?.line == 3 && filed?.key == "functions.own")
        // Another port, another path on this port, or a free port picked at start are fine.
        _ = try ServeConfiguration.resolve(flags: CommandLineFlags(["port": "8091"]), environment: [:])
        _ = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["port": "8092", "function": "rest=http://127.0.0.1:8092/apigw/rest/prod/x"]),
            environment: [:]
        )
        _ = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["port": "0", "lambda-url": "http://127.0.0.1:0/2015-03-31/functions/f/invocations"]),
            environment: [:]
        )
    }

    /// A file's bot replaces the default of its id; the defaults it names no bot for stay, so a file of
    /// chat bots alone still starts, with the built-in flow's question bot.
    @Test func aFilesBotsReplaceOnlyTheDefaultsOfTheirIDs() throws {
        let file = try writeConfig(
            "lex: {bots: [{id: MYCHATBOT1, intents: [{name: Hi, sample_utterances: [hi]}]}, {id: TDMOCKCHAT, intents: [{name: Only, sample_utterances: [only]}]}]}"
        )
        let configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        #expect(configuration.lex.bots.map(\.id) == ["MYCHATBOT1", "TDMOCKCHAT", "TDMOCKQBOT"])
        #expect(configuration.lex.bots[1].intents.map(\.name) == ["Only", "FallbackIntent"], "the file's TDMOCKCHAT, not the default's")
    }

    @Test func connectsBotAndEveryFunctionABotNamesAreCheckedAtStart() throws {
        for (yaml, expected) in [
            ("connect: {bot: {id: NOSUCHBOT1}}", ":1: connect.bot: No bot with id 'NOSUCHBOT1' among lex.bots"),
            (
                "lex: {bots: [{id: MYCHATBOT1, intents: [{name: Hi, sample_utterances: [hi], fulfillment: nosuch}]}]}\nconnect: {bot: {id: MYCHATBOT1}}",
                ":1: lex.bots[0].intents[0].fulfillment: no function named 'nosuch'"
            ),
            ("lex: {bots: [{id: SHORT, intents: [{name: FallbackIntent}]}]}", ":1: lex.bots[0].id: a bot id is 10 letters and digits"),
            (
                "lex: {bots: [{id: MYCHATBOT1, intents: [{name: Hi}]}]}",
                ":1: lex.bots[0].intents[0].sample_utterances: intent 'Hi' needs sample utterances"
            ),
            ("lex: {match_threshold: 2}", ":1: lex.match_threshold: expected a number from 0 to 1"),
        ] {
            let file = try writeConfig(yaml)
            #expect {
                try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test func theQuestionResponseLineIsConfiguredLikeTheRest() throws {
        let file = try writeConfig(
            """
            question_response: {api_key: from-file}
            connect:
              lambda_url: http://127.0.0.1:9000/2015-03-31/functions/function/invocations
              lambda_timeout: 5
              greeting: "Hello, ask away."
              error_prompt: "Oops."
              bot: {id: MYQUESTBOT, name: Mine, alias_id: LIVEALIAS1, alias_name: Live, locale_id: en_GB, version: "3"}
              branch_attribute: next
              text_attribute: say
              branches: {ANSWER: speak, HANGUP: disconnect}
            lex:
              bots:
                - id: MYQUESTBOT
                  aliases: [{id: LIVEALIAS1, name: Live}]
                  locales: [en_GB]
                  intents: [{name: FallbackIntent, fulfillment: fallback}]
            """
        )
        var configuration = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        #expect(configuration.questionAPIKey == "from-file")
        #expect(configuration.functions["fallback"] == "http://127.0.0.1:9000/2015-03-31/functions/function/invocations")
        #expect(configuration.connect.lambdaTimeout == 5)
        #expect(configuration.connect.flow.greeting == "Hello, ask away.")
        #expect(configuration.connect.flow.bot.localeID == "en_GB")
        #expect(configuration.connect.flow.bot.version == "3")
        #expect(configuration.connect.flow.branches == ["ANSWER": .speak, "HANGUP": .disconnect])
        configuration = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["config": file, "lambda-url": "http://127.0.0.1:3001/x"]),
            environment: ["TDMOCK_QUESTION_API_KEY": "from-env", "TDMOCK_LAMBDA_TIMEOUT": "7"]
        )
        #expect(configuration.questionAPIKey == "from-env")
        #expect(configuration.functions["fallback"] == "http://127.0.0.1:3001/x")
        #expect(configuration.connect.lambdaTimeout == 7)
        let defaults = try ServeConfiguration.resolve(flags: CommandLineFlags(), environment: [:])
        #expect(defaults.questionAPIKey == "tdmock-question-key")
        #expect(defaults.functions["fallback"] == ServeSettings.table.lambdaURL.byDefault)

        for (text, expected) in [
            ("connect: {branches: {ANSWER: sing}}", "connect.branches.ANSWER: expected speak, disconnect or failed, found 'sing'"),
            ("connect: {lambda_url: ftp://x}", "connect.lambda_url: expected an http:// or https:// URL"),
            ("connect: {lambda_timeout: 901}", "connect.lambda_timeout: expected at most 900 seconds"),
            ("connect: {bot: {colour: red}}", "connect.bot.colour: unknown key"),
            ("connect: {greting: hi}", "connect.greting: unknown key"),
            ("question_response: {key: x}", "question_response.key: unknown key"),
        ] {
            #expect(throws: ConfigurationError.self, "\(text)") {
                try ServeConfiguration.resolve(flags: CommandLineFlags(["config": writeConfig(text)]), environment: [:])
            }
            do {
                _ = try ServeConfiguration.resolve(flags: CommandLineFlags(["config": writeConfig(text)]), environment: [:])
            } catch {
                #expect(String(describing: error).contains(expected), "\(String(describing: error))")
            }
        }
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["lambda-timeout": "0"]), environment: [:])
        }
    }
}
