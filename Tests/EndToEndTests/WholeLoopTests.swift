import Foundation
import Testing

/// serve, bridge, customers and agents as separate processes, as docs/chat-line.md's four terminals run them.
@Suite struct WholeLoopTests {
    struct Loop {
        let server: Server
        let bridge: String
        let bridgeProcess: TDMockProcess

        static func start(serveArguments: [String] = []) async throws -> Loop {
            let bridgePort = try await freePort()
            let bridgeURL = "http://127.0.0.1:\(bridgePort)"
            let server = try await Server.start(
                // Callbacks go to serve's own REST API, which hands them to the bridge's chat_callback.
                ["--in-memory", "--function", "chat_callback=\(bridgeURL)/2015-03-31/functions/chat_callback/invocations"] + serveArguments,
                environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05"]
            )
            let bridge = try TDMockProcess(["bridge", "--port", String(bridgePort), "--talkdesk-url", server.url, "--api-key", "k-loop"])
            _ = try await bridge.waitForLine(startingWith: "tdmock bridge listening on ")
            return Loop(server: server, bridge: bridgeURL, bridgeProcess: bridge)
        }

        func customer(_ name: String) throws -> TDMockProcess {
            try TDMockProcess(
                ["customer", "--bridge", bridge, "--name", name, "--email", "\(name.lowercased())@example.com"],
                environment: ["NO_COLOR": "1"],
                interactive: true
            )
        }

        func agent(_ id: String, name: String = "Dana") throws -> TDMockProcess {
            try TDMockProcess(
                ["reply", id, "--server", server.url, "--agent", name],
                environment: ["NO_COLOR": "1", "TDMOCK_HISTORY": "/dev/null"],
                interactive: true
            )
        }

        func stop() async throws {
            for process in [server.process, bridgeProcess] {
                process.signal(SIGTERM)
                #expect(try await process.waitForExit() == 0)
            }
        }
    }

