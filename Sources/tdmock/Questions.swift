import ArgumentParser
import TDMockConsole

struct Questions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "questions",
        abstract: "List the question-response API's questions, oldest first.",
        discussion: """
            Questions come from POST /question-response/v1/questions (the integration's Lambda asking the \
            third party); `tdmock answer` or the console answers them.

              $ tdmock questions
              $ tdmock questions --status all --json | jq -r '.[0].id'
            """
    )

    enum Status: String, ExpressibleByArgument, CaseIterable {
        case queued, answered, expired, all
    }

    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption
    @Option(help: "Which questions: queued, answered, expired or all.") var status: Status = .queued

    func run() async throws {
        let context = options.context
        let questions = try await context.api.questions(status: status.rawValue)
        context.write(output.json ? Render.json(questions) : Render.questions(questions, style: context.style))
    }
}
