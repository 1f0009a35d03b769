import ArgumentParser
import TDMockConsole

struct Requests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "What your code sent and what tdmock answered: the last requests to the Talkdesk surface, the question API and the AWS APIs.",
        discussion: """
            Newest first: method, path, status, latency and, for a refused request, the error tdmock \
            answered. --json adds each request's body (its first 4 KiB) and the Authorization header's \
            scheme; secrets (client secrets, tokens, keys) are masked. serve keeps the last 1,000 \
            (journal_size); tdmock reset empties the journal.

              $ tdmock requests --failed
              $ tdmock requests --json | jq '.[0].request_body'
            """
    )

    @OptionGroup var connection: ServerOption
    @OptionGroup var output: JSONOption
    @Flag(help: "Only the requests answered 400 and above.") var failed = false
    @Option(help: "How many, newest first.") var limit = 100

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let entries = try await connection.client.requests(failed: failed, limit: limit)
        print(output.json ? Render.json(entries) : Render.requests(entries, style: .forStandardOutput()))
    }
}
