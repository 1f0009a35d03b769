import ArgumentParser
import TDMockConsole

struct Callbacks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callbacks",
        abstract: "List callback deliveries: the Builder integration's journal.",
        discussion: """
              $ tdmock callbacks
              $ tdmock callbacks --failed
              $ tdmock callbacks --conversation 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b --json
            """
    )

    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption
    @Flag(help: "Only the deliveries that failed for good.") var failed = false
    @Option(help: "Only this conversation's deliveries.") var conversation: String?

    func run() async throws { try await run(options.context) }

    func run(_ context: AgentContext) async throws {
        let deliveries = try await context.api.callbacks(status: failed ? "failed" : nil, conversationID: conversation)
        context.write(output.json ? Render.json(deliveries) : Render.callbacks(deliveries, style: context.style))
    }
}
