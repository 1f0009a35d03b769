import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A Lambda of one's own (checks/lambda/fallback_lambda.py) on the Lambda Invoke API.
struct PythonLambda {
    let process: Process
    let url: String

    static func start(questionAPI: String) async throws -> PythonLambda {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Repository.root.appendingPathComponent("checks/lambda/fallback_lambda.py").path,
            "--port", "0", "--question-api", questionAPI,
        ]
        let output = Pipe()
        process.standardOutput = output
        let text = TextBuffer()
        TDMockProcess.drain(output.fileHandleForReading, into: text)
        try process.run()
        var line = ""
        try await eventually("the Lambda to listen") {
            line = text.text.split(separator: "\n").first.map(String.init) ?? ""
            return line.hasPrefix("lambda listening on ")
        }
        let base = String(line.dropFirst("lambda listening on ".count))
        return PythonLambda(process: process, url: base + "/2015-03-31/functions/function/invocations")
    }

    /// Stops the Lambda and waits for it to be gone.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5000) }
    }
}

/// Connect's caller side over HTTP, as a test suite would use it.
enum Caller {
    static func start(_ server: String, _ body: String = #"{"caller":"+15550100","attributes":{"region":"EU"}}"#) async throws -> String {
        let result = try await HTTP.call(.POST, server + "/connect/v1/contacts", headers: [("content-type", "application/json")], body: body)
        #expect(result.status == 201, "\(result.body)")
        return try #require(result.json["contact_id"] as? String)
    }

