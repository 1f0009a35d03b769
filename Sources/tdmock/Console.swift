import ArgumentParser
import TDMockConsole

struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The agent's workspace across the whole inbox, with line editing.",
        discussion: """
            Shows the open conversations, announces each new one, and prints the contact's messages as they \
            arrive. /open <id> picks the conversation your lines go to (Tab completes ids); /inbox lists them \
            again; /assign, /close, /transcript, /help, /quit as in `tdmock reply`.

              $ tdmock console --agent Dana
            """
    )

    @OptionGroup var options: AgentOptions

    func run() async throws { try await Session.run(mode: .console, context: options.context) }
}
