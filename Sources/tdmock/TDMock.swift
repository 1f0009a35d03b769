import ArgumentParser
import Foundation

@main
struct TDMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tdmock",
        abstract: "A local Talkdesk Digital Connect and Amazon Connect + Lex V2 for testing integrations.",
        discussion: """
            tdmock plays Talkdesk for the code you are testing: the token service, the Digital Connect API, \
            an inbox kept in SQLite, and the Builder integration that delivers the agent's actions to your \
            callback API. For the question-response line it plays Amazon Connect and Lex V2 (calling your \
            Lambda over the Lambda Invoke API) and the third-party question API. The agent commands answer \
            conversations and questions from another terminal.

              $ tdmock serve --callback-url http://127.0.0.1:9000/prod --callback-api-key k-123
              $ tdmock console --agent Dana
              $ tdmock inbox --json
              $ tdmock call --caller +15550100
            """,
        subcommands: [
            Serve.self, Inbox.self, Show.self, Assign.self, Reply.self, Close.self, Console.self, Callbacks.self,
            Redeliver.self, Reset.self, Wait.self, FaultCommand.self, AgentCommand.self, Bridge.self, Customer.self,
            Questions.self, Answer.self, Call.self, Contacts.self, Requests.self, Invocations.self,
        ]
    )
}
