import ArgumentParser
import Foundation
import TDMockConsole
import TDMockCore

struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "The caller in a terminal: phone tdmock's Amazon Connect and talk to the Lex bot.",
        discussion: """
            Each line you type is an utterance: tdmock sends the bot's Lambda a Lex V2 event and plays what \
            the contact flow says (`Connect: …`). /hangup or Ctrl-D hangs up; the call also ends when the \
            flow disconnects. --verbose prints each Lex event and the Lambda's answer.

              $ tdmock call --caller +15550100
              $ tdmock call --attribute region=EU --verbose
            """
    )

    @OptionGroup var connection: ServerOption
    @Option(help: "The caller's number (a session attribute `caller` too).") var caller: String?
    @Option(help: "A session attribute of the first turn, KEY=VALUE (repeatable).") var attribute: [String] = []
    @Flag(help: "Also print each Lex event and the Lambda's answer.") var verbose = false

    func validate() throws {
        for pair in attribute where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--attribute takes KEY=VALUE, not '\(pair)'")
        }
    }

    func run() async throws {
        var attributes: [String: String] = [:]
        for pair in attribute {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            attributes[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let client = connection.client
        let created = try await CallerSession.start(client: client, caller: caller, attributes: attributes)
        let editor = LineEditor(historyPath: nil)
        let session = CallerSession(client: client, contactID: created.contactId, verbose: verbose, style: .forStandardOutput(), output: editor)
        editor.show("Calling… contact \(created.contactId). Type what you say; /hangup or Ctrl-D hangs up.")
        editor.show("Connect: \(Render.visible(created.prompt))")
        await editor.run(session) {}
        if await session.ended == nil {
            await session.hangUp()
            Output.line("You hung up.")
        }
    }
}
