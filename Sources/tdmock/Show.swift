import ArgumentParser
import TDMockConsole

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one conversation: contact, context parameters, transcript and callback deliveries.",
        discussion: """
              $ tdmock show 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b
              $ tdmock show 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b --json | jq '.messages'
            """
    )

    @Argument(help: "The conversation's id.") var id: String
    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption

    func validate() throws { try Self.validateID(id) }

    func run() async throws { try await run(options.context) }

    func run(_ context: AgentContext) async throws {
        let conversation = try await context.api.conversation(id)
        context.write(output.json ? Render.json(conversation) : Render.conversation(conversation, style: context.style))
    }
}
