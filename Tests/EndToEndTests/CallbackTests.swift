import Foundation
import Testing

/// The agent acts through the one-shot commands; a local receiver plays the integration's callback API.
@Suite struct CallbackTests {
    /// `serve` with callbacks to `receiver`, retrying fast so that tests do not wait on backoff.
    func serve(_ receiver: Receiver, _ extra: [String] = [], db: String? = nil) async throws -> Server {
        var arguments = ["--callback-url", receiver.url + "/prod", "--callback-api-key", "k-123", "--callback-max-attempts", "5"]
        arguments += db.map { ["--db", $0] } ?? ["--in-memory"]
        return try await Server.start(arguments + extra, environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05", "TDMOCK_CALLBACK_RETRY_MAX": "0.2"])
    }

    @Test func agentActionsReachTheCallbackAPIAsBuilderSendsThem() async throws {
        let receiver = try await Receiver.start()
        let server = try await serve(receiver)
        let id = try await startConversation(server)
        let env = ["TDMOCK_SERVER": server.url, "TDMOCK_AGENT": "Dana"]

        let reply = try await tdmock(["reply", id, "--message", "How can I help?"], environment: env)
        #expect(reply.status == 0, "\(reply.errors)")
        #expect(reply.output == "Sent to conversation \(id).\n")
        let close = try await tdmock(["close", id], environment: env)
        #expect(close.status == 0, "\(close.errors)")

        let received = try await receiver.waitFor(3)
        #expect(received.map(\.path) == ["/prod/conversation_started", "/prod/message_created", "/prod/conversation_ended"])
        #expect(received.allSatisfy { $0.apiKey == "k-123" && $0.attempt == 1 && $0.body["conversation_id"] == id })
        // A webhook sender names itself, as Talkdesk's callbacks do.
        #expect(received.allSatisfy { $0.userAgent?.hasPrefix("tdmock-webhooks/") == true })
        #expect(received.map(\.eventType) == ["conversation_started", "message_created", "conversation_ended"])
        #expect(received.allSatisfy { $0.body["timestamp"]?.count == 24 && $0.payload["author_name"] == "Dana" })
        #expect(received[1].payload["content"] == "How can I help?")
        #expect(received[1].payload["message_id"]?.count == 32)
        #expect(received[0].payload["content"] == nil && received[2].payload["content"] == nil)
        #expect(Set(received.map(\.deliveryID)).count == 3)

        let show = try await tdmock(["show", id, "--json"], environment: env)
        let detail = try #require(show.json as? [String: Any])
        #expect(detail["status"] as? String == "ended")
        #expect(detail["agent"] as? String == "Dana")
        let messages = try #require(detail["messages"] as? [[String: Any]])
        #expect(messages.last?["author"] as? String == "agent")
        #expect(messages.last?["author_name"] as? String == "Dana")
        try await eventually("every delivery is delivered") {
            let deliveries = try await tdmock(["callbacks", "--conversation", id, "--json"], environment: env).json as? [[String: Any]] ?? []
            return deliveries.count == 3 && deliveries.allSatisfy { $0["status"] as? String == "delivered" && $0["last_status_code"] as? Int == 200 }
        }
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        await receiver.stop()
    }

    @Test func a503IsRetriedWithTheSameDeliveryIdUntilItIsDelivered() async throws {
        let receiver = try await Receiver.start { $0 <= 2 ? 503 : 200 }
        let directory = try Repository.temporaryDirectory()
        let config = directory.appendingPathComponent("webhook.yaml")
        // All three events on one path, as some integrations have it.
        try """
        callback:
          paths:
            conversation_started: /webhook
            message_created: /webhook
            conversation_ended: /webhook
        """.write(to: config, atomically: true, encoding: .utf8)
        let server = try await serve(receiver, ["--config", config.path])
        let id = try await startConversation(server)
        let assign = try await tdmock(["assign", id, "--agent", "Dana", "--server", server.url])
        #expect(assign.status == 0, "\(assign.errors)")
        #expect(assign.output == "Conversation \(id) is assigned to Dana.\n")

        let received = try await receiver.waitFor(3)
        #expect(received.map(\.path) == ["/prod/webhook", "/prod/webhook", "/prod/webhook"])
        #expect(received.map(\.attempt) == [1, 2, 3])
        #expect(Set(received.map(\.deliveryID)).count == 1)
        try await eventually("the delivery shows 3 attempts, delivered") {
            let deliveries = try await tdmock(["callbacks", "--json", "--server", server.url]).json as? [[String: Any]] ?? []
            guard let delivery = deliveries.first, delivery["status"] as? String == "delivered" else { return false }
            let journal = delivery["journal"] as? [[String: Any]] ?? []
            return delivery["attempts"] as? Int == 3 && journal.compactMap { $0["status_code"] as? Int } == [503, 503, 200]
        }
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        await receiver.stop()
    }

    @Test func a400FailsAtOnceAndRedeliverSendsItAgain() async throws {
        let receiver = try await Receiver.start { $0 == 1 ? 400 : 200 }
        let server = try await serve(receiver)
        let id = try await startConversation(server)
        let env = ["TDMOCK_SERVER": server.url, "TDMOCK_AGENT": "Dana"]
        _ = try await tdmock(["assign", id], environment: env)
        _ = try await receiver.waitFor(1)

        var failedID = ""
        try await eventually("the delivery is listed as failed") {
            let failed = try await tdmock(["callbacks", "--failed", "--json"], environment: env).json as? [[String: Any]] ?? []
            guard failed.count == 1, failed[0]["last_status_code"] as? Int == 400, failed[0]["attempts"] as? Int == 1 else { return false }
            failedID = failed[0]["delivery_id"] as? String ?? ""
            return true
        }
        #expect(receiver.received.count == 1, "a 400 is not retried")
        let table = try await tdmock(["callbacks", "--failed"], environment: env)
        #expect(table.output.contains(failedID) && table.output.contains("failed") && table.output.contains("HTTP 400"))

        let redeliver = try await tdmock(["redeliver", failedID], environment: env)
        #expect(redeliver.status == 0, "\(redeliver.errors)")
        let received = try await receiver.waitFor(2)
        #expect(received[1].deliveryID == failedID)
        #expect(received[1].attempt == 2)
        try await eventually("nothing is failed any more") {
            (try await tdmock(["callbacks", "--failed", "--json"], environment: env).json as? [[String: Any]])?.isEmpty == true
        }
        let again = try await tdmock(["redeliver", failedID], environment: env)
        #expect(again.status != 0)
        #expect(again.errors.contains("is delivered, not failed"))
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        await receiver.stop()
    }

    @Test func deliveriesSurviveARestartWhileTheReceiverIsDown() async throws {
        // A free port for the receiver, with nothing listening there yet.
        let port = try await freePort()

        let directory = try Repository.temporaryDirectory()
        let db = directory.appendingPathComponent("inbox.sqlite").path
        var arguments = ["--callback-url", "http://127.0.0.1:\(port)/prod", "--callback-max-attempts", "100", "--db", db]
        let first = try await Server.start(arguments, environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05", "TDMOCK_CALLBACK_RETRY_MAX": "0.2"])
        let id = try await startConversation(first)
        let env = ["TDMOCK_SERVER": first.url, "TDMOCK_AGENT": "Dana"]
        for line in ["one", "two"] { #expect(try await tdmock(["reply", id, "--message", line], environment: env).status == 0) }
        #expect(try await tdmock(["close", id], environment: env).status == 0)
        try await eventually("the first attempt has failed") {
            let deliveries = try await tdmock(["callbacks", "--json"], environment: env).json as? [[String: Any]] ?? []
            return (deliveries.first?["attempts"] as? Int ?? 0) >= 1 && deliveries.first?["last_error"] != nil
        }
        first.process.signal(SIGKILL)
        _ = try await first.process.waitForExit()

        arguments += ["--port", "0"]
        let second = try await Server.start(arguments, environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05", "TDMOCK_CALLBACK_RETRY_MAX": "0.2"])
        let receiver = try await Receiver.start(port: port)
        let received = try await receiver.waitFor(4)
        #expect(received.map(\.eventType) == ["conversation_started", "message_created", "message_created", "conversation_ended"])
        #expect(received.compactMap { $0.payload["content"] } == ["one", "two"])
        #expect(received[0].attempt > 1, "the first delivery was tried before the restart")
        #expect(Set(received.map(\.deliveryID)).count == 4)
        second.process.signal(SIGTERM)
        _ = try await second.process.waitForExit()
        await receiver.stop()
    }

    @Test func withoutACallbackURLCallbacksGoToTheServersOwnRESTAPI() async throws {
        let server = try await Server.start(["--in-memory"])
        let id = try await startConversation(server)
        #expect(try await tdmock(["assign", id, "--server", server.url, "--agent", "Dana"]).status == 0)
        // The REST API hands the callback to chat_callback (the bridge's, not running here): a failed invocation.
        try await eventually("chat_callback invoked") {
            let listed = try await tdmock(["invocations", "--function", "chat_callback", "--json", "--server", server.url])
            return listed.output.contains(#""caller" : "apigateway-rest""#) || listed.output.contains(#""caller":"apigateway-rest""#)
        }
        let listed = try await tdmock(["invocations", "--function", "chat_callback", "--json", "--server", server.url])
        #expect(listed.output.contains("conversation_started"))
        #expect(listed.output.contains("tdmock-api-key"))
        let show = try await tdmock(["show", id, "--server", server.url])
        #expect(show.output.contains("pending"))
        #expect(show.output.contains("502"))
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
    }
}

@Suite struct AgentCommandErrorTests {
    @Test func everyFailureIsOneClearLineAndANonZeroExit() async throws {
        let server = try await Server.start(["--in-memory"])
        let env = ["TDMOCK_SERVER": server.url, "TDMOCK_AGENT": "Dana"]

        let unknown = try await tdmock(["show", "nope"], environment: env)
        #expect(unknown.status != 0)
        #expect(unknown.errors == "Error: conversation nope does not exist (tdmock inbox --status all lists them)\n")

        let id = try await startConversation(server)
        #expect(try await tdmock(["close", id], environment: env).status == 0)
        let ended = try await tdmock(["reply", id, "--message", "too late"], environment: env)
        #expect(ended.status != 0)
        #expect(ended.errors == "Error: conversation \(id) has ended: it can be read (tdmock show \(id)), not answered\n")

        let other = try await tdmock(["assign", try await startConversation(server)], environment: env)
        #expect(other.status == 0)

        // Another agent's conversation: the error says how to act as its agent.
        let dana = try await startConversation(server)
        #expect(try await tdmock(["assign", dana, "--agent", "Dana Scully"], environment: env).status == 0)
        let notMine = try await tdmock(["close", dana], environment: env.merging(["TDMOCK_AGENT": "Eve"]) { $1 })
        #expect(notMine.status != 0)
        #expect(
            notMine.errors
                == "Error: conversation \(dana) is assigned to Dana Scully: only Dana Scully can act on it (pass --agent 'Dana Scully', or set TDMOCK_AGENT)\n"
        )
        #expect(try await tdmock(["close", dana, "--agent", "Dana Scully"], environment: env).status == 0)

        let empty = try await tdmock(["reply", id, "--message", " "], environment: env)
        #expect(empty.status != 0)
        #expect(empty.errors.contains("--message must not be empty"))

        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        let unreachable = try await tdmock(["inbox"], environment: env)
        #expect(unreachable.status != 0)
        #expect(unreachable.errors.hasPrefix("Error: cannot reach tdmock at \(server.url)"))
        #expect(unreachable.errors.split(separator: "\n").count == 1)
    }

    @Test func inboxListsNewestActivityFirstAsTableOrJSON() async throws {
        let server = try await Server.start(["--in-memory"])
        let env = ["TDMOCK_SERVER": server.url, "NO_COLOR": "1"]
        let first = try await startConversation(server)
        let second = try await startConversation(server)
        #expect(try await tdmock(["assign", first, "--agent", "Dana"], environment: env).status == 0)
        let json = try #require(try await tdmock(["inbox", "--json"], environment: env).json as? [[String: Any]])
        #expect(json.compactMap { $0["id"] as? String } == [first, second])
        for key in ["id", "status", "touchpoint_id", "contact_person", "subject", "agent", "created_at", "last_activity_at", "message_count"] {
            #expect(json[0][key] != nil, "inbox --json items carry \(key)")
        }
        let queued = try #require(try await tdmock(["inbox", "--status", "queued", "--json"], environment: env).json as? [[String: Any]])
        #expect(queued.compactMap { $0["id"] as? String } == [second])
        let table = try await tdmock(["inbox"], environment: env)
        #expect(table.output.hasPrefix("ID "))
        #expect(!table.output.contains("\u{1B}["), "no colour when not on a terminal")
        let bad = try await tdmock(["inbox", "--status", "open"], environment: env)
        #expect(bad.status != 0)
        // Standard output that cannot be written: one line that says so, not Foundation's error dump.
        let full = try await onOwnThread {
            let (process, _, stderr) = Repository.process(["inbox", "--json"], environment: env)
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            try process.run()
            let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, errors)
        }
        #expect(full.0 == 1)
        #expect(full.1 == "Error: cannot write to standard output: No space left on device\n")
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
    }
}
