import ArgumentParser
import Foundation

@main
struct TDMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tdmock",
        abstract: "A local Talkdesk Digital Connect for testing chat integrations.",
        discussion: """
            tdmock plays Talkdesk for the code you are testing: the token service, the Digital Connect API \
            and an inbox kept in SQLite.

              $ tdmock serve
              $ tdmock serve --port 0 --in-memory
            """,
        subcommands: [
            Serve.self, Inbox.self, Show.self, Assign.self, Reply.self, Close.self, Console.self, Callbacks.self,
            Redeliver.self,
        ]
    )
}
