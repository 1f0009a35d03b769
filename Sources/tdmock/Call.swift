import ArgumentParser
import Foundation
import TDMockConsole
import TDMockCore

struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "The caller in a terminal: phone tdmock's Amazon Connect and talk to the Lex bot.",
        discussion: """
            Each line you type is what you say (or, at a DTMF prompt, the keys you press): the contact flow \
            runs with it (the built-in question flow, or serve's --flow) and Connect plays what it says \
            (`Connect: …`). /silence says nothing until the prompt's time limit; /hangup or Ctrl-D hangs up; \
            the call also ends when the flow ends it. --verbose prints each turn's flow path, Lex event and \
            Lambda answer.

              $ tdmock call --caller +15550100
              $ tdmock call --attribute region=EU --verbose
              $ tdmock call --chat

            --chat makes the contact a chat ($.Channel CHAT): each line is a message, a Wait waits for your \
            next one, and a ShowView takes the name of the view action you choose.
            """
    )

    @OptionGroup var connection: ServerOption
    @Option(help: "The caller's number ($.CustomerEndpoint.Address).") var caller: String?
    @Option(help: "A contact attribute ($.Attributes), KEY=VALUE (repeatable); the built-in flow's first session attributes.")
    var attribute: [String] = []
    @Flag(help: "Also print each turn's flow path, Lex event and the Lambda's answer.") var verbose = false
    @Flag(help: "Start a chat contact rather than a voice call.") var chat = false

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
        let created = try await CallerSession.start(client: client, caller: caller, attributes: attributes, channel: chat ? "CHAT" : "VOICE")
        if created.ended {
            // The call is over before the editor would run: its lines are printed directly.
            Output.line(chat ? "Chatting… contact \(created.contactId)." : "Calling… contact \(created.contactId).")
            if !created.prompt.isEmpty { Output.line("Connect: \(Render.visible(created.prompt))") }
            if let error = created.error { Output.line("error: \(Render.visible(error))") }
            Output.line("The call ended before it asked you anything.")
            return
        }
        let editor = LineEditor(historyPath: nil)
        let session = CallerSession(client: client, contactID: created.contactId, verbose: verbose, style: .forStandardOutput(), output: editor)
        editor.show(
            chat
                ? "Chatting… contact \(created.contactId). Type your messages; /hangup or Ctrl-D leaves."
                : "Calling… contact \(created.contactId). Type what you say; /hangup or Ctrl-D hangs up."
        )
        if !created.prompt.isEmpty { editor.show("Connect: \(Render.visible(created.prompt))") }
        await editor.run(session) {}
        if await session.ended == nil {
            await session.hangUp()
            Output.line("You hung up.")
        }
    }
}