    @Test func aCustomerAndAnAgentChatAndEachSideEndsOnce() async throws {
        let loop = try await Loop.start()

        // The agent ends the first conversation.
        let ana = try loop.customer("Ana")
        let created = try await waitFor(loop.server.url, event: "conversation_created")
        let first = try #require(created.first?["conversation_id"] as? String)
        try await ana.waitForOutput("Conversation \(first)")
        let dana = try loop.agent(first)
        try await dana.waitForOutput("Type a message")
        #expect(dana.standardOutput.contains("Contact:     Ana <ana@example.com>"))
        #expect(dana.standardOutput.contains("sentiment = NEGATIVE"))
        #expect(dana.standardOutput.contains("system: Sorry to hear that. Shall I connect you with a person?"))
        #expect(dana.standardOutput.contains("Ana: Yes, let me talk to a person"))

        dana.send("Hello Ana, this is Dana.")
        _ = try await waitFor(loop.server.url, event: "callback_delivered", conversation: first, count: 2)
        try await ana.waitForOutput("Dana: Hello Ana, this is Dana.")

        ana.send("I can't log in")
        _ = try await waitFor(loop.server.url, event: "contact_message", conversation: first)
        try await dana.waitForOutput("Ana: I can't log in")

        dana.send("/close")
        _ = try await waitFor(loop.server.url, event: "conversation_ended", conversation: first)
        try await ana.waitForOutput("Dana ended the chat.")
        #expect(try await ana.waitForExit() == 0)
        #expect(try await dana.waitForExit() == 0)

        // The customer ends the second one.
        let bo = try loop.customer("Bo")
        let second = try #require(try await waitFor(loop.server.url, event: "conversation_created", count: 2).last?["conversation_id"] as? String)
        let eve = try loop.agent(second, name: "Eve")
        try await eve.waitForOutput("Type a message")
        eve.send("Hi Bo")
        try await bo.waitForOutput("Eve: Hi Bo")
        bo.send("/leave")
        _ = try await waitFor(loop.server.url, event: "contact_left", conversation: second)
        try await eve.waitForOutput("Bo left the conversation.")
        #expect(try await bo.waitForExit() == 0)
        eve.send("/quit")
        #expect(try await eve.waitForExit() == 0)

        let ended = try #require(try await tdmock(["show", first, "--server", loop.server.url, "--json"]).json as? [String: Any])
        #expect(ended["status"] as? String == "ended")
        #expect(ended["ended_by"] as? String == "agent")
        let left = try #require(try await tdmock(["show", second, "--server", loop.server.url, "--json"]).json as? [String: Any])
        #expect(left["ended_by"] as? String == "contact")
        let contents = (left["messages"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
        #expect(contents.suffix(1) == ["Hi Bo"])
        try await loop.stop()
    }

    @Test func theScriptedAgentAnswersByItsRules() async throws {
        let loop = try await Loop.start()
        let robo = try TDMockProcess([
            "agent", "--server", loop.server.url, "--agent", "Robo", "--script",
            Repository.root.appendingPathComponent("fixtures/agent-script.yaml").path,
        ])
        try await robo.waitForOutput("is answering")
        let ana = try loop.customer("Ana")
        try await ana.waitForOutput("Robo: Hi Ana, this is Robo. I see you feel NEGATIVE.")
        ana.send("my card is blocked")
        try await ana.waitForOutput("Robo: You said: my card is blocked")
        ana.send("Thanks, bye!")
        try await ana.waitForOutput("Robo ended the chat.")
        #expect(try await ana.waitForExit() == 0)
        try await robo.waitForOutput("closed (the contact said \"Thanks, bye!\")")
        robo.signal(SIGTERM)
        _ = try await robo.waitForExit()
        try await loop.stop()
    }

    @Test func theSameSeedGivesTheSameIds() async throws {
        var runs: [[String]] = []
        for _ in 0..<2 {
            let server = try await Server.start(["--in-memory", "--seed", "42"])
            let token = try await HTTP.token(server.url)
            let id = try await startConversation(server, token: token)
            let message = try await HTTP.json(
                .POST,
                server.url + "/digital-connect/conversations/\(id)/messages",
                token: token,
                body: #"{"content":"hi"}"#
            )
            runs.append([token, id, message.json["message_id"] as? String ?? ""])
            server.process.signal(SIGTERM)
            _ = try await server.process.waitForExit()
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0][1].count == 32)
    }

    @Test func resetEmptiesTheInboxAndTheEventLog() async throws {
        let server = try await Server.start(["--in-memory", "--seed", "7"])
        let first = try await startConversation(server)
        _ = try await waitFor(server.url, event: "conversation_created")
        let reset = try await tdmock(["reset", "--server", server.url])
        #expect(reset.status == 0)
        #expect(try await tdmock(["inbox", "--json", "--server", server.url]).json as? [Any] != nil)
        #expect((try await tdmock(["inbox", "--json", "--server", server.url]).json as? [Any])?.isEmpty == true)
        let none = try await tdmock(["wait", "--server", server.url, "--event", "conversation_created", "--timeout", "0.2"])
        #expect(none.status == 1)
        #expect(none.errors.contains("fewer than 1 conversation_created events"))
        let shown = try await tdmock(["show", first, "--server", server.url])
        #expect(shown.status != 0)
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
    }

    @Test func theBridgeEscalatesALexFulfillmentEvent() async throws {
        let loop = try await Loop.start()
        let event = try String(contentsOf: Repository.root.appendingPathComponent("fixtures/lex-fulfillment-event.json"), encoding: .utf8)
        let answer = try await HTTP.call(.POST, loop.bridge + "/lex/fulfillment", headers: [("content-type", "application/json")], body: event)
        #expect(answer.status == 200)
        let state = try #require(answer.json["sessionState"] as? [String: Any])
        #expect((state["dialogAction"] as? [String: Any])?["type"] as? String == "Close")
        #expect((state["intent"] as? [String: Any])?["state"] as? String == "Fulfilled")
        let attributes = try #require(state["sessionAttributes"] as? [String: Any])
        let id = try #require(attributes["talkdesk_conversation_id"] as? String)
        #expect(attributes["customer_name"] as? String == "Ana Souza")

        let shown = try #require(try await tdmock(["show", id, "--server", loop.server.url, "--json"]).json as? [String: Any])
        let context = try #require(shown["context_parameters"] as? [String: Any])
        #expect(context["sentiment"] as? String == "NEGATIVE")
        #expect(context["intent_history"] as? String == "CheckBalance,SignInHelp,TalkToAgent")
        #expect((shown["contact_person"] as? [String: Any])?["email"] as? String == "ana.souza@example.com")
        let messages = try #require(shown["messages"] as? [[String: Any]])
        #expect(messages.count == 6)
        #expect(messages.first?["author"] as? String == "system")
        #expect(messages[1]["author"] as? String == "contact")
        #expect(messages.last?["content"] as? String == "Yes, please, this is frustrating")

        // The callback REST API checks x-api-key.
        let body = #"{"event_type":"message_created","conversation_id":"\#(id)","payload":{"content":"x","author_name":"Dana"}}"#
        #expect(try await HTTP.call(.POST, loop.bridge + "/callback/message_created", body: body).status == 401)
        #expect(try await HTTP.call(.POST, loop.bridge + "/callback/message_created", headers: [("x-api-key", "wrong")], body: body).status == 403)
        let accepted = try await HTTP.call(.POST, loop.bridge + "/callback/message_created", headers: [("x-api-key", "k-loop")], body: body)
        #expect(accepted.status == 200)
        #expect(accepted.body == "{}")
        try await loop.stop()
    }
}
