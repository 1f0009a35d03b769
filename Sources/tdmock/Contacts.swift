import ArgumentParser
import TDMockConsole

struct Contacts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "List the calls to tdmock's Amazon Connect, or show one with each turn.",
        discussion: """
            A turn is one utterance: the actions the flow ran, the Lex event sent, the Lambda's answer (or why \
            there was none) and its latency, the flow's branch and what Connect played.

              $ tdmock contacts
              $ tdmock contacts 019a3c4e-… --verbose
              $ tdmock contacts 019a3c4e-… --json | jq '.turns[0].lex_event'
              $ tdmock contacts --coverage

            --coverage shows every action of the contact flows and every way out of each (NextAction, each \
            condition, each error), with how often each was run or taken since serve started or was reset.
            """
    )

    @Argument(help: "A contact's id: show its turns.") var id: String?
    @OptionGroup var connection: ServerOption
    @OptionGroup var output: JSONOption
    @Flag(help: "With an id: also print each Lex event and Lambda answer.") var verbose = false
    @Flag(help: "Show the flows' coverage: each action and transition, run or taken, or never.") var coverage = false

    func validate() throws {
        if coverage, id != nil { throw ValidationError("--coverage covers every call: give it without a contact id") }
    }

    func run() async throws {
        let client = connection.client
        let style = Style.forStandardOutput()
        if coverage {
            let report = try await client.coverage()
            print(output.json ? Render.json(report) : Render.coverage(report, style: style))
        } else if let id {
            let contact = try await client.contact(id)
            print(output.json ? Render.json(contact) : Render.contact(contact, verbose: verbose, style: style))
        } else {
            let contacts = try await client.contacts()
            print(output.json ? Render.json(contacts) : Render.contacts(contacts, style: style))
        }
    }
}
