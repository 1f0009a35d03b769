import ArgumentParser
import Foundation
import TDMockConsole

struct Customer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "The customer in a terminal: escalate from the bot through the bridge, then chat with the agent.",
        discussion: """
            It sends the bridge a Lex V2 fulfillment event (the bot transcript so far, sentiment and intent \
            history), connects the live-chat WebSocket and reads lines to send; the agent's messages appear \
            as they arrive. /leave ends the chat (close code 4000); /quit and Ctrl-D close the window only.

              $ tdmock customer --bridge http://127.0.0.1:8090 --name Ana --email ana@example.com
            """
    )

    @Option(help: "The bridge (default: TDMOCK_BRIDGE, else http://127.0.0.1:8090).") var bridge: String?
    @Option(help: "The customer's name.") var name = "Ana"
    @Option(help: "The customer's email.") var email = "ana@example.com"

    func run() async throws {
        var address = bridge ?? ProcessInfo.processInfo.environment["TDMOCK_BRIDGE"] ?? "http://127.0.0.1:8090"
        while address.hasSuffix("/") { address.removeLast() }
        let url = address
        let (id, message) = try await CustomerSession.escalate(bridge: url, name: name, email: email, client: AgentClient.sharedClient)
        let editor = LineEditor(historyPath: nil)
        let session = CustomerSession(name: name, conversationID: id, style: .forStandardOutput(), output: editor)
        editor.show("Bot: \(message)")
        editor.show("Conversation \(id). Type a line to send it; /leave ends the chat.")
        await editor.run(session) {
            await session.connect(bridge: url) { editor.stop() }
        }
    }
}
