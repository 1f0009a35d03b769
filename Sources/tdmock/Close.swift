import ArgumentParser
import TDMockConsole

struct Close: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a conversation (sends conversation_ended).",
        discussion: """
              $ tdmock close 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b
            """
    )

    @Argument(help: "The conversation's id.") var id: String
    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption

    func validate() throws { try Self.validateID(id) }

    func run() async throws { try await run(options.context) }

    func run(_ context: AgentContext) async throws {
        let conversation = try await context.api.close(id, agent: context.agent)
        context.write(output.json ? Render.json(conversation) : "Conversation \(id) is closed.")
    }
}
