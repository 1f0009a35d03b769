import Foundation
import Testing

/// One test per fault knob, each showing the fault as an integration sees it.
@Suite struct FaultTests {
    func addFault(_ server: Server, _ arguments: [String]) async throws {
        let result = try await tdmock(["fault", "add", "--server", server.url] + arguments)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasPrefix("Added fault \(arguments[0])"))
    }

    func stop(_ server: Server) async throws {
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
    }

    @Test func theTokenServiceAnswersTheStatusWithRetryAfterThenRecovers() async throws {
        let server = try await Server.start(["--in-memory"])
        try await addFault(server, ["token", "--status", "503", "--retry-after", "2"])
        let basic = "Basic " + Data("tdmock-client:tdmock-secret".utf8).base64EncodedString()
        let headers = [("Authorization", basic), ("Content-Type", "application/x-www-form-urlencoded")]
        let failed = try await HTTP.call(.POST, server.url + "/oauth/token", headers: headers, body: "grant_type=client_credentials")
        #expect(failed.status == 503)
        #expect(failed.headers.first(name: "retry-after") == "2")
        #expect(failed.json["error"] as? String == "temporarily_unavailable")
        #expect((failed.json["error_description"] as? String)?.contains("Injected fault") == true)
        let recovered = try await HTTP.call(.POST, server.url + "/oauth/token", headers: headers, body: "grant_type=client_credentials")
        #expect(recovered.status == 200)
        try await stop(server)
    }

    @Test func startConversationAnswers429InTheDigitalConnectShape() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        try await addFault(server, ["start_conversation", "--status", "429", "--retry-after", "3", "--count", "2"])
        let body = try String(contentsOf: Repository.root.appendingPathComponent("fixtures/start-conversation.json"), encoding: .utf8)
        for _ in 0..<2 {
            let refused = try await HTTP.json(.POST, server.url + "/digital-connect/conversations", token: token, body: body)
            #expect(refused.status == 429)
            #expect(refused.headers.first(name: "retry-after") == "3")
            #expect(refused.json["code"] as? String == "3016029")
            #expect(refused.json["message"] as? String == "Injected fault: HTTP 429")
        }
        #expect(try await HTTP.json(.POST, server.url + "/digital-connect/conversations", token: token, body: body).status == 201)
        #expect(try await tdmock(["fault", "list", "--server", server.url]).output == "No faults.\n")
        try await stop(server)
    }

    @Test func sendMessageWaitsTheLatencyFirst() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        let id = try await startConversation(server, token: token)
        try await addFault(server, ["send_message", "--latency-ms", "400"])
        let clock = ContinuousClock()
        let start = clock.now
        let sent = try await HTTP.json(
            .POST,
            server.url + "/digital-connect/conversations/\(id)/messages",
            token: token,
            body: #"{"content":"slow"}"#
        )
        #expect(sent.status == 201)
        #expect(clock.now - start >= .milliseconds(400))
        try await stop(server)
    }

    @Test func endConversationFailsUntilClearedThenWorks() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        let id = try await startConversation(server, token: token)
        try await addFault(server, ["end_conversation", "--status", "500", "--count", "0"])
        for _ in 0..<3 {
            let failed = try await HTTP.json(.DELETE, server.url + "/digital-connect/conversations/\(id)", token: token)
            #expect(failed.status == 500)
            #expect(failed.json["code"] as? String == "3016100")
        }
        #expect(try await tdmock(["fault", "list", "--server", server.url]).output.contains("end_conversation 500 (until cleared)"))
        #expect(try await tdmock(["fault", "clear", "--server", server.url]).status == 0)
        #expect(try await HTTP.json(.DELETE, server.url + "/digital-connect/conversations/\(id)", token: token).status == 204)
        try await stop(server)
    }

    func serveWithReceiver(_ receiver: Receiver) async throws -> Server {
        try await Server.start(
            ["--in-memory", "--callback-url", receiver.url, "--callback-api-key", "k"],
            environment: ["TDMOCK_CALLBACK_RETRY_INITIAL": "0.05"]
        )
    }

    @Test func callbackDuplicateSendsTheSameDeliveryTwice() async throws {
        let receiver = try await Receiver.start()
        let server = try await serveWithReceiver(receiver)
        try await addFault(server, ["callback:duplicate"])
        let id = try await startConversation(server)
        #expect(try await tdmock(["assign", id, "--server", server.url, "--agent", "Dana"]).status == 0)
        let received = try await receiver.waitFor(2)
        #expect(received.map(\.eventType) == ["conversation_started", "conversation_started"])
        #expect(received[0].deliveryID == received[1].deliveryID)
        #expect(received.map(\.attempt) == [1, 1])
        try await stop(server)
        await receiver.stop()
    }

    @Test func callbackDropLosesTheFirstAttemptAndTheRetryDelivers() async throws {
        let receiver = try await Receiver.start()
        let server = try await serveWithReceiver(receiver)
        try await addFault(server, ["callback:drop"])
        let id = try await startConversation(server)
        #expect(try await tdmock(["assign", id, "--server", server.url, "--agent", "Dana"]).status == 0)
        let received = try await receiver.waitFor(1)
        #expect(received.map(\.attempt) == [2])
        _ = try await waitFor(server.url, event: "callback_delivered", conversation: id)
        let deliveries = try #require(try await tdmock(["callbacks", "--json", "--server", server.url]).json as? [[String: Any]])
        let journal = try #require(deliveries.first?["journal"] as? [[String: Any]])
        #expect(journal.first?["error"] as? String == "dropped by fault injection (callback:drop)")
        #expect(journal.last?["status_code"] as? Int == 200)
        try await stop(server)
        await receiver.stop()
    }

    @Test func callbackFailAnswersInPlaceOfTheReceiverAndRedeliverySends() async throws {
        let receiver = try await Receiver.start()
        let server = try await serveWithReceiver(receiver)
        #expect(try await tdmock(["fault", "add", "callback:fail", "--server", server.url]).status != 0, "callback:fail needs a status")
        try await addFault(server, ["callback:fail", "--status", "400"])
        let id = try await startConversation(server)
        #expect(try await tdmock(["assign", id, "--server", server.url, "--agent", "Dana"]).status == 0)
        _ = try await waitFor(server.url, event: "callback_failed", conversation: id)
        let deliveries = try #require(try await tdmock(["callbacks", "--json", "--server", server.url]).json as? [[String: Any]])
        let delivery = try #require(deliveries.first)
        let journal = try #require(delivery["journal"] as? [[String: Any]])
        #expect(delivery["status"] as? String == "failed" && journal.count == 1, "a 400 is not retried")
        #expect(journal.first?["status_code"] as? Int == 400)
        #expect(journal.first?["error"] as? String == "answered 400 by fault injection (callback:fail): not sent")
        #expect(try await tdmock(["redeliver", try #require(delivery["delivery_id"] as? String), "--server", server.url]).status == 0)
        let received = try await receiver.waitFor(1)
        #expect(received.map(\.attempt) == [2], "nothing was sent before the redelivery")
        try await stop(server)
        await receiver.stop()
    }

    @Test func callbackDelayHoldsADeliveryBack() async throws {
        let receiver = try await Receiver.start()
        let server = try await serveWithReceiver(receiver)
        try await addFault(server, ["callback:delay", "--latency-ms", "400"])
        let id = try await startConversation(server)
        #expect(try await tdmock(["assign", id, "--server", server.url, "--agent", "Dana"]).status == 0)
        _ = try await waitFor(server.url, event: "callback_delivered", conversation: id)
        let deliveries = try #require(try await tdmock(["callbacks", "--json", "--server", server.url]).json as? [[String: Any]])
        let journal = try #require(deliveries.first?["journal"] as? [[String: Any]])
        #expect((journal.first?["latency_ms"] as? Double ?? 0) >= 400)
        #expect(receiver.received.count == 1)
        try await stop(server)
        await receiver.stop()
    }

    @Test func faultsFromTheConfigFileAreInForceAtStart() async throws {
        let directory = try Repository.temporaryDirectory()
        let config = directory.appendingPathComponent("faults.yaml")
        try """
        faults:
          - target: start_conversation
            status: 503
            retry_after: 1
          - target: send_message
            latency_ms: 50
            count: 0
        """.write(to: config, atomically: true, encoding: .utf8)
        let server = try await Server.start(["--in-memory", "--config", config.path])
        #expect(server.process.standardOutput.contains("fault: start_conversation 503, Retry-After 1 (next 1)"))
        let list = try await tdmock(["fault", "list", "--server", server.url, "--json"])
        #expect((list.json as? [[String: Any]])?.compactMap { $0["target"] as? String } == ["start_conversation", "send_message"])
        let token = try await HTTP.token(server.url)
        let body = try String(contentsOf: Repository.root.appendingPathComponent("fixtures/start-conversation.json"), encoding: .utf8)
        #expect(try await HTTP.json(.POST, server.url + "/digital-connect/conversations", token: token, body: body).status == 503)
        try await stop(server)
    }

    @Test func badFaultsAreRefusedWithAReason() async throws {
        let server = try await Server.start(["--in-memory"])
        let unknown = try await tdmock(["fault", "add", "bogus", "--server", server.url])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("TARGET must be one of token, start_conversation"))
        let delay = try await tdmock(["fault", "add", "callback:delay", "--server", server.url])
        #expect(delay.errors.contains("callback:delay needs a latency"))
        let status = try await tdmock(["fault", "add", "send_message", "--status", "200", "--server", server.url])
        #expect(status.errors.contains("status must be an HTTP error status from 400 to 599"))
        try await stop(server)
    }
}
