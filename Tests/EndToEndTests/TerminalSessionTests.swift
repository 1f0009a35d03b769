import Foundation
import Testing

/// A terminal a test types into and reads, as a person would: a tmux session on a private tmux server.
struct Terminal {
    let socket = "tdmock-test-\(UUID().uuidString.prefix(8))"
    let session = "agent"

    /// Runs a tmux command through the C library's popen, which waits for it (Foundation's Process can miss
    /// the exit of tmux's client once it has forked the tmux server).
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let quoted = (["tmux", "-L", socket] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        guard let pipe = popen(quoted.joined(separator: " ") + " 2>/dev/null </dev/null", "r") else { throw CancellationError() }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self)
    }

    static func start(_ command: String) throws -> Terminal {
        let terminal = Terminal()
        try terminal.tmux(["new-session", "-d", "-s", terminal.session, "-x", "120", "-y", "40", command])
        return terminal
    }

    /// Types text as it is (no key names).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }
    /// Presses keys by name: Enter, Up, Tab, C-u.
    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }

    var screen: String { (try? tmux(["capture-pane", "-p", "-t", session])) ?? "" }
    var lines: [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    var isRunning: Bool { ((try? tmux(["list-sessions"])) ?? "").contains(session) }

    func waitFor(_ what: String, _ condition: (Terminal) -> Bool) async throws {
        try await eventually("\(what); the screen shows:\n\(screen)") { condition(self) }
    }

    func kill() { _ = try? tmux(["kill-server"]) }
}

@Suite struct TerminalSessionTests {
    /// A customer's file, as an integration forwards it through the Attachments API: its id.
    func upload(_ server: Server, token: String, name: String, type: String, body: String) async throws -> String {
        let auth = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
        let link = try await HTTP.call(.POST, server.url + "/attachments/2023-03/upload-link", headers: auth, body: "{}")
        let requestID = try #require(link.json["request_id"] as? String, "\(link.body)")
        let url = try #require(link.json["url"] as? String)
        #expect(try await HTTP.call(.PUT, url, headers: [("Content-Type", type)], body: body).status == 200)
        let created = try await HTTP.call(
            .POST,
            server.url + "/attachments/2023-03",
            headers: auth,
            body: #"{"name":"\#(name)","request_id":"\#(requestID)"}"#
        )
        return try #require(created.json["id"] as? String, "\(created.body)")
    }

    /// The agent sees a customer's file, with its type and size, in the console and in `tdmock show`.
    @Test func aCustomersFileIsShownInTheConsoleAndInShow() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        let id = try await startConversation(server, token: token)
        let file = try await upload(server, token: token, name: "scan.png", type: "image/png", body: "PNGDATA")
        let history = try Repository.temporaryDirectory().appendingPathComponent("history").path
        let console = try Terminal.start(
            "env TDMOCK_SERVER=\(server.url) TDMOCK_HISTORY=\(history) NO_COLOR=1 \(Repository.binary) console --agent Dana"
        )
        defer { console.kill() }
        try await console.waitFor("the console's prompt") { $0.lines.last == "Dana>" }
        try console.type("/open \(id.prefix(8))")
        try console.press("Enter")
        try await console.waitFor("the conversation opened") { $0.lines.last == "Dana@\(id.prefix(8))>" }
        let sent = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"my scan","attachments":[{"id":"\#(file)","name":"scan.png","type":"image/png","size":7}]}"#
        )
        #expect(sent.status == 201, "\(sent.body)")
        let line = "Ana: my scan [attached: scan.png (image/png, 7 bytes)]"
        try await console.waitFor("the message with its file") { $0.screen.contains(line) }
        let show = try await tdmock(["show", id], environment: ["TDMOCK_SERVER": server.url, "NO_COLOR": "1"])
        #expect(show.status == 0)
        #expect(show.output.contains(line), "\(show.output)")
    }

    @Test func anAgentAnswersInReplyAsAPersonWould() async throws {
        let receiver = try await Receiver.start()
        let server = try await Server.start(
            ["--in-memory", "--callback-url", receiver.url + "/prod", "--callback-api-key", "k-123"],
            environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05"]
        )
        let token = try await HTTP.token(server.url)
        let id = try await startConversation(server, token: token)
        let history = try Repository.temporaryDirectory().appendingPathComponent("history").path
        let terminal = try Terminal.start(
            "env TDMOCK_SERVER=\(server.url) TDMOCK_HISTORY=\(history) NO_COLOR=1 \(Repository.binary) reply \(id) --agent Dana"
        )
        defer { terminal.kill() }
        let prompt = "Dana@\(id.prefix(8))>"

        // The transcript first, then the prompt.
        try await terminal.waitFor("the prompt") { $0.lines.last == prompt }
        #expect(terminal.screen.contains("Contact:     Ana <ana@example.com>"))
        #expect(terminal.screen.contains("sentiment = NEGATIVE"))
        #expect(terminal.screen.contains("Ana: I can't log in, let me talk to a person"))

        // A line is sent as the agent's message; a queued conversation is assigned first.
        try terminal.type("Hello Ana, how can I help?")
        try terminal.press("Enter")
        _ = try await receiver.waitFor(2)

        // The contact writes while a line is half typed: the message appears above, the line stays intact.
        try terminal.type("Let me che")
        try await terminal.waitFor("the half-typed line") { $0.lines.last == "\(prompt) Let me che" }
        let sent = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"my password is refused"}"#
        )
        #expect(sent.status == 201)
        try await terminal.waitFor("the contact's message") { $0.screen.contains("Ana: my password is refused") }
        let lines = terminal.lines
        #expect(lines.last == "\(prompt) Let me che", "the half-typed line is intact and still last")
        let contactLine = try #require(lines.lastIndex { $0.hasSuffix("Ana: my password is refused") })
        #expect(contactLine == lines.count - 2, "the message is printed just above the prompt")
        #expect(lines.filter { $0.hasPrefix(prompt) }.count == 2, "one prompt per sent line plus the live one: \(lines)")

        // Up walks the history of sent lines.
        try terminal.press("C-u")
        try terminal.press("Up")
        try await terminal.waitFor("the previous line from history") { $0.lines.last == "\(prompt) Hello Ana, how can I help?" }

        // Tab completes the slash commands; /close ends the conversation and the session.
        try terminal.press("C-u")
        try terminal.type("/cl")
        try terminal.press("Tab")
        try await terminal.waitFor("/close completed") { $0.lines.last?.hasPrefix("\(prompt) /close") == true }
        try terminal.press("Enter")
        let received = try await receiver.waitFor(3)
        #expect(received.map(\.eventType) == ["conversation_started", "message_created", "conversation_ended"])
        #expect(received[1].payload["content"] == "Hello Ana, how can I help?")
        try await terminal.waitFor("the session to end") { !$0.isRunning }
        #expect(try String(contentsOfFile: history, encoding: .utf8).contains("Hello\\040Ana"))

        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        await receiver.stop()
    }
}
