import ArgumentParser
import Foundation
import TDMockConsole
import TDMockCore

struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Empty the inbox: conversations, messages, callback deliveries and the event log.",
        discussion: """
            Access tokens stay valid and faults stay in force. With serve --seed, ids start again from the seed.

              $ tdmock reset
            """)

    @OptionGroup var options: ServerOption

    func run() async throws {
        try await options.client.reset()
        print("The inbox is empty.")
    }
}

struct Wait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until events have happened, then print them as JSON lines.",
        discussion: """
            Exits 0 as soon as at least --count events of that name (of that conversation) have happened \
            since the server started or was reset, printing them; exits 1 after --timeout seconds. Events: \
            \(InboxEvent.Name.allCases.map(\.rawValue).joined(separator: ", ")).

              $ tdmock wait --event conversation_created
              $ tdmock wait --event message_created --conversation 3f0c1d6a9b2e4c7f8a1b2c3d4e5f6a7b --count 2
              $ ID=$(tdmock wait --event conversation_created | jq -r .conversation_id)
            """)

    @OptionGroup var options: ServerOption
    @Option(help: "The event's name.") var event: String
    @Option(help: "Only this conversation's events.") var conversation: String?
    @Option(help: "How many events to wait for.") var count = 1
    @Option(help: "Seconds to wait at most.") var timeout: Double = 30

    func validate() throws {
        guard InboxEvent.Name(rawValue: event) != nil else {
            throw ValidationError("--event must be one of \(InboxEvent.Name.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard timeout >= 0, timeout <= 3600 else { throw ValidationError("--timeout must be from 0 to 3600 seconds") }
    }

    func run() async throws {
        let events: [InboxEvent]
        switch try await options.client.wait(event: event, conversationID: conversation, count: count, timeout: timeout) {
        case .success(let found): events = found
        case .failure(let timedOut):
            FileHandle.standardError.write(Data("tdmock wait: \(timedOut)\n".utf8))
            throw ExitCode(1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for event in events { print(String(decoding: try encoder.encode(event), as: UTF8.self)) }
    }
}

struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject faults into the Talkdesk surface or the callback deliveries.",
        discussion: """
              $ tdmock fault add start_conversation --status 503 --retry-after 2
              $ tdmock fault add send_message --latency-ms 300 --count 0
              $ tdmock fault add send_message --status 206
              $ tdmock fault add callback:drop
              $ tdmock fault list
              $ tdmock fault clear
            """,
        subcommands: [Add.self, List.self, Clear.self])

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
                callback:drop (its attempt is dropped, so the retry delivers it).
                """)

        @OptionGroup var options: ServerOption
        @Argument(help: "What to disturb.") var target: String
        @Option(help: "The HTTP status to answer with (400-599; 206 for send_message).") var status: Int?
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
