import ArgumentParser
import TDMockConsole

struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Empty the inbox: conversations, messages, callback deliveries and the event log.",
        discussion: """
            Access tokens stay valid and faults stay in force. With serve --seed, ids start again from the seed.

              $ tdmock reset
            """
    )

    @OptionGroup var options: ServerOption

    func run() async throws {
        try await options.client.reset()
        print("The inbox is empty.")
    }
}
