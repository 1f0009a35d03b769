import ArgumentParser
import Foundation
import TDMockConsole
import TDMockSettings

struct Customer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "The customer in a terminal, as the Lex Web UI: chat with the bot, then with the agent it hands you to.",
        discussion: """
            Each line goes to the chat bot (Lex V2's RecognizeText on tdmock serve) with the name and email \
            as the session attributes customer_name and customer_email; the bot's messages are printed. Once \
            the bot escalates (its session attributes carry talkdesk_conversation_id), the live chat opens on \
            the WebSocket API with ?conversationId=ID: each line is an onMessage frame and the agent's \
            messages appear as they arrive. /leave ends the chat (close code 4000); /quit and Ctrl-D close \
            the window only.

              $ tdmock customer --name Ana --email ana@example.com
              Ana> I want to talk to a person
            """
    )

    @Option(name: .customLong(ConsoleSettings.table.server.flag!), help: .init(ConsoleSettings.table.server.consoleHelp)) var server: String?
    @Option(help: "The customer's name.") var name = "Ana"
    @Option(help: "The customer's email.") var email = "ana@example.com"
    @Option(help: "The chat bot's id.") var bot = "TDMOCKCHAT"
    @Option(help: "The bot alias's id.") var botAlias = "TSTALIASID"
    @Option(help: "The bot's locale.") var locale = "en_US"
    @Option(help: "The WebSocket API's stage.") var stage = "prod"

    func run() async throws {
        let url = AgentContext.serverURL(server)
        let editor = LineEditor(historyPath: nil)
        let session = CustomerSession(
            name: name,
            email: email,
            server: url,
            bot: .init(id: bot, aliasID: botAlias, localeID: locale),
            stage: stage,
            client: AgentClient.sharedClient,
            style: .forStandardOutput(),
            output: editor
        ) { editor.stop() }
        editor.show("You are chatting with the bot \(bot). Ask for an agent to be handed over; /help lists the commands.")
        await editor.run(session) {}
    }
}
