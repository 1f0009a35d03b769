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
            // serve's functions table points at the bridge's reference functions: Lex calls escalate, the
            // WebSocket API chat_socket, the callbacks' REST API chat_callback.
            let functions = ["escalate", "chat_socket", "chat_callback", "fallback"].flatMap { name in
                ["--function", "\(name)=\(bridgeURL)/2015-03-31/functions/\(name)/invocations"]
            }
            let server = try await Server.start(
                ["--in-memory"] + functions + serveArguments,
                environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05"]
            )
            let bridge = try TDMockProcess(["bridge", "--port", String(bridgePort), "--talkdesk-url", server.url])
            _ = try await bridge.waitForLine(startingWith: "tdmock bridge listening on ")
            return Loop(server: server, bridge: bridgeURL, bridgeProcess: bridge)
        }

        /// A customer who greets the bot and asks for a person, as one types into the Lex Web UI.
        func customer(_ name: String) async throws -> TDMockProcess {
            let customer = try TDMockProcess(
                ["customer", "--server", server.url, "--name", name, "--email", "\(name.lowercased())@example.com"],
                environment: ["NO_COLOR": "1"],
                interactive: true
            )
            try await customer.waitForOutput("You are chatting with the bot")
            customer.send("hello")
            try await customer.waitForOutput("Bot: Hello! How can I help you today?")
            customer.send("I want to talk to a person")
            return customer
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
        let ana = try await loop.customer("Ana")
        let created = try await waitFor(loop.server.url, event: "conversation_created")
        let first = try #require(created.first?["conversation_id"] as? String)
        try await ana.waitForOutput("Conversation \(first)")
        let dana = try loop.agent(first)
        try await dana.waitForOutput("Type a message")
        #expect(dana.standardOutput.contains("Contact:     Ana <ana@example.com>"))
        #expect(dana.standardOutput.contains("intent_history = TalkToAgent"))
        #expect(dana.standardOutput.contains("system: Hello! How can I help you today?"))
        #expect(dana.standardOutput.contains("Ana: I want to talk to a person"))

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
        let bo = try await loop.customer("Bo")
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

    /// `tdmock customer` and `tdmock console` in two terminals (tmux), typed as a person types.
    @Test func aCustomerAndAnAgentInTerminals() async throws {
        let loop = try await Loop.start()
        let history = try Repository.temporaryDirectory().appendingPathComponent("history").path
        let console = try Terminal.start(
            "env TDMOCK_SERVER=\(loop.server.url) TDMOCK_HISTORY=\(history) NO_COLOR=1 \(Repository.binary) console --agent Dana"
        )
        defer { console.kill() }
        try await console.waitFor("the console's prompt") { $0.lines.last == "Dana>" }
        let customer = try Terminal.start("env NO_COLOR=1 \(Repository.binary) customer --server \(loop.server.url) --name Bo --email bo@example.com")
        defer { customer.kill() }
        _ = try customer.tmux(["set-option", "-t", customer.session, "remain-on-exit", "on"])
        try await customer.waitFor("the customer's prompt") { $0.screen.contains("You are chatting with the bot") && $0.lines.last == "Bo>" }
        customer.typeLine("hello")
        try await customer.waitFor("the bot's greeting") { $0.screen.contains("Bot: Hello! How can I help you today?") && $0.lines.last == "Bo>" }
        customer.typeLine("I want to talk to a person")
        try await customer.waitFor("the escalation") { $0.screen.contains("Bot: Connecting you with an agent.") && $0.lines.last == "Bo>" }
        try await console.waitFor("the conversation announced") { $0.lines.contains { $0.hasPrefix("New conversation ") } }
        let announced = try #require(console.lines.first { $0.hasPrefix("New conversation ") })
        let id = String(announced.dropFirst("New conversation ".count).prefix(32))
        console.typeLine("/open \(id.prefix(8))")
        try await console.waitFor("the conversation opened") {
            $0.screen.contains("Contact:     Bo <bo@example.com>") && $0.lines.last == "Dana@\(id.prefix(8))>"
        }
        console.typeLine("Hello Bo, Dana here.")
        try await customer.waitFor("the agent's message on the customer's socket") { $0.screen.contains("Dana: Hello Bo, Dana here.") }
        customer.typeLine("Can you raise my limit?")
        try await console.waitFor("the customer's message") { $0.screen.contains("Bo: Can you raise my limit?") }
        customer.typeLine("/leave")
        try await customer.waitFor("the customer left") { $0.screen.contains("You left the chat.") }
        try await console.waitFor("the agent told") { $0.screen.contains("Bo left the conversation.") }
        let shown = try #require(try await tdmock(["show", id, "--server", loop.server.url, "--json"]).json as? [String: Any])
        #expect(shown["ended_by"] as? String == "contact")
        try await loop.stop()
    }

    @Test func theScriptedAgentAnswersByItsRules() async throws {
        let loop = try await Loop.start()
        let robo = try TDMockProcess([
            "agent", "--server", loop.server.url, "--agent", "Robo", "--script",
            Repository.root.appendingPathComponent("fixtures/agent-script.yaml").path,
        ])
        try await robo.waitForOutput("is answering")
        let ana = try await loop.customer("Ana")
        // tdmock's Lex gives no sentiment: the escalation says NEUTRAL.
        try await ana.waitForOutput("Robo: Hi Ana, this is Robo. I see you feel NEUTRAL.")
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
        let answer = try await HTTP.call(
            .POST,
            loop.bridge + "/2015-03-31/functions/escalate/invocations",
            headers: [("content-type", "application/json")],
            body: event
        )
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

        try await loop.stop()
    }
}
