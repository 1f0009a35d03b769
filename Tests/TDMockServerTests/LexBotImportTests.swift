import Foundation
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import TDMockSettings
import Testing
import ZIPFoundation

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// `lex.bots[].import`: a Lex V2 bot export, the folder or its `.zip` (docs/contact-flows.md).
@Suite struct LexBotImportTests {
    let export = Fixtures.folder.appendingPathComponent("lex-export")

    func resolve(_ yaml: String) throws -> ServeConfiguration {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-import-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
    }

    func checkQuestionBot(_ configuration: ServeConfiguration) throws {
        let bot = try #require(configuration.lex.bots.first { $0.id == "QUESTBOT01" })
        #expect(bot.name == "QuestionBot")
        #expect(bot.locales == ["en_US"])
        #expect(bot.idleSessionTTL == 300)
        #expect(bot.aliases == [LexBot.Alias(id: "TSTALIASID", name: "TestBotAlias")])
        let fallback = try #require(bot.intents.first { $0.name == "FallbackIntent" })
        #expect(fallback.fulfillment == "fallback")
        #expect(fallback.dialogHook == nil)
        let unused = try #require(bot.intents.first { $0.name == "Unused" })
        #expect(unused.sampleUtterances == ["this intent is never used"])
        #expect(unused.fulfillment == nil)
        #expect(unused.closingMessage == "This intent is not used.")
        #expect(configuration.warnings.isEmpty, "\(configuration.warnings)")
    }

    @Test func theUnpackedFolderIsRead() throws {
        try checkQuestionBot(
            try resolve("lex:\n  bots:\n    - import: \(export.path)\nconnect: {bot: {id: QUESTBOT01}}\n")
        )
    }

    /// As AWS hands it over: a .zip (written here from the fixture folder, names as they are).
    @Test func theZipIsRead() throws {
        let zip = FileManager.default.temporaryDirectory.appendingPathComponent("QuestionBot-\(UUID().uuidString)_LexJson.zip")
        try FileManager.default.zipItem(at: export, to: zip, shouldKeepParent: false)
        defer { try? FileManager.default.removeItem(at: zip) }
        try checkQuestionBot(try resolve("lex:\n  bots:\n    - import: \(zip.path)\nconnect: {bot: {id: QUESTBOT01}}\n"))
    }

    @Test func whatWouldKeepTheSeedsPatternFromWorkingIsSaid() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-export-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: export, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let intents = folder.appendingPathComponent("QuestionBot/BotLocales/en_US/Intents")
        // The fallback's fulfillment hook off, the one custom intent without utterances, a slot.
        try #"{"name":"FallbackIntent","parentIntentSignature":"AMAZON.FallbackIntent","fulfillmentCodeHook":{"enabled":false}}"#
            .write(to: intents.appendingPathComponent("FallbackIntent/Intent.json"), atomically: true, encoding: .utf8)
        try #"{"name":"Unused","sampleUtterances":[]}"#.write(
            to: intents.appendingPathComponent("Unused/Intent.json"),
            atomically: true,
            encoding: .utf8
        )
        let slot = intents.appendingPathComponent("Order/Slots/OrderNumber")
        try FileManager.default.createDirectory(at: slot, withIntermediateDirectories: true)
        try #"{"name":"Order","sampleUtterances":[{"utterance":"where is order {OrderNumber}"}],"fulfillmentCodeHook":{"enabled":true}}"#
            .write(to: intents.appendingPathComponent("Order/Intent.json"), atomically: true, encoding: .utf8)
        try #"{"name":"OrderNumber","slotTypeName":"AMAZON.Number"}"#.write(
            to: slot.appendingPathComponent("Slot.json"),
            atomically: true,
            encoding: .utf8
        )
        let configuration = try resolve(
            "lex:\n  bots:\n    - import: \(folder.path)\n      functions: {fulfillment: mine}\nconnect: {bot: {id: QUESTBOT01}}\nfunctions: {mine: http://127.0.0.1:9/x}\n"
        )
        let warnings = configuration.warnings.joined(separator: "\n")
        #expect(warnings.contains("FallbackIntent's fulfillment code hook is off: its Lambda would never be called"), "\(warnings)")
        #expect(warnings.contains("intent Order has slots (OrderNumber) that tdmock's lexical matcher does not fill"), "\(warnings)")
        #expect(!warnings.contains("Lex would not build this bot"), "Order has an utterance")
        #expect(configuration.lex.bots[0].intents.first { $0.name == "Order" }?.fulfillment == "mine")
    }

    /// The question-response line through the imported bot: its FallbackIntent's hook calls the Lambda.
    @Test func connectTalksToTheImportedBot() async throws {
        var resolved = try resolve("lex:\n  bots:\n    - import: \(export.path)\nconnect: {bot: {id: QUESTBOT01}}\n")
        resolved.database = .inMemory
        let base = resolved
        let lambda = FakeLambda()
        try await lambda.run { url in
            var configuration = base
            configuration.functions["fallback"] = url
            try await TestApp(configuration).test { client in
                let connect = ConnectTests()
                let id = try await connect.start(client)
                let response = try await connect.say(client, id, "earnings")
                #expect(try json(response)["branch"] as? String == "speak")
                let journal = try await client.execute(uri: "/tdmock/v1/invocations?function=fallback", method: .get)
                #expect(String(buffer: journal.body).contains(#""id":"QUESTBOT01""#))
            }
        }
    }

    @Test func anExportThatCannotBeReadIsRefusedNamingTheKey() throws {
        for (yaml, expected) in [
            ("lex: {bots: [{import: /nonexistent/export}]}", "lex.bots[0].import: no file or folder /nonexistent/export"),
            ("lex: {bots: [{import: \(Fixtures.path("tdmock.yaml"))}]}", "is neither a folder nor a readable .zip"),
            ("lex: {bots: [{import: \(export.path), intents: [{name: FallbackIntent}]}]}", "a bot is either imported or has intents, not both"),
            ("lex: {bots: [{import: \(export.path), functions: {fulfillment: nosuch}}]}", "no function named 'nosuch'"),
        ] {
            #expect {
                try resolve(yaml + "\nconnect: {bot: {id: QUESTBOT01}}\n")
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }
}
