import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TDMockCore
import TDMockServer

struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run Amazon Connect test cases (the Testing language) against your flows, offline.",
        discussion: """
            Each FILE is a test case: the Testing language's JSON (Version, Observations), or a \
            CreateTestCase request's JSON (Name, Content, EntryPoint, InitializationData). A DIR is every \
            .json file below it. Without --server, tdmock runs a server of its own in memory on the \
            configuration (--config, --flow), and ends it after. Each case is created, run and read \
            through Connect's test-case API, as boto3 would; exit 0 when every case passes, 1 when one \
            fails, 2 when one cannot run (refused content, an unreadable file). docs/connect-tests.md \
            says more.

              $ tdmock test examples/question_line/tests --config examples/question_line/tdmock.yaml
              $ tdmock test greeting.json --flow contact_flow.json --junit results.xml
              $ tdmock test tests/ --server http://127.0.0.1:8080 --json
            """
    )

    @Argument(help: "Test case files, or folders of them.") var paths: [String]
    @Option(help: "A contact flow file to test: the flow of every case whose entry point names none.") var flow: String?
    @Option(help: "serve's configuration file (functions, bots, hours, flows).") var config: String?
    @Option(help: "Write the results as JUnit XML here.") var junit: String?
    @Flag(help: "Print the results as JSON instead of lines.") var json = false
    @Option(help: "Run on this tdmock server instead of one of tdmock's own.") var server: String?

    func run() async throws {
        let files = try TestFiles.collect(paths)
        guard let server else {
            var options = ["--in-memory", "--host", "127.0.0.1", "--port", "0", "--log-level", "error"]
            if let config { options += ["--config", config] }
            if let flow { options += ["--flow", flow] }
            let own = try await OwnServer.start(options)
            do {
                try await run(files, on: own.url, pushingFlow: false)
            } catch {
                await own.stop()
                throw error
            }
            await own.stop()
            return
        }
        try await run(files, on: server.hasSuffix("/") ? String(server.dropLast()) : server, pushingFlow: true)
    }

    private func run(_ files: [String], on base: String, pushingFlow: Bool) async throws {
        let client = ConnectTestClient(base: base)
        var flowID: String?
        if let flow, pushingFlow {
            flowID = try await client.createFlow(path: flow)
        }
        var results: [TestResult] = []
        for file in files {
            let result = await client.run(file, defaultFlow: flowID)
            results.append(result)
            if !json { for line in result.lines { Output.line(line) } }
        }
        if let flowID { try? await client.deleteFlow(flowID) }
        if let junit {
            do {
                try Data(TestResult.junit(results).utf8).write(to: URL(fileURLWithPath: junit))
            } catch {
                throw CLIError("cannot write \(junit): \(error.localizedDescription)")
            }
        }
        if json {
            Output.line(TestResult.json(results))
        } else {
            let passed = results.filter { $0.status == "PASSED" }.count
            let errors = results.filter { $0.error != nil }.count
            Output.line(
                "\(passed) passed, \(results.count - passed - errors) failed, \(errors) could not run (\(results.count) test case\(results.count == 1 ? "" : "s"))"
            )
        }
        if results.contains(where: { $0.error != nil }) { throw ExitCode(2) }
        if results.contains(where: { $0.status != "PASSED" }) { throw ExitCode(1) }
    }

}

