import ArgumentParser
import TDMockConsole
import TDMockCore

struct Redeliver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeliver",
        abstract: "Send a failed callback delivery again (same delivery id, a fresh attempt budget).",
        discussion: """
              $ tdmock callbacks --failed
              $ tdmock redeliver 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
            """
    )

    @Argument(help: "The delivery's id (tdmock callbacks lists them).") var deliveryID: String
    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption

    func validate() throws { try Self.validateID(deliveryID, name: "delivery id") }

    func run() async throws { try await run(options.context) }

    func run(_ context: AgentContext) async throws {
        let delivery = try await context.api.redeliver(deliveryID)
        context.write(output.json ? Render.json(delivery) : "Delivery \(deliveryID) (\(delivery.eventType.rawValue)) is queued again.")
    }
}
