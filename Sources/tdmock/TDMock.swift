import ArgumentParser
import Foundation

@main
struct TDMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tdmock",
        abstract: "A local Talkdesk Digital Connect for testing chat integrations.",
        discussion: """
            tdmock plays Talkdesk for the code you are testing: the token service, the Digital Connect API, \
            an inbox kept in SQLite, and the Builder integration that delivers the agent's actions to your \
            callback API. The agent commands answer conversations from another terminal.

              $ tdmock serve --callback-url http://127.0.0.1:9000/prod --callback-api-key k-123
              $ tdmock console --agent Dana
              $ tdmock inbox --json
            """,
        subcommands: [
            Serve.self, Inbox.self, Show.self, Assign.self, Reply.self, Close.self, Console.self, Callbacks.self,
            Redeliver.self, Reset.self, Wait.self, FaultCommand.self, AgentCommand.self, Bridge.self, Customer.self,
        ]
    )
}
