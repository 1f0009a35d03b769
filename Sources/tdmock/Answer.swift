import ArgumentParser
import Foundation
import TDMockConsole
import TDMockCore

struct Answer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer a question of the question-response API: speak, disconnect or fail.",
        discussion: """
            The request that asked the question (held by serve) gets the answer at once. An unknown, \
            answered or expired question is refused, with one line and a non-zero exit.

              $ tdmock answer 019a… --speak "Third quarter earnings were 4.2 million."
              $ tdmock answer 019a… --disconnect "Goodbye."
              $ tdmock answer 019a… --fail no_workflow
            """
    )

    @Argument(help: "The question's id (tdmock questions lists them).") var id: String
    @Argument(help: "With --disconnect: what the caller hears last; with --fail: the reason.") var text: String?
    @Option(help: "Answer speak: the text the caller hears.") var speak: String?
    @Flag(help: "Answer disconnect: the call ends (after TEXT, if given).") var disconnect = false
    @Flag(help: "Answer failed (with REASON, if given; else no_answer).") var fail = false
    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        try Self.validateID(id, name: "question id")
        let chosen = (speak != nil ? 1 : 0) + (disconnect ? 1 : 0) + (fail ? 1 : 0)
        guard chosen == 1 else { throw ValidationError("give exactly one of --speak TEXT, --disconnect [TEXT], --fail [REASON]") }
        if let speak, speak.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--speak needs the text the caller hears") }
        if speak != nil, text != nil {
            throw ValidationError("--speak takes its text as its value; '\(text ?? "")' is one word too many (quote the text)")
        }
    }

    var answer: QuestionAnswer {
        if let speak { return .speak(speak) }
        if disconnect { return .disconnect(text) }
        return .failed(text ?? "no_answer")
    }

    func run() async throws {
        let context = options.context
        let answered = try await context.api.answer(id, agent: context.agent, answer: answer)
        context.write(output.json ? Render.json(answered) : "Answered question \(id) (\(answered.answer?.type ?? answer.type)).")
    }
}
