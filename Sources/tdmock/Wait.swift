import ArgumentParser
import Foundation
import TDMockConsole
import TDMockCore

struct Wait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until events have happened, then print them as JSON lines.",
        discussion: """
            Exits 0 as soon as at least --count events of that name (of that conversation) have happened \
            since the server started or was reset, printing them; exits 1 after --timeout seconds. Events: \
            \(InboxEvent.Name.allCases.map(\.rawValue).joined(separator: ", ")).

              $ tdmock wait --event conversation_created
              $ tdmock wait --event message_created --conversation 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b --count 2
              $ ID=$(tdmock wait --event conversation_created | jq -r .conversation_id)
              $ Q=$(tdmock wait --event question_created --session c-3f2a | jq -r .question_id)
            """
    )

    @OptionGroup var options: ServerOption
    @Option(help: "The event's name.") var event: String
    @Option(help: "Only this conversation's events.") var conversation: String?
    @Option(help: "Only this question's events.") var question: String?
    @Option(help: "Only the events of this question-response session.") var session: String?
    @Option(help: "Only this contact's (call's) events.") var contact: String?
    @Option(help: "How many events to wait for.") var count = 1
    @Option(help: "Seconds to wait at most.") var timeout: Double = 30

    func validate() throws {
        guard InboxEvent.Name(rawValue: event) != nil else {
            throw ValidationError("--event must be one of \(InboxEvent.Name.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard timeout >= 0, timeout <= 3600 else { throw ValidationError("--timeout must be from 0 to 3600 seconds") }
    }

    func run() async throws {
        let events: [InboxEvent]
        switch try await options.client.wait(
            event: event,
            conversationID: conversation,
            count: count,
            timeout: timeout,
            questionID: question,
            sessionID: session,
            contactID: contact
        ) {
        case .success(let found): events = found
        case .failure(let timedOut):
            FileHandle.standardError.write(Data("tdmock wait: \(timedOut)\n".utf8))
            throw ExitCode(1)
        }
        for event in events { print(JSONCoding.text(event)) }
    }
}