    static func say(_ server: String, _ id: String, _ text: String) async throws -> HTTPResult {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["text": text]), as: UTF8.self)
        return try await HTTP.call(
            .POST,
            server + "/connect/v1/contacts/\(id)/utterances",
            headers: [("content-type", "application/json")],
            body: body
        )
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct QuestionResponseLineTests {
    /// Says `text` and, once its question is asked, answers it with `tdmock answer ARGS`.
    func turn(_ server: Server, _ id: String, _ text: String, count: Int, answer: [String]) async throws -> [String: Any] {
        async let said = Caller.say(server.url, id, text)
        let created = try await waitFor(server.url, event: "question_created", count: count)
        let question = try #require(created.last?["question_id"] as? String)
        #expect(created.last?["session_id"] as? String == id)
        let answered = try await tdmock(["answer", question, "--server", server.url, "--agent", "Dana"] + answer)
        #expect(answered.status == 0, "\(answered.errors)")
        let result = try await said
        #expect(result.status == 200, "\(result.body)")
        return result.json
    }

    @Test func yourOwnLambdaSpeaksThenDisconnectsThenFails() async throws {
        // The Lambda asks serve's question API; serve calls the Lambda: serve's port is chosen first.
        let port = try await freePort()
        let lambda = try await PythonLambda.start(questionAPI: "http://127.0.0.1:\(port)")
        defer { lambda.stop() }
        let served = try await Server.start(["--in-memory", "--lambda-url", lambda.url], port: port)

        let id = try await Caller.start(served.url)
        var body = try await turn(served, id, "What are our third quarter earnings?", count: 1, answer: ["--speak", "4.2 million."])
        #expect(body["branch"] as? String == "speak")
        #expect(body["prompt"] as? String == "4.2 million.")
        #expect(body["ended"] as? Bool == false)
        #expect((body["session_attributes"] as? [String: String])?["region"] == "EU")
        body = try await turn(served, id, "That is all, goodbye", count: 2, answer: ["--disconnect", "Goodbye."])
        #expect(body["branch"] as? String == "disconnect")
        #expect(body["prompt"] as? String == "Goodbye.")
        #expect(body["ended"] as? Bool == true)
        #expect(try await Caller.say(served.url, id, "hello?").status == 409)

        let other = try await Caller.start(served.url)
        body = try await turn(served, other, "Tell me a joke", count: 3, answer: ["--fail", "no_workflow"])
        #expect(body["branch"] as? String == "failed")
        #expect(body["prompt"] as? String == "Sorry, something went wrong. Goodbye.")
        #expect((body["session_attributes"] as? [String: String])?["response_reason"] == "no_workflow")

        // Each turn is kept: the Lex event sent, the Lambda's answer and latency, the branch.
        let shown = try await tdmock(["contacts", id, "--server", served.url, "--json"])
        let contact = try #require(shown.json as? [String: Any])
        let turns = try #require(contact["turns"] as? [[String: Any]])
        #expect(turns.compactMap { $0["branch"] as? String } == ["speak", "disconnect"])
        let event = try #require(turns.first?["lex_event"] as? [String: Any])
        #expect(event["invocationSource"] as? String == "FulfillmentCodeHook")
        #expect((event["sessionState"] as? [String: Any])?["sessionAttributes"] as? [String: String] == ["region": "EU"])
        #expect(((turns.first?["lambda"] as? [String: Any])?["latency_ms"] as? Double ?? -1) > 0)
        let table = try await tdmock(["contacts", id, "--server", served.url])
        #expect(table.output.contains("Lambda: HTTP 200"))
        #expect(table.output.contains("Connect: Goodbye. (hangs up)"))
        served.process.signal(SIGTERM)
    }

    @Test func eachAnswerLexRefusesEndsTheCallWithTheCause() async throws {
        let port = try await freePort()
        let lambda = try await PythonLambda.start(questionAPI: "http://127.0.0.1:\(port)")
        defer { lambda.stop() }
        let served = try await Server.start(["--in-memory", "--lambda-url", lambda.url, "--lambda-timeout", "5"], port: port)
        for (said, cause) in [
            ("refuse:object-attribute", "Lex refused the Lambda's answer: sessionState.sessionAttributes.account: an object; Lex takes strings"),
            ("refuse:no-dialog-action", "Lex refused the Lambda's answer: sessionState.dialogAction: missing"),
            ("refuse:bad-state", #"Lex refused the Lambda's answer: sessionState.intent.state: "Done" is not one of"#),
            ("refuse:bad-content-type", #"Lex refused the Lambda's answer: messages[0].contentType: "Text""#),
            ("refuse:status-500", "the function answered HTTP 500"),
            ("refuse:raise", "the function failed (X-Amz-Function-Error: Unhandled): KeyError('question')"),
            ("refuse:not-json", "the function's answer is not JSON"),
        ] {
            let id = try await Caller.start(served.url)
            let result = try await Caller.say(served.url, id, said)
            #expect(result.json["branch"] as? String == "error", "\(said): \(result.body)")
            #expect(result.json["ended"] as? Bool == true)
            #expect(result.json["prompt"] as? String == "Sorry, something went wrong. Goodbye.")
            #expect((result.json["error"] as? String)?.hasPrefix(cause) == true, "\(said): \(result.body)")
        }
        // The Lambda down: the same, saying so.
        lambda.stop()
        let id = try await Caller.start(served.url)
        let down = try await Caller.say(served.url, id, "hello")
        #expect((down.json["error"] as? String)?.contains("cannot reach the function") == true, "\(down.body)")
        served.process.signal(SIGTERM)
    }

    @Test func theWholeLineRunsOnTdmocksOwnParts() async throws {
        let bridgePort = try await freePort()
        let server = try await Server.start([
            "--in-memory", "--lambda-url", "http://127.0.0.1:\(bridgePort)/2015-03-31/functions/fallback/invocations",
        ])
        let bridge = try TDMockProcess(["bridge", "--port", String(bridgePort), "--talkdesk-url", server.url])
        _ = try await bridge.waitForLine(startingWith: "tdmock bridge listening on ")
        let agent = try TDMockProcess([
            "agent", "--server", server.url, "--agent", "Robo", "--script", Repository.root.appendingPathComponent("fixtures/agent-script.yaml").path,
        ])
        try await agent.waitForOutput("question rule(s)")

        let id = try await Caller.start(server.url)
        var result = try await Caller.say(server.url, id, "What are our third quarter earnings?")
        #expect(result.json["branch"] as? String == "speak", "\(result.body)")
        #expect(result.json["prompt"] as? String == "Third quarter earnings were EU 4.2 million.")
        let attributes = try #require(result.json["session_attributes"] as? [String: String])
        #expect(attributes["response_type"] == "speak")
        #expect(attributes["question_id"]?.count == 32)
        result = try await Caller.say(server.url, id, "ok goodbye")
        #expect(result.json["branch"] as? String == "disconnect")
        #expect(result.json["prompt"] as? String == "Goodbye.")
        let other = try await Caller.start(server.url, "{}")
        result = try await Caller.say(server.url, other, "Tell me a joke")
        #expect(result.json["branch"] as? String == "failed")
        #expect(
            result.json["session_attributes"] as? [String: String] == [
                "response_type": "failed", "response_reason": "no_workflow",
                "question_id": (result.json["session_attributes"] as? [String: String])?["question_id"] ?? "",
            ]
        )
        // The question API down: the bridge's Lambda answers failed, saying why.
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        let lambda = try await HTTP.call(
            .POST,
            "http://127.0.0.1:\(bridgePort)/2015-03-31/functions/fallback/invocations",
            body: #"{"sessionId":"s","inputTranscript":"hi","sessionState":{"sessionAttributes":{}}}"#
        )
        let state = try #require(lambda.json["sessionState"] as? [String: Any])
        let reason = (state["sessionAttributes"] as? [String: String])?["response_reason"] ?? ""
        #expect(reason.contains("is unreachable"), "\(lambda.body)")
        let notAnEvent = try await HTTP.call(.POST, "http://127.0.0.1:\(bridgePort)/2015-03-31/functions/fallback/invocations", body: "[]")
        #expect(notAnEvent.headers.first(name: "X-Amz-Function-Error") == "Unhandled")
        for process in [bridge, agent] { process.signal(SIGTERM) }
    }

    @Test func aHeldQuestionIsStillThereAfterARestart() async throws {
        let directory = try Repository.temporaryDirectory()
        let db = directory.appendingPathComponent("inbox.sqlite").path
        let server = try await Server.start(["--db", db])
        let key = [("x-api-key", "tdmock-question-key"), ("content-type", "application/json")]
        let url = server.url
        let held = Task {
            try await HTTP.call(
                .POST,
                url + "/question-response/v1/questions",
                headers: key,
                body: #"{"session_id":"s-1","question":"Still there?","wait_seconds":30}"#
            )
        }
        let created = try await waitFor(server.url, event: "question_created")
        let id = try #require(created.first?["question_id"] as? String)
        server.process.signal(SIGKILL)
        _ = try await server.process.waitForExit()
        _ = try? await held.value  // the held request's connection is gone with the server

        let restarted = try await Server.start(["--db", db])
        let listed = try await tdmock(["questions", "--server", restarted.url, "--json"])
        let questions = try #require(listed.json as? [[String: Any]])
        #expect(questions.compactMap { $0["id"] as? String } == [id])
        #expect(questions.first?["status"] as? String == "queued")
        let answered = try await tdmock(["answer", id, "--speak", "Yes.", "--server", restarted.url])
        #expect(answered.status == 0, "\(answered.errors)")
        let poll = try await HTTP.call(.GET, restarted.url + "/question-response/v1/questions/\(id)", headers: key)
        #expect(poll.json["type"] as? String == "speak")
        #expect(poll.json["text"] as? String == "Yes.")
        let twice = try await tdmock(["answer", id, "--fail", "--server", restarted.url])
        #expect(twice.status != 0)
        #expect(twice.errors.contains("already answered"))
        restarted.process.signal(SIGTERM)
    }

    @Test func aCallerAndAnAgentInTerminals() async throws {
        let bridgePort = try await freePort()
        let server = try await Server.start([
            "--in-memory", "--lambda-url", "http://127.0.0.1:\(bridgePort)/2015-03-31/functions/fallback/invocations",
        ])
        let bridge = try TDMockProcess(["bridge", "--port", String(bridgePort), "--talkdesk-url", server.url])
        _ = try await bridge.waitForLine(startingWith: "tdmock bridge listening on ")
        let history = try Repository.temporaryDirectory().appendingPathComponent("history").path
        let console = try Terminal.start(
            "env TDMOCK_SERVER=\(server.url) TDMOCK_HISTORY=\(history) NO_COLOR=1 \(Repository.binary) console --agent Dana"
        )
        defer { console.kill() }
        try await console.waitFor("the console's prompt") { $0.lines.last == "Dana>" }
        let call = try Terminal.start("env TDMOCK_SERVER=\(server.url) NO_COLOR=1 \(Repository.binary) call --caller +15550100 --attribute region=EU")
        defer { call.kill() }
        // The pane stays after `tdmock call` exits, so that its last words can be read.
        _ = try call.tmux(["set-option", "-t", call.session, "remain-on-exit", "on"])
        try await call.waitFor("the greeting") { $0.screen.contains("Connect: What is your question?") && $0.lines.last == "caller>" }

        call.typeLine("What are our third quarter earnings?")
        try await console.waitFor("the question announced") { $0.unwrapped.contains("What are our third quarter earnings? : /open ") }
        let announced = try #require(console.lines.first { $0.hasPrefix("New question ") })
        let id = String(announced.dropFirst("New question ".count).prefix(32))
        console.typeLine("/open \(id.prefix(10))")
        try await console.waitFor("the question opened") { $0.screen.contains("region = EU") && $0.lines.last == "Dana@q:\(id.prefix(8))>" }
        console.typeLine("Third quarter earnings were 4.2 million.")
        try await call.waitFor("the answer spoken") {
            $0.screen.contains("Connect: Third quarter earnings were 4.2 million.") && $0.lines.last == "caller>"
        }
        try await console.waitFor("the answer confirmed") { $0.screen.contains("Answered question \(id): speak") && $0.lines.last == "Dana>" }

        // (Each line is typed once the prompt is back, as a person does: what is typed while a line is
        // being handled can be lost when libedit takes the terminal again.)
        call.typeLine("Thanks, goodbye")
        try await console.waitFor("the second question") { $0.lines.filter { $0.hasPrefix("New question ") }.count == 2 }
        let second = String(try #require(console.lines.last { $0.hasPrefix("New question ") }).dropFirst("New question ".count).prefix(32))
        console.typeLine("/open \(second)")
        try await console.waitFor("the session's earlier question shown") {
            $0.screen.contains("Earlier in this session") && $0.lines.last == "Dana@q:\(second.prefix(8))>"
        }
        console.typeLine("/disconnect Goodbye.")
        try await call.waitFor("the call to end") { $0.screen.contains("Connect: Goodbye.") && $0.screen.contains("The call ended (disconnect).") }
        try await call.waitFor("tdmock call to exit") {
            ((try? $0.tmux(["list-panes", "-t", $0.session, "-F", "#{pane_dead}"])) ?? "").hasPrefix("1")
        }
        bridge.signal(SIGTERM)
        server.process.signal(SIGTERM)
    }
}

/// The question line on the user's own flow and bot (examples/question_line), its Python functions hosted by
/// tools/lambda_host.py, the caller and the agent in two terminals.
@Suite(.serialized, .timeLimit(.minutes(3))) struct UsersFlowInTerminalsTests {
    @Test func aCallerAndAnAgentInTerminalsOnTheUsersFlow() async throws {
        let example = Repository.root.appendingPathComponent("examples/question_line")
        let (port, hostPort) = (try await freePort(), try await freePort())
        let host = Process()
        host.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        host.arguments = [
            "python3", Repository.root.appendingPathComponent("tools/lambda_host.py").path, "--port", String(hostPort),
            "customer_lookup=\(example.path)/customer_lookup.py:lambda_handler",
            "question_fallback=\(example.path)/question_fallback.py:lambda_handler",
        ]
        host.environment = ProcessInfo.processInfo.environment.merging(
            ["QUESTION_API_URL": "http://127.0.0.1:\(port)", "QUESTION_API_KEY": "tdmock-question-key"],
            uniquingKeysWith: { _, new in new }
        )
        let output = Pipe()
        host.standardOutput = output
        let printed = TextBuffer()
        TDMockProcess.drain(output.fileHandleForReading, into: printed)
        try host.run()
        defer { kill(host.processIdentifier, SIGKILL) }
        // The flow calls customer_lookup as the call starts: the host must be listening by then.
        try await eventually("the lambda host to listen") { printed.text.contains("lambda host listening on ") }
        let functions = ["customer_lookup", "question_fallback"].map {
            "--function=\($0)=http://127.0.0.1:\(hostPort)/2015-03-31/functions/\($0)/invocations"
        }
        let server = try await Server.start(["--config", example.appendingPathComponent("tdmock.yaml").path] + functions, port: port)
        let history = try Repository.temporaryDirectory().appendingPathComponent("history").path
        let console = try Terminal.start(
            "env TDMOCK_SERVER=\(server.url) TDMOCK_HISTORY=\(history) NO_COLOR=1 \(Repository.binary) console --agent Dana"
        )
        defer { console.kill() }
        try await console.waitFor("the console's prompt") { $0.lines.last == "Dana>" }
        let call = try Terminal.start("env TDMOCK_SERVER=\(server.url) NO_COLOR=1 \(Repository.binary) call --caller +15550100")
        defer { call.kill() }
        _ = try call.tmux(["set-option", "-t", call.session, "remain-on-exit", "on"])
        try await call.waitFor("the greeting by name") {
            $0.screen.contains("Connect: Hello Ada. What is your question?") && $0.lines.last == "caller>"
        }

        call.typeLine("/silence")
        try await call.waitFor("the flow's time-out branch") {
            $0.unwrapped.contains("Connect: Are you still there? Ask your question whenever you are ready.") && $0.lines.last == "caller>"
        }
        call.typeLine("What are our third quarter earnings?")
        try await console.waitFor("the question announced") { $0.unwrapped.contains("What are our third quarter earnings? : /open ") }
        let first = String(try #require(console.lines.first { $0.hasPrefix("New question ") }).dropFirst("New question ".count).prefix(32))
        console.typeLine("/open \(first)")
        try await console.waitFor("the caller's attributes") { $0.screen.contains("tier = gold") && $0.lines.last == "Dana@q:\(first.prefix(8))>" }
        console.typeLine("They were 4.2 million.")
        try await call.waitFor("the answer spoken") { $0.screen.contains("Connect: They were 4.2 million.") && $0.lines.last == "caller>" }
        try await console.waitFor("the console's prompt again") { $0.lines.last == "Dana>" }

        call.typeLine("Can I change my plan?")
        try await console.waitFor("the second question") { $0.lines.filter { $0.hasPrefix("New question ") }.count == 2 }
        let second = String(try #require(console.lines.last { $0.hasPrefix("New question ") }).dropFirst("New question ".count).prefix(32))
        console.typeLine("/open \(second)")
        try await console.waitFor("the second question opened") { $0.lines.last == "Dana@q:\(second.prefix(8))>" }
        console.typeLine("/fail no_workflow")
        try await call.waitFor("the transfer") {
            $0.unwrapped.contains("Connect: I could not answer that. Let me put you through to someone who can.")
                && $0.screen.contains("The call ended (transfer).")
        }

        let coverage = try await tdmock(["contacts", "--coverage", "--server", server.url])
        #expect(coverage.status == 0)
        #expect(coverage.output.contains("Flow main"), "\(coverage.output)")
        #expect(coverage.output.contains("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e12 (MessageParticipant): never run"), "\(coverage.output)")
        server.process.signal(SIGTERM)
    }
}

extension Terminal {
    /// The screen with the terminal's line wrapping undone.
    var unwrapped: String { screen.replacingOccurrences(of: "\n", with: "") }

    func typeLine(_ text: String) {
        try? type(text)
        try? press("Enter")
    }
}
