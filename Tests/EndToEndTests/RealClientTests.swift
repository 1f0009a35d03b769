import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import Testing

/// What real clients and real data meet: the Lex Web UI's WebSocket on any endpoint path, Lex V2 events as
/// Lambdas receive them, U+0000 in strings, Send a Message's 206.
@Suite struct RealClientTests {
    typealias Loop = WholeLoopTests.Loop

    /// Escalates with the fixture's Lex event and returns the conversation id.
    func escalate(_ loop: Loop) async throws -> String {
        let event = try String(contentsOf: Repository.root.appendingPathComponent("fixtures/lex-fulfillment-event.json"), encoding: .utf8)
        let answer = try await HTTP.call(
            .POST,
            loop.bridge + "/2015-03-31/functions/escalate/invocations",
            headers: [("content-type", "application/json")],
            body: event
        )
        let state = try #require(answer.json["sessionState"] as? [String: Any], "\(answer.body)")
        return try #require((state["sessionAttributes"] as? [String: Any])?["talkdesk_conversation_id"] as? String)
    }

    /// The frames the bridge pushes to one live chat, read as the Lex Web UI reads them.
    actor Frames {
        var items: [[String: String]] = []
        func add(_ text: String) {
            if let frame = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
                items.append(frame.compactMapValues { $0 as? String })
            }
        }
    }

    /// What the Lex Web UI's live-chat handler does, against serve's WebSocket API and the bridge's functions:
    /// `new WebSocket(endpoint + "?conversationId=" + id)`, `onMessage` frames, the agent's frames read, and
    /// close 4000 with reason `conversationId:ID` to leave; a message with U+0000 goes through whole.
    @Test func theLexWebUIsLiveChatRunsOnTheWebSocketAPI() async throws {
        let loop = try await Loop.start()
        let banner = loop.server.process.standardOutput
        let port = loop.server.url.split(separator: ":").last.map(String.init) ?? ""
        #expect(banner.contains(#""connect": {"talkDeskWebsocketEndpoint": "ws://127.0.0.1:\#(port)/apigw/ws/prod"}"#), "\(banner)")
        #expect(banner.contains(#""ui": {"enableLiveChat": true}"#))

        let id = try await escalate(loop)
        let endpoint = loop.server.url.replacingOccurrences(of: "http://", with: "ws://") + "/apigw/ws/prod"
        let frames = Frames()
        let said = "my password\u{0} is refused"
        let answer = "Let me\u{0} check"
        try await within(.seconds(60)) {
            try await WebSocketClient.connect(url: endpoint + "?conversationId=\(id)", logger: Logger(label: "test")) { inbound, outbound, _ in
                let message = try JSONSerialization.data(withJSONObject: ["action": "onMessage", "message": said, "conversationId": id])
                try await outbound.write(.text(String(decoding: message, as: UTF8.self)))
                let events = try await waitFor(loop.server.url, event: "contact_message", conversation: id)
                #expect(events.first?["content"] as? String == said)
                let reply = try JSONSerialization.data(withJSONObject: ["agent": "Dana", "content": answer])
                let sent = try await HTTP.call(
                    .POST,
                    loop.server.url + "/tdmock/v1/conversations/\(id)/messages",
                    headers: [("content-type", "application/json")],
                    body: String(decoding: reply, as: UTF8.self)
                )
                #expect(sent.status == 200, "\(sent.body)")
                for try await frame in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = frame { await frames.add(text) }
                    break
                }
                try await outbound.close(.unknown(4000), reason: "conversationId:\(id)")
            }
        }
        _ = try await waitFor(loop.server.url, event: "contact_left", conversation: id)
        let received = await frames.items
        #expect(received.first?["event_type"] == "message_created")
        #expect(received.first?["content"] == answer)
        #expect(received.first?["author_name"] == "Dana")
        let shown = try #require(try await tdmock(["show", id, "--server", loop.server.url, "--json"]).json as? [String: Any])
        let contents = (shown["messages"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
        #expect(contents.suffix(2) == [said, answer])
        try await loop.stop()
    }

    @Test func aPathWithoutConversationIdIsNoLiveChat() async throws {
        let loop = try await Loop.start()
        // chat_socket refuses a $connect without ?conversationId= (its statusCode 400).
        let endpoint = loop.server.url.replacingOccurrences(of: "http://", with: "ws://") + "/apigw/ws/prod"
        await #expect(throws: (any Error).self) {
            try await within(.seconds(60)) { try await WebSocketClient.connect(url: endpoint, logger: Logger(label: "test")) { _, _, _ in } }
        }
        try await loop.stop()
    }

    /// The fixture's event with some of its fields replaced (nil removes one).
    func event(_ changes: [String: Any?]) throws -> String {
        let data = try Data(contentsOf: Repository.root.appendingPathComponent("fixtures/lex-fulfillment-event.json"))
        var event = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for (key, value) in changes { event[key] = value }
        return String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
    }

    func lex(_ loop: Loop, _ body: String) async throws -> (status: Int, state: String?, message: String?, id: String?) {
        let answer = try await HTTP.call(
            .POST,
            loop.bridge + "/2015-03-31/functions/escalate/invocations",
            headers: [("content-type", "application/json")],
            body: body
        )
        let state = answer.json["sessionState"] as? [String: Any]
        return (
            answer.status, (state?["intent"] as? [String: Any])?["state"] as? String,
            (answer.json["messages"] as? [[String: Any]])?.first?["content"] as? String,
            (state?["sessionAttributes"] as? [String: Any])?["talkdesk_conversation_id"] as? String
        )
    }

    @Test func theBridgeTakesLexEventsAsLambdasReceiveThem() async throws {
        let loop = try await Loop.start()
        let interpretation: [String: Any] = ["intent": ["name": "FallbackIntent", "state": "ReadyForFulfillment"], "nluConfidence": ["score": 0.5]]
        let accepted: [[String: Any?]] = [
            [:],  // nluConfidence a bare number, as in a Lambda input event
            ["interpretations": [interpretation]],  // {"score": n}, as RecognizeText has it
            ["invocationSource": "DialogCodeHook", "inputMode": "Speech", "interpretations": nil],
            ["inputMode": "DTMF"],
            ["interpretations": [["nluConfidence": 1], ["nluConfidence": ["score": 0]]]],  // whole numbers are numbers
        ]
        for changes in accepted {
            let answer = try await lex(loop, try event(changes))
            #expect(answer.status == 200 && answer.state == "Fulfilled" && answer.id != nil, "\(changes): \(answer)")
        }
        // What the bridge cannot use: a Lex V2 answer, intent Failed, saying why; never a 500.
        let refused: [([String: Any?], String)] = [
            (["invocationSource": "Nope"], "invocationSource must be FulfillmentCodeHook or DialogCodeHook, not \"Nope\""),
            (["inputMode": "Braille"], "inputMode must be Text, Speech or DTMF, not \"Braille\""),
            (["interpretations": [["nluConfidence": "high"]]], "interpretations[0].nluConfidence must be a number"),
            (["interpretations": [["nluConfidence": true]]], "interpretations[0].nluConfidence must be a number"),
            (["sessionState": nil], "sessionState is missing"),
            (["sessionState": ["sessionAttributes": ["transcript": "not json"]]], "sessionAttributes.transcript must be a JSON array"),
        ]
        for (changes, why) in refused {
            let answer = try await lex(loop, try event(changes))
            #expect(answer.status == 200 && answer.state == "Failed" && answer.id == nil, "\(changes): \(answer)")
            #expect(answer.message?.contains(why) == true, "\(answer.message ?? "")")
        }
        let notJSON = try await HTTP.call(.POST, loop.bridge + "/2015-03-31/functions/escalate/invocations", body: "{nope")
        #expect(notJSON.status == 200)
        #expect(notJSON.headers.first(name: "X-Amz-Function-Error") == "Unhandled")
        #expect(notJSON.body.contains("not a JSON object"))
        try await loop.stop()
    }

    @Test func sendAMessageAnswers206UnderAFaultWithTheMessageStored() async throws {
        let loop = try await Loop.start()
        let env = ["TDMOCK_SERVER": loop.server.url]
        let token = try await HTTP.token(loop.server.url)
        let id = try await startConversation(loop.server, token: token)

        let added = try await tdmock(["fault", "add", "send_message", "--status", "206"], environment: env)
        #expect(added.status == 0, "\(added.errors)")
        let partial = try await HTTP.json(
            .POST,
            loop.server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"with a file"}"#
        )
        #expect(partial.status == 206, "\(partial.body)")
        #expect(partial.json["id"] as? String == id)
        #expect((partial.json["message_id"] as? String)?.count == 32)
        #expect((partial.json["created_at"] as? String)?.count == 24)
        #expect((partial.json["partial_fail_reason"] as? String)?.isEmpty == false)
        let next = try await HTTP.json(
            .POST,
            loop.server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"after"}"#
        )
        #expect(next.status == 201, "one use, then answered as usual")
        #expect(next.json["partial_fail_reason"] == nil)

        // The bridge's own Talkdesk client takes 206 as sent: no error frame reaches the customer.
        let chat = try await escalate(loop)
        #expect(try await tdmock(["fault", "add", "send_message", "--status", "206"], environment: env).status == 0)
        let frames = Frames()
        let endpoint = loop.server.url.replacingOccurrences(of: "http://", with: "ws://") + "/apigw/ws/prod?conversationId=\(chat)"
        try await within(.seconds(60)) {
            try await WebSocketClient.connect(url: endpoint, logger: Logger(label: "test")) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"action":"onMessage","message":"here is a file","conversationId":"\#(chat)"}"#))
                _ = try await waitFor(loop.server.url, event: "contact_message", conversation: chat)
                _ = try await HTTP.call(
                    .POST,
                    loop.server.url + "/tdmock/v1/conversations/\(chat)/messages",
                    headers: [("content-type", "application/json")],
                    body: #"{"agent":"Dana","content":"got it"}"#
                )
                for try await frame in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = frame { await frames.add(text) }
                    break
                }
                try await outbound.close(.unknown(4000), reason: "conversationId:\(id)")
            }
        }
        _ = try await waitFor(loop.server.url, event: "contact_left", conversation: id)
        #expect(await frames.items.map { $0["event_type"] } == ["message_created"])

        let shown = try #require(try await tdmock(["show", id, "--json"], environment: env).json as? [String: Any])
        let contents = (shown["messages"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
        #expect(contents.suffix(2) == ["with a file", "after"])

        // 206 is Send a Message's only.
        let wrong = try await tdmock(["fault", "add", "start_conversation", "--status", "206"], environment: env)
        #expect(wrong.status != 0)
        #expect(wrong.errors.contains("206 (partial success) is Send a Message's only"))
        try await loop.stop()
    }

    @Test func aConfigFileTakesA206Fault() async throws {
        let directory = try Repository.temporaryDirectory()
        let config = directory.appendingPathComponent("faults.yaml")
        try "faults:\n  - target: send_message\n    status: 206\n".write(to: config, atomically: true, encoding: .utf8)
        let server = try await Server.start(["--in-memory", "--config", config.path])
        let token = try await HTTP.token(server.url)
        let id = try await startConversation(server, token: token)
        let partial = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"x"}"#
        )
        #expect(partial.status == 206)
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()

        try "faults:\n  - target: token\n    status: 206\n".write(to: config, atomically: true, encoding: .utf8)
        let refused = try TDMockProcess(["serve", "--port", "0", "--in-memory", "--config", config.path])
        #expect(try await refused.waitForExit() != 0)
        #expect(refused.standardError.contains("206 (partial success) is Send a Message's only"), "\(refused.standardError)")
    }

    /// U+0000 in what the contact sent: `tdmock show` and the line-editing session show it as `\0`.
    @Test func theAgentsSideShowsANulVisibly() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        let start = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations",
            token: token,
            body:
                #"{"touchpoint_id":"tp-tdmock","subject":"Cannot\u0000 log in","contact_person":{"email":"ana@example.com","name":"Ana\u0000Maria"}}"#
        )
        let id = try #require(start.json["id"] as? String, "\(start.body)")
        let sent = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"my password\u0000 is refused"}"#
        )
        #expect(sent.status == 201)

        let shown = try await tdmock(["show", id, "--server", server.url], environment: ["NO_COLOR": "1"])
        #expect(shown.status == 0)
        #expect(shown.output.contains(#"Subject:     Cannot\0 log in"#), "\(shown.output)")
        #expect(shown.output.contains(#"Contact:     Ana\0Maria <ana@example.com>"#))
        #expect(shown.output.contains(#"Ana\0Maria: my password\0 is refused"#))

        let terminal = try Terminal.start(
            "env TDMOCK_SERVER=\(server.url) TDMOCK_HISTORY=/dev/null NO_COLOR=1 \(Repository.binary) reply \(id) --agent Dana"
        )
        defer { terminal.kill() }
        try await terminal.waitFor("the prompt") { $0.lines.last == "Dana@\(id.prefix(8))>" }
        #expect(terminal.screen.contains(#"Ana\0Maria: my password\0 is refused"#), "\(terminal.screen)")
        // A new message while the session is open, printed above the prompt through libedit.
        _ = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"still\u0000 here"}"#
        )
        try await terminal.waitFor("the live message, whole") { $0.screen.contains(#"Ana\0Maria: still\0 here"#) }
        try terminal.type("/quit")
        try terminal.press("Enter")
        try await terminal.waitFor("the session to end") { !$0.isRunning }
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
    }
}

struct TimedOut: Error {}

/// Runs `body`, failing with `TimedOut` (and cancelling it) when it takes longer than `limit`: a live chat
/// that never answers fails its test instead of holding up the run.
func within(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await body()
            return true
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return false
        }
        let finished = try await group.next() ?? false
        group.cancelAll()
        if !finished { throw TimedOut() }
    }
}