/// `serve` in this process, in memory, on a free port, run by a service group so that it ends gracefully.
struct OwnServer {
    let url: String
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(_ options: [String]) async throws -> OwnServer {
        let configuration = try Serve.configuration(options)
        var logger = Logger(label: "tdmock")
        logger.logLevel = .error
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(configuration, logger: logger, onServerRunning: { port in continuation.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var port: Int?
        for await bound in stream {
            port = bound
            break
        }
        guard let port else {
            if case .failure(let error) = await task.result { throw CLIError("cannot start tdmock's own server: \(error)") }
            throw CLIError("cannot start tdmock's own server")
        }
        return OwnServer(url: "http://127.0.0.1:\(port)", group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// The files a `tdmock test` runs: each FILE, and every .json below each DIR, in name order.
enum TestFiles {
    static func collect(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var folder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &folder) else { throw CLIError("no such file or folder: \(path)") }
            guard folder.boolValue else {
                files.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".json") }.sorted()
            if found.isEmpty { throw CLIError("no .json test case in \(path)") }
            files += found.map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
        }
        return files
    }
}

/// One test case's result as `tdmock test` reports it.
struct TestResult: Sendable {
    var name: String
    var file: String
    var status: String
    var milliseconds: Double
    var records: [JSONValue] = []
    /// Why the case could not run (refused content, an unreadable file).
    var error: String?

    /// The observations' records (an execution's records also say how it started and ended).
    var observations: [JSONValue] { records.filter { $0["Type"]?.stringValue == "OBSERVATION" } }
    var failures: [JSONValue] { observations.filter { $0["Status"]?.stringValue == "FAILED" } }
    /// How the test ended, from its COMPLETION record.
    var ending: String? { records.first { $0["Type"]?.stringValue == "COMPLETION" }?["CompletionReason"]?["Message"]?.stringValue }

    var lines: [String] {
        if let error { return ["ERROR \(name) (\(file)): \(error)"] }
        var lines = [
            "\(status == "PASSED" ? "PASS" : "FAIL") \(name) (\(observations.count) observations, \(String(format: "%.1f", milliseconds)) ms)"
        ]
        for record in failures {
            lines.append("  observation '\(record["Identifier"]?.stringValue ?? "")': \(record["Failure"]?.stringValue ?? "failed")")
            lines.append("    expected: \(record["Expected"]?.stringValue ?? "")")
            if let observed = record["Observed"]?.stringValue { lines.append("    last seen: \(observed)") }
            for action in record["Actions"]?.arrayValue ?? [] where action["Status"]?.stringValue == "FAILED" {
                lines.append("    action '\(action["Identifier"]?.stringValue ?? "")': \(action["Detail"]?.stringValue ?? "")")
            }
            if let path = record["Path"]?.arrayValue, !path.isEmpty {
                lines.append("    the flow's path:")
                lines += path.compactMap(\.stringValue).map { "      \($0)" }
            }
        }
        return lines
    }

    static func json(_ results: [TestResult]) -> String {
        let list: [JSONValue] = results.map { result in
            var object: [String: JSONValue] = [
                "name": .string(result.name), "file": .string(result.file), "status": .string(result.error == nil ? result.status : "ERROR"),
                "milliseconds": .number(result.milliseconds), "records": .array(result.records),
            ]
            if let ending = result.ending { object["ending"] = .string(ending) }
            if let error = result.error { object["error"] = .string(error) }
            return .object(object)
        }
        return JSONCoding.text(JSONValue.array(list))
    }

    static func junit(_ results: [TestResult]) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let failures = results.filter { $0.error == nil && $0.status != "PASSED" }.count
        let errors = results.filter { $0.error != nil }.count
        let seconds = results.map(\.milliseconds).reduce(0, +) / 1000
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"tdmock test\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(seconds)\">\n"
        xml +=
            "  <testsuite name=\"Amazon Connect test cases\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(seconds)\">\n"
        for result in results {
            xml += "    <testcase name=\"\(escaped(result.name))\" classname=\"\(escaped(result.file))\" time=\"\(result.milliseconds / 1000)\">"
            if let error = result.error {
                xml += "\n      <error message=\"\(escaped(error))\"/>\n    "
            } else if result.status != "PASSED" {
                let first = result.failures.first?["Failure"]?.stringValue ?? result.ending ?? result.status
                xml += "\n      <failure message=\"\(escaped(first))\">\(escaped(result.lines.dropFirst().joined(separator: "\n")))</failure>\n    "
            }
            xml += "</testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }
}

/// Connect's test-case API over HTTP, as boto3 calls it (the instance id is any in tdmock).
struct ConnectTestClient: Sendable {
    let base: String
    static let instance = "00000000-0000-4000-8000-00000000c0de"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ data: Data) -> JSONValue? {
        try? data.withUnsafeBytes { JSONReader.read($0) }.get()
    }

    func call(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "content-type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(bytes: JSONCoding.data(body))) }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        } catch {
            throw Failure(description: "cannot reach \(base): \(error)")
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let value = Self.parse(Data(bytes.readableBytesView)) ?? .object([:])
        guard (200..<300).contains(Int(response.status.code)) else {
            let type = response.headers.first(name: "x-amzn-errortype") ?? "HTTP \(response.status.code)"
            let problems = (value["Problems"] ?? value["problems"])?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
            let message = problems.isEmpty ? value["Message"]?.stringValue ?? "" : problems.joined(separator: "; ")
            throw Failure(description: "\(type): \(message)")
        }
        return value
    }

    func createFlow(path: String) async throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the flow \(path)") }
        let name = "tdmock test \(URL(fileURLWithPath: path).lastPathComponent) \(UUID().uuidString.prefix(8))"
        let created = try await call(
            .PUT,
            "/contact-flows/\(Self.instance)",
            ["Name": .string(name), "Type": "CONTACT_FLOW", "Content": .string(String(decoding: data, as: UTF8.self))]
        )
        return created["ContactFlowId"]?.stringValue ?? ""
    }

    func deleteFlow(_ id: String) async throws { _ = try await call(.DELETE, "/contact-flows/\(Self.instance)/\(id)") }

    /// Creates the file's test case, runs it to its end, reads its records, and deletes it.
    func run(_ file: String, defaultFlow: String?) async -> TestResult {
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var result = TestResult(name: stem, file: file, status: "ERROR", milliseconds: 0)
        guard let data = FileManager.default.contents(atPath: file) else {
            result.error = "cannot read the file"
            return result
        }
        guard let document = Self.parse(data), document.objectValue != nil else {
            result.error = "not a JSON object (the Testing language, or a CreateTestCase request)"
            return result
        }
        var request: [String: JSONValue]
        if let content = document["Content"] {
            request = document.objectValue ?? [:]
            request["Content"] = content.stringValue.map(JSONValue.string) ?? .string(JSONCoding.text(content))
            if let name = document["Name"]?.stringValue { result.name = name }
        } else {
            // A console export keeps the entry point and the contact's first attributes in Metadata.
            request = ["Content": .string(String(decoding: data, as: UTF8.self))]
            if let exported = document["Metadata"]?["entryPoint"], !exported.isNull { request["EntryPoint"] = exported }
            if let data = document["Metadata"]?["initializationData"]?.stringValue { request["InitializationData"] = .string(data) }
        }
        if request["EntryPoint"] == nil, let defaultFlow {
            request["EntryPoint"] = ["Type": "VOICE_CALL", "VoiceCallEntryPointParameters": ["FlowId": .string(defaultFlow)]]
        }
        request["Name"] = .string("\(result.name) \(UUID().uuidString.prefix(8))")
        request["InstanceId"] = nil
        let started = ContinuousClock.now
        do {
            let created = try await call(.PUT, "/test-cases/\(Self.instance)", .object(request))
            let id = created["TestCaseId"]?.stringValue ?? ""
            let execution = try await call(.PUT, "/test-cases/\(Self.instance)/\(id)/start-execution")["TestCaseExecutionId"]?.stringValue ?? ""
            var summary = try await call(.GET, "/test-cases/\(Self.instance)/\(id)/\(execution)/summary")
            while ["INITIATED", "IN_PROGRESS"].contains(summary["Status"]?.stringValue ?? "") {
                try await Task.sleep(for: .milliseconds(2))
                summary = try await call(.GET, "/test-cases/\(Self.instance)/\(id)/\(execution)/summary")
            }
            let elapsed = (ContinuousClock.now - started).components
            result.milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
            result.status = summary["Status"]?.stringValue ?? "FAILED"
            let records = try await call(.GET, "/test-cases/\(Self.instance)/\(id)/\(execution)/records?maxResults=100")
            result.records = (records["ExecutionRecords"]?.arrayValue ?? []).compactMap { record in
                record["Record"]?.stringValue.flatMap { Self.parse(Data($0.utf8)) }
            }
            _ = try? await call(.DELETE, "/test-cases/\(Self.instance)/\(id)")
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}
