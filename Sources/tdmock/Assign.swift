import ArgumentParser
import TDMockConsole

struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Assign a queued conversation to yourself (sends conversation_started).",
        discussion: """
              $ tdmock assign 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b --agent Dana
            """
    )

    @Argument(help: "The conversation's id.") var id: String
    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption

    func validate() throws { try Self.validateID(id) }

    func run() async throws { try await run(options.context) }

    func run(_ context: AgentContext) async throws {
        let conversation = try await context.api.assign(id, agent: context.agent)
        context.write(output.json ? Render.json(conversation) : "Conversation \(id) is assigned to \(context.agent).")
    }
}
