import ArgumentParser
import Foundation
import NIOCore
import TDMockConsole

struct Inbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List conversations, newest activity first.",
        discussion: """
              $ tdmock inbox
              $ tdmock inbox --status queued
              $ tdmock inbox --json | jq -r '.[0].id'
            """
    )

    enum Status: String, ExpressibleByArgument, CaseIterable {
        case queued, assigned, ended, all
    }

    @OptionGroup var options: AgentOptions
    @OptionGroup var output: JSONOption
    @Option(help: "Which conversations: queued, assigned, ended or all.") var status: Status = .all

    func run() async throws {
        let context = options.context
        if output.json, let client = context.api as? AgentClient {
            // Straight through: the server's JSON array, with no decoding and encoding again. Into a
            // pipe, a 1 MiB pipe buffer (Linux) spares the reader and this process tens of MB of 64 KiB turns.
            Self.widenStandardOutputPipe()
            // The answer arrives in reads of tens of KB: gathered into 1 MiB writes, with write(2) itself.
            var pending = [UInt8]()
            pending.reserveCapacity(Self.outputChunk)
            try await client.conversationsJSON(status: status.rawValue) { chunk in
                chunk.withUnsafeReadableBytes { pending.append(contentsOf: $0) }
                if pending.count >= Self.outputChunk { try Self.writeOut(&pending) }
            }
            pending.append(UInt8(ascii: "\n"))
            try Self.writeOut(&pending)
            return
        }
        try await run(context)
    }

    static let outputChunk = 1 << 20

    /// Writes all of `buffer` to standard output and empties it. A reader that stopped reading (`| head`)
    /// ends the command quietly, with the status of a process killed by SIGPIPE, as other Unix tools do.
    static func writeOut(_ buffer: inout [UInt8]) throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                switch errno {
                case EINTR: continue
                case EPIPE: throw ExitCode(128 + SIGPIPE)
                case let code: throw CLIError("cannot write to standard output: \(String(cString: strerror(code)))")
                }
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static func widenStandardOutputPipe() {
        #if os(Linux)
        var status = stat()
        // 1031 is F_SETPIPE_SZ, which Glibc's module leaves out.
        if fstat(STDOUT_FILENO, &status) == 0, (status.st_mode & S_IFMT) == S_IFIFO {
            _ = fcntl(STDOUT_FILENO, 1031, 1 << 20)
        }
        #endif
    }

    func run(_ context: AgentContext) async throws {
        let conversations = try await context.api.conversations(status: status.rawValue)
        context.write(output.json ? Render.json(conversations) : Render.inbox(conversations, style: context.style))
    }
}
