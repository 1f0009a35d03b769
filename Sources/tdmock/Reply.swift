import ArgumentParser
import Foundation
import TDMockConsole

struct Reply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Answer a conversation: one message with --message, else a line-editing session.",
        discussion: """
            With --message it sends one message (assigning the conversation to you first if it is still \
            queued, so the integration sees conversation_started before message_created). Without it, it \
            shows the conversation and reads lines to send; the contact's messages appear as they arrive. \
            In the session: /close, /assign, /transcript, /help, /quit (Tab completes them); Ctrl-D leaves; \
            Up and Down walk the lines you sent (kept in TDMOCK_HISTORY, else ~/.tdmock_history).

              $ tdmock reply 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b --message "How can I help?" --agent Dana
              $ tdmock reply 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b
            """
    )

    @Argument(help: "The conversation's id.") var id: String
    @Option(help: "Send this one message and exit.") var message: String?
    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        try Self.validateID(id)
        if let message, message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--message must not be empty")
        }
    }

    func run() async throws { try await run(options.context) }

    func run(_ context: AgentContext) async throws {
        if let message {
            let conversation = try await context.api.reply(id, agent: context.agent, content: message)
            context.write(output.json ? Render.json(conversation) : "Sent to conversation \(id).")
            return
        }
        try await Session.run(mode: .reply(id), context: context)
    }
}
