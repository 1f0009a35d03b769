import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The repository root and the built `tdmock` binary (`TDMOCK_BINARY`, which `make test` sets, else .build/debug).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        ProcessInfo.processInfo.environment["TDMOCK_BINARY"] ?? root.appendingPathComponent(".build/debug/tdmock").path
    }

    /// The built `tdmock` with these arguments, the test's environment less its TDMOCK_ variables plus
    /// `environment`, and pipes for its output.
    static func process(_ arguments: [String], environment: [String: String]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TDMOCK_") }.merging(environment) { _, new in new }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        return (process, stdout, stderr)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tdmock-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A `tdmock` process whose output the test reads as it comes.
final class TDMockProcess: Sendable {
    let process: Process
    private let output = TextBuffer()
    private let errors = TextBuffer()

    private let input: Pipe?

    init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, interactive: Bool = false) throws {
        let (process, stdout, stderr) = Repository.process(arguments, environment: environment)
        if let directory { process.currentDirectoryURL = directory }
        let input = interactive ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        self.input = input
        self.process = process
        Self.drain(stdout.fileHandleForReading, into: output)
        Self.drain(stderr.fileHandleForReading, into: errors)
        try process.run()
    }

    /// Reads a pipe to its end on a thread of its own, with blocking reads. `readabilityHandler` would
    /// put each pipe under libdispatch's event loop, which on Linux crashes now and then with many pipes
    /// open at once (a known corelibs bug: the test process dies in `_dispatch_event_loop_drain`).
    static func drain(_ handle: FileHandle, into buffer: TextBuffer) {
        Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty {
                    buffer.close()
                    return
                }
                buffer.append(data)
            }
        }.start()
    }

    /// Types a line into a process started with `interactive: true` (its standard input is a pipe).
    func send(_ line: String) {
        input?.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Waits until the output contains `text` (a generous limit, for slow machines).
    func waitForOutput(_ text: String, limit: Duration = .seconds(30)) async throws {
        try await eventually("output containing '\(text)'; it is:\n\(standardOutput)\nstderr: \(standardError)", limit: limit) {
            standardOutput.contains(text)
        }
    }

    var standardOutput: String { output.text }
    var standardError: String { errors.text }

    /// Waits (up to a generous limit, for a slow machine) until the output has a line starting with `prefix`.
    func waitForLine(startingWith prefix: String, limit: Duration = .seconds(30)) async throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if let line = standardOutput.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if !process.isRunning {
                Issue.record("tdmock exited (\(process.terminationStatus)) before printing '\(prefix)'; stderr: \(standardError)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no line '\(prefix)' within \(limit); output: \(standardOutput) stderr: \(standardError)")
        throw CancellationError()
    }

    /// Waits for the process to end and returns its exit status.
    func waitForExit(limit: Duration = .seconds(30)) async throws -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while process.isRunning && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("tdmock did not exit within \(limit)")
        }
        process.waitUntilExit()
        // What the process wrote may still be on its way from the pipes: wait for both to end (a little).
        let drained = clock.now + .seconds(5)
        while !(output.closed && errors.closed) && clock.now < drained { try await Task.sleep(for: .milliseconds(5)) }
        return process.terminationStatus
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Text that arrives from a pipe while the test reads it.
final class TextBuffer: Sendable {
    private let storage = Mutex("")
    private let ended = Mutex(false)

    func append(_ data: Data) { storage.withLock { $0 += String(decoding: data, as: UTF8.self) } }
    var text: String { storage.withLock { $0 } }

    /// The pipe has reached its end.
    func close() { ended.withLock { $0 = true } }
    var closed: Bool { ended.withLock { $0 } }
}

/// A running `tdmock serve` on a free port.
struct Server {
    let process: TDMockProcess
    let url: String

    static func start(_ arguments: [String] = [], environment: [String: String] = [:], directory: URL? = nil, port: Int = 0) async throws -> Server {
        let process = try TDMockProcess(["serve", "--port", String(port)] + arguments, environment: environment, directory: directory)
        let line = try await process.waitForLine(startingWith: "tdmock listening on ")
        return Server(process: process, url: String(line.dropFirst("tdmock listening on ".count)))
    }
}

/// What an HTTP call answered.
struct HTTPResult {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

enum HTTP {
    static func call(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 4 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    static func token(_ server: String, client: String = "tdmock-client", secret: String = "tdmock-secret") async throws -> String {
        let basic = "Basic " + Data("\(client):\(secret)".utf8).base64EncodedString()
        let result = try await call(
            .POST,
            server + "/oauth/token",
            headers: [("Authorization", basic), ("Content-Type", "application/x-www-form-urlencoded")],
            body: "grant_type=client_credentials"
        )
        return try #require(result.json["access_token"] as? String, "token: \(result.body)")
    }

    /// A Digital Connect call; Start a Conversation carries `key`, else a fresh one, as Talkdesk requires.
    static func json(_ method: HTTPMethod, _ url: String, token: String, body: String? = nil, key: String? = nil) async throws -> HTTPResult {
        var headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
        let starts = method == .POST && url.hasSuffix("/digital-connect/conversations")
        if let key = key ?? (starts ? UUID().uuidString : nil) { headers.append(("x-idempotency-key", key)) }
        return try await call(method, url, headers: headers, body: body)
    }
}

/// What a one-shot `tdmock` command printed, and how it exited.
struct CommandResult {
    var status: Int32
    var output: String
    var errors: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(output.utf8)) }
}

/// Runs blocking work (waiting on a child process) on a thread of its own: the test's cooperative pool has
/// as many threads as cores, and a few blocked `tdmock wait`s would stall every other test.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}

/// Runs `tdmock ARGS...` to its end (standard input empty), reading both pipes to their end.
func tdmock(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    try await onOwnThread {
        let (process, stdout, stderr) = Repository.process(arguments, environment: environment)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = TextBuffer()
        let errorReader = Thread { errors.append(stderr.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // stderr reaches its end when the process has exited; wait for the reader to have it all.
        while !errorReader.isFinished { usleep(1000) }
        return CommandResult(status: process.terminationStatus, output: output, errors: errors.text)
    }
}

/// Starts a conversation with the fixture and returns its id.
func startConversation(_ server: Server, token: String? = nil) async throws -> String {
    var bearer = token
    if bearer == nil { bearer = try await HTTP.token(server.url) }
    let token = bearer ?? ""
    let body = try String(contentsOf: Repository.root.appendingPathComponent("fixtures/start-conversation.json"), encoding: .utf8)
    let result = try await HTTP.json(.POST, server.url + "/digital-connect/conversations", token: token, body: body)
    return try #require(result.json["id"] as? String, "start: \(result.body)")
}

/// Polls until `condition` holds (a generous limit, for slow machines); records an issue otherwise.
func eventually(_ what: String, limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting for: \(what)")
}

/// Runs `tdmock wait` against a server and returns the events it printed (it exits 1 on timeout).
func waitFor(_ server: String, event: String, conversation: String? = nil, count: Int = 1) async throws -> [[String: Any]] {
    var arguments = ["wait", "--server", server, "--event", event, "--count", String(count), "--timeout", "30"]
    if let conversation { arguments += ["--conversation", conversation] }
    let result = try await tdmock(arguments)
    #expect(result.status == 0, "tdmock wait --event \(event): \(result.errors)")
    return result.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// A free port on loopback for a process the test starts later, drawn at random below Linux's ephemeral
/// range (32768 and up) and checked by binding it: a port the kernel handed out for port 0 could be
/// handed again, to another test's server or to an outgoing connection, before the process binds it.
func freePort() async throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return port }
    }
    throw CancellationError()
}
