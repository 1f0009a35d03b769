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
            """
    )

    @OptionGroup var connection: ServerOption
    @Option(help: "The caller's number ($.CustomerEndpoint.Address).") var caller: String?
    @Option(help: "A contact attribute ($.Attributes), KEY=VALUE (repeatable); the built-in flow's first session attributes.")
    var attribute: [String] = []
    @Flag(help: "Also print each turn's flow path, Lex event and the Lambda's answer.") var verbose = false

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
        if !created.prompt.isEmpty { editor.show("Connect: \(Render.visible(created.prompt))") }
        if created.ended {
            if let error = created.error { editor.show("error: \(Render.visible(error))") }
            Output.line("The call ended before it asked you anything.")
            return
        }
        await editor.run(session) {}
        if await session.ended == nil {
            await session.hangUp()
            Output.line("You hung up.")
        }
    }
}
