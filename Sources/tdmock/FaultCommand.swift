import ArgumentParser
import TDMockConsole
import TDMockCore

struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject faults into the Talkdesk surface or the callback deliveries.",
        discussion: """
              $ tdmock fault add start_conversation --status 503 --retry-after 2
              $ tdmock fault add send_message --latency-ms 300 --count 0
              $ tdmock fault add send_message --status 206
              $ tdmock fault add callback:drop
              $ tdmock fault add callback:fail --status 400 --count 2
              $ tdmock fault list
              $ tdmock fault clear
            """,
        subcommands: [Add.self, List.self, Clear.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a fault.",
            discussion: """
                TARGET is token, start_conversation, send_message or end_conversation (the Talkdesk surface answers \
                with --status and a proper error body, after --latency-ms if given; send_message also takes \
                --status 206, Talkdesk's partial success: the message is stored and the answer carries \
                partial_fail_reason), or callback:delay (a delivery \
                waits --latency-ms), callback:duplicate (it is sent twice with the same delivery id) or \
                callback:drop (its attempt is dropped, so the retry delivers it), or callback:fail \
                (its attempt is answered with --status, nothing sent: a 4xx but 408 and 429 fails the \
                callback at once, ready to redeliver).
                """
        )

        @OptionGroup var options: ServerOption
        @Argument(help: "What to disturb.") var target: String
        @Option(help: "The HTTP status to answer with (400-599; 206 for send_message; callback:fail's answer).") var status: Int?
        @Option(help: "How many requests or deliveries it affects; 0: all until cleared.") var count = 1
        @Option(name: .customLong("latency-ms"), help: "Milliseconds to wait first.") var latencyMs: Int?
        @Option(name: .customLong("retry-after"), help: "Seconds for a Retry-After header.") var retryAfter: Int?

        var fault: Fault? {
            Fault.Target(rawValue: target).map {
                Fault(id: "", target: $0, status: status, remaining: count == 0 ? nil : count, latencyMs: latencyMs, retryAfter: retryAfter)
            }
        }

        func validate() throws {
            guard let fault else {
                throw ValidationError("TARGET must be one of \(Fault.Target.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard count >= 0 else { throw ValidationError("--count must be 0 (until cleared) or more") }
            if let problem = fault.problem { throw ValidationError(problem) }
        }

        func run() async throws {
            guard let fault else { return }
            let added = try await options.client.addFault(fault)
            print("Added fault \(Fault.describe(added))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the faults in force.")
        @OptionGroup var options: ServerOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let faults = try await options.client.faults()
            if json {
                print(Render.json(faults))
            } else {
                print(faults.isEmpty ? "No faults." : faults.map(Fault.describe).joined(separator: "\n"))
            }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clear", abstract: "Remove every fault.")
        @OptionGroup var options: ServerOption

        func run() async throws {
            try await options.client.clearFaults()
            print("No faults.")
        }
    }
}
