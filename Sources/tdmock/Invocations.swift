import ArgumentParser
import TDMockConsole

struct Invocations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invocations",
        abstract: "What your functions got and what they answered: the last invocations of the functions table.",
        discussion: """
            Newest first: the function, who called it (apigateway-websocket, apigateway-rest, lex, connect, \
            invoke), the Invoke API's status, the latency and, for a failed one, why. --verbose adds each \
            event and answer; --json gives them whole. serve keeps the last 1,000 (journal_size); tdmock \
            reset empties the journal.

              $ tdmock invocations --function chat_callback --verbose
              $ tdmock invocations --failed --json | jq '.[0].error'
            """
    )

    @OptionGroup var connection: ServerOption
    @OptionGroup var output: JSONOption
    @Option(help: "Only this function's invocations (its name or Lambda ARN).") var function: String?
    @Flag(help: "Only the failed invocations.") var failed = false
    @Flag(help: "Also print each event and answer.") var verbose = false
    @Option(help: "How many, newest first.") var limit = 100

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let entries = try await connection.client.invocations(function: function, failed: failed, limit: limit)
        print(output.json ? Render.json(entries) : Render.invocations(entries, verbose: verbose, style: .forStandardOutput()))
    }
}
