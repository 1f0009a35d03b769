import AsyncHTTPClient
import Foundation
import TDMockBridge
import TDMockCore
import TDMockServices
import TDMockSettings
import Testing

@testable import TDMockStore

@Suite struct ServeTests {
    @Test func startsWithNoConfigurationAndPrintsWhatToUse() async throws {
        let directory = try Repository.temporaryDirectory()
        let server = try await Server.start(directory: directory)
        let output = server.process.standardOutput
        #expect(
            output.contains(
                "oauth client: client_id tdmock-client, client_secret tdmock-secret, scopes digital-connect:write attachments:request attachments:write"
            )
        )
        #expect(output.contains("touchpoint: tp-tdmock"))
        #expect(output.contains("inbox: ./tdmock.sqlite"))
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        #expect(!server.url.hasSuffix(":0"))
        let health = try await HTTP.call(.GET, server.url + "/healthz")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tdmock.sqlite").path))
        server.process.signal(SIGTERM)
        #expect(try await server.process.waitForExit() == 0)
    }

    @Test func nothingAcknowledgedIsLostWhenTheServerIsKilled() async throws {
        let directory = try Repository.temporaryDirectory()
        let db = directory.appendingPathComponent("inbox.sqlite").path
        let first = try await Server.start(["--db", db])
        let token = try await HTTP.token(first.url)
        let start = try await HTTP.json(
            .POST,
            first.url + "/digital-connect/conversations",
            token: token,
            body: try String(contentsOf: Repository.root.appendingPathComponent("fixtures/start-conversation.json"), encoding: .utf8)
        )
        #expect(start.status == 201)
        let id = try #require(start.json["id"] as? String)
        let sent = try await HTTP.json(
            .POST,
            first.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"before the crash"}"#,
            key: "m-1"
        )
        #expect(sent.status == 201)
        first.process.signal(SIGKILL)
        _ = try await first.process.waitForExit()

        // Read back from the file, as the next server will.
        let database = try AppDatabase.open(path: db)
        let messages = try await database.reader.read { try Inbox.messages($0, conversationID: id) }
        #expect(messages.last?.content == "before the crash")
        #expect(messages.last?.id == sent.json["message_id"] as? String)

        let second = try await Server.start(["--db", db])
        // The token the integration holds still works, the idempotent replay finds the first answer.
        let replay = try await HTTP.json(
            .POST,
            second.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"before the crash"}"#,
            key: "m-1"
        )
        #expect(replay.status == 201)
        #expect(replay.body == sent.body)
        let after = try await HTTP.json(
            .POST,
            second.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"after the restart"}"#
        )
        #expect(after.status == 201)
        let end = try await HTTP.json(.DELETE, second.url + "/digital-connect/conversations/\(id)", token: token)
        #expect(end.status == 204)
        second.process.signal(SIGINT)
        #expect(try await second.process.waitForExit() == 0)
        let final = try await database.reader.read { db in (try Inbox.conversation(db, id: id), try Inbox.messages(db, conversationID: id)) }
        #expect(final.0?.status == .ended)
        #expect(final.1.map(\.content).suffix(2) == ["before the crash", "after the restart"])
    }

    /// `--help` lists every flag of the settings tables, and a flag of none is refused naming it.
    @Test func helpListsEveryFlagOfTheTablesAndAnUnknownFlagIsRefused() async throws {
        for (command, flags) in [
            ("serve", ServeSettings.table.flagged.compactMap(\.flag)), ("bridge", BridgeSettings.table.flagged.compactMap(\.flag)),
        ] {
            let help = try TDMockProcess([command, "--help"])
            #expect(try await help.waitForExit() == 0)
            for flag in flags { #expect(help.standardOutput.contains("  --\(flag)"), "\(command) --help lacks --\(flag)") }
        }
        let typo = try TDMockProcess(["serve", "--prot", "9000"])
        #expect(try await typo.waitForExit() != 0)
        try await eventually("the refusal") { typo.standardError.contains("command line: --prot: unknown option") }
        let text = try TDMockProcess(["serve", "--port", "http"])
        #expect(try await text.waitForExit() != 0)
        try await eventually("the refusal") { text.standardError.contains("command line: --port: expected a whole number, found 'http'") }
    }

    @Test func aPortInUseEndsServeWithTheWayOutAndHealthSaysWhoAnswers() async throws {
        let first = try await Server.start(["--in-memory"])
        let port = String(first.url.split(separator: ":").last!)
        // Serve's other services end with the listener: before, the callback deliverer kept the process up.
        let second = try TDMockProcess(["serve", "--in-memory", "--port", port])
        #expect(try await second.waitForExit() == 1)
        try await eventually("the refusal") {
            second.standardError.contains(
                "cannot listen on 127.0.0.1 port \(port): the port is in use (is another tdmock running? --port 0 picks a free one)"
            )
        }

        let healthy = try TDMockProcess(["health", "--server", first.url])
        #expect(try await healthy.waitForExit() == 0)
        try await eventually("ok") { healthy.standardOutput.contains("ok: \(first.url)") }
        let quiet = try TDMockProcess(["health", "--quiet"], environment: ["TDMOCK_PORT": port])
        #expect(try await quiet.waitForExit() == 0)
        #expect(quiet.standardOutput.isEmpty)
        first.process.signal(SIGTERM)
        #expect(try await first.process.waitForExit() == 0)
        let down = try TDMockProcess(["health", "--server", first.url])
        #expect(try await down.waitForExit() == 1)
        try await eventually("unhealthy") { down.standardError.contains("unhealthy: cannot reach tdmock at \(first.url)") }
    }

    @Test func refusesAnInvalidConfigFileAtStartNamingFileLineAndKey() async throws {
        let directory = try Repository.temporaryDirectory()
        let file = directory.appendingPathComponent("bad.yaml")
        try "port: 8080\ncallback:\n  url: not a url\n".write(to: file, atomically: true, encoding: .utf8)
        let process = try TDMockProcess(["serve", "--config", file.path])
        #expect(try await process.waitForExit() != 0)
        #expect(process.standardError.contains("\(file.path):3: callback.url: expected an http:// or https:// URL"), "\(process.standardError)")
    }

    @Test func environmentVariablesConfigureServe() async throws {
        let server = try await Server.start(environment: [
            "TDMOCK_IN_MEMORY": "true", "TDMOCK_CLIENT_ID": "lex", "TDMOCK_CLIENT_SECRET": "s3cret", "TDMOCK_TOUCHPOINT": "tp-web-chat",
        ])
        #expect(server.process.standardOutput.contains("inbox: in memory"))
        #expect(server.process.standardOutput.contains("client_id lex, client_secret (configured)"))
        let token = try await HTTP.token(server.url, client: "lex", secret: "s3cret")
        let start = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations",
            token: token,
            body: #"{"touchpoint_id":"tp-web-chat","contact_person":{"email":"a@b.c"}}"#
        )
        #expect(start.status == 201)
        server.process.signal(SIGTERM)
        #expect(try await server.process.waitForExit() == 0)
    }
}
