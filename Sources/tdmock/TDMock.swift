import ArgumentParser
import Foundation
import TDMockCore

@main
struct TDMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tdmock",
        abstract: "A local Talkdesk Digital Connect, Amazon Connect, Lex V2 and API Gateway for testing integrations.",
        discussion: """
            tdmock plays Talkdesk for the code you are testing: the token service, the Digital Connect API, \
            an inbox kept in SQLite, and the Builder integration that delivers the agent's actions to your \
            callback API. It plays the AWS services around your Lambda functions at AWS's own wire (Lex V2's \
            runtime, API Gateway's WebSocket, Management and REST APIs, Connect running your contact flow, the \
            Lambda Invoke API), so your functions run unmodified and boto3 or the AWS CLI talk to it with an \
            endpoint override; \
            and the third-party question API. The agent commands answer conversations and questions from \
            another terminal.

              $ tdmock serve
              $ tdmock bridge
              $ tdmock console --agent Dana
              $ tdmock customer --name Ana
              $ tdmock invocations --verbose
              $ tdmock call --caller +15550100
            """,
        version: TDMockVersion.current,
        subcommands: [
            Serve.self, Inbox.self, Show.self, Assign.self, Reply.self, Close.self, Console.self, Callbacks.self,
            Redeliver.self, Reset.self, Wait.self, FaultCommand.self, AgentCommand.self, Bridge.self, Customer.self,
            Questions.self, Answer.self, Call.self, Contacts.self, ClockCommand.self, QueueCommand.self, CA.self, Health.self, Requests.self,
            Invocations.self, Test.self,
        ]
    )
}
