import Foundation
import Testing

/// Runs the README's curl walkthrough, as a newcomer pastes it, against a fresh server.
@Suite struct WalkthroughTests {
    static func walkthroughScript() throws -> String {
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- walkthrough:start -->\n```sh\n"))
        let end = try #require(readme.range(of: "```\n<!-- walkthrough:end -->", range: start.upperBound..<readme.endIndex))
        return String(readme[start.upperBound..<end.lowerBound])
    }

    @Test func theREADMEWalkthroughWorksAsWritten() async throws {
        let server = try await Server.start(["--in-memory"])
        let script = try Self.walkthroughScript()
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments = ["-euo", "pipefail", "-c", script]
        bash.currentDirectoryURL = Repository.root
        bash.environment = ProcessInfo.processInfo.environment.merging(["TD": server.url]) { _, new in new }
        let output = Pipe()
        bash.standardOutput = output
        let errors = Pipe()
        bash.standardError = errors
        try bash.run()
        let (text, stderr) = try await onOwnThread {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            bash.waitUntilExit()
            return (text, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        #expect(bash.terminationStatus == 0, "stderr: \(stderr)")

        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(text)")
        let conversation = try #require(lines.first?.split(separator: " ").last.map(String.init))
        #expect(lines.first == "conversation: \(conversation)")
        #expect(conversation.count == 32)

        let message = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(message["id"] as? String == conversation)
        #expect((message["message_id"] as? String)?.count == 32)
        #expect((message["created_at"] as? String)?.count == 24)

        #expect(lines[2] == "end: 204")

        let ended = try #require(try JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any])
        #expect(ended["code"] as? String == "3016011")
        #expect(ended["message"] as? String == "Conversation has ended")
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
    }
}
