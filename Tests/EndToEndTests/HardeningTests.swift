import AsyncHTTPClient
import Foundation
import Testing

/// Each limit and hardening rule, as the client refused sees it (docs/limits.md).
@Suite struct HardeningTests {
    /// A server with these `limits:` (config file), on a free loopback port.
    func server(limits: [String: String], extra: [String] = []) async throws -> (Server, Int) {
        let directory = try Repository.temporaryDirectory()
        let config = directory.appendingPathComponent("tdmock.yaml")
        let yaml = "limits:\n" + limits.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)\n" }.joined()
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let server = try await Server.start(["--in-memory", "--config", config.path] + extra)
        let port = try #require(Int(server.url.split(separator: ":").last ?? ""))
        return (server, port)
    }

    @Test func headersOverTheLimitAreRefusedWith400AndTheConnectionClosed() async throws {
        let (server, port) = try await server(limits: ["max_header_bytes": "4096"])
        let answer = try await onOwnThread {
            let connection = try RawConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: \(String(repeating: "a", count: 8000))\r\n\r\n")
            return connection.readUntilClosed(limit: 10)
        }
        #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
        #expect(answer.closed)
        // Under the limit, the same request is answered.
        let fine = try await HTTP.call(.GET, server.url + "/healthz", headers: [("X-Padding", String(repeating: "a", count: 3000))])
        #expect(fine.status == 200)
    }

    /// Browsers open connections ahead of need: one that never sent a request does not hold a shutdown up.
    @Test func aConnectionWithNoRequestYetDoesNotHoldUpAShutdown() async throws {
        let (server, port) = try await server(limits: ["idle_timeout": "120"])
        let idle = try RawConnection(port: port)
        try await Task.sleep(for: .milliseconds(200))
        server.process.signal(SIGTERM)
        let started = ContinuousClock.now
        _ = try await server.process.waitForExit(limit: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(5))
        _ = idle
    }

    @Test func aClientTricklingItsHeadersIsCutOffWith408() async throws {
        let (server, port) = try await server(limits: ["header_timeout": "2"])
        let answer = try await onOwnThread {
            let connection = try RawConnection(port: port)
            let started = Date()
            var sentAll = true
            // One byte every 300 ms: each byte is activity, but the headers never end.
            for byte in "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: abcdefghijklmnopqrstuvwxyz".map(String.init) {
                if !connection.send(byte) {
                    sentAll = false
                    break
                }
                let (text, closed) = connection.readUntilClosed(limit: 0.3)
                if closed { return (text, closed, Date().timeIntervalSince(started), sentAll) }
                if !text.isEmpty {
                    // The answer came within this read; the close follows it (wait for it, not just 0.3 s).
                    let rest = connection.readUntilClosed(limit: 5)
                    return (text + rest.text, rest.closed, Date().timeIntervalSince(started), sentAll)
                }
            }
            let rest = connection.readUntilClosed(limit: 10)
            return (rest.text, rest.closed, Date().timeIntervalSince(started), sentAll)
        }
        #expect(answer.0.hasPrefix("HTTP/1.1 408"), "\(answer.0)")
        #expect(answer.0.contains("limits.header_timeout"))
        #expect(answer.1, "the connection is closed")
        #expect(answer.2 >= 2 && answer.2 < 8, "cut off after about 2 s, not \(answer.2)")
        // A client that sends its request at once is not affected.
        #expect(try await HTTP.call(.GET, server.url + "/healthz").status == 200)
    }

    @Test func aBodyThatStopsHalfwayIsCutOff() async throws {
        let (server, port) = try await server(limits: ["body_timeout": "2"])
        let answer = try await onOwnThread {
            let connection = try RawConnection(port: port)
            let started = Date()
            connection.send(
                "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type="
            )
            let (text, closed) = connection.readUntilClosed(limit: 10)
            return (text, closed, Date().timeIntervalSince(started))
        }
        #expect(answer.1, "closed within 10 s; got \(answer.0)")
        #expect(answer.2 >= 2, "not before the 2 s limit: \(answer.2)")
        withExtendedLifetime(server) {}
    }

    @Test func anIdleConnectionIsClosed() async throws {
        let (server, port) = try await server(limits: ["idle_timeout": "1"])
        let answer = try await onOwnThread {
            let connection = try RawConnection(port: port)
            let started = Date()
            let (text, closed) = connection.readUntilClosed(limit: 10)
            return (text, closed, Date().timeIntervalSince(started))
        }
        #expect(answer.1)
        #expect(answer.0.isEmpty, "nothing is sent to a connection that never asked: \(answer.0)")
        // The server's clock starts at its accept, a moment before the client's connect returns.
        #expect(answer.2 >= 0.95, "not before the 1 s limit: \(answer.2)")
        withExtendedLifetime(server) {}
    }

    @Test func aConnectionBusyWithSendAMessageIsNotIdle() async throws {
        // Send a Message is answered before the router (SendMessageFastPath); Hummingbird's idle timer,
        // which only sees the router's requests, closed such a connection while it was in use.
        let (server, port) = try await server(limits: ["idle_timeout": "2"])
        let token = try await HTTP.token(server.url)
        let conversation = try await startConversation(server, token: token)
        let body = #"{"content":"still here"}"#
        let request =
            "POST /digital-connect/conversations/\(conversation)/messages HTTP/1.1\r\nHost: x\r\n"
            + "Authorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let answers = try await onOwnThread {
            let connection = try RawConnection(port: port)
            var statuses: [String] = []
            // Four seconds of requests, one every half second: twice the idle limit, never idle for it.
            for _ in 0..<8 {
                guard connection.send(request) else { break }
                statuses.append(String(connection.readResponse(limit: 5).prefix(12)))
                Thread.sleep(forTimeInterval: 0.5)
            }
            let started = Date()
            let quiet = connection.readUntilClosed(limit: 10)
            return (statuses, quiet.closed, Date().timeIntervalSince(started))
        }
        #expect(answers.0 == Array(repeating: "HTTP/1.1 201", count: 8))
        #expect(answers.1, "closed once idle")
        #expect(answers.2 >= 1, "not before the limit: \(answers.2)")
        withExtendedLifetime(server) {}
    }

    @Test func oneConnectionOverTheLimitIsAnswered503() async throws {
        let (server, port) = try await server(limits: ["max_connections": "2"])
        let answers = try await onOwnThread {
            let first = try RawConnection(port: port)
            let second = try RawConnection(port: port)
            first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let firstAnswer = first.readResponse(limit: 10)
            let third = try RawConnection(port: port)
            third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let refused = third.readUntilClosed(limit: 10)
            _ = second
            return (firstAnswer, refused)
        }
        #expect(answers.0.hasPrefix("HTTP/1.1 200"), "\(answers.0)")
        #expect(answers.1.text.hasPrefix("HTTP/1.1 503"), "\(answers.1.text)")
        #expect(answers.1.text.contains("limits.max_connections"))
        #expect(answers.1.closed)
        // Once those connections are gone, there is room again.
        try await eventually("a new connection is served") {
            (try? await HTTP.call(.GET, server.url + "/healthz"))?.status == 200
        }
    }

    @Test func listensOnLoopbackUnlessAnAgentTokenIsSet() async throws {
        let plain = try await Server.start(["--in-memory"])
        #expect(plain.url.hasPrefix("http://127.0.0.1:"))

        let exposed = try TDMockProcess(["serve", "--port", "0", "--in-memory", "--host", "0.0.0.0"])
        #expect(try await exposed.waitForExit() != 0)
        // (Standard error is read as it comes: it may still be arriving when the exit is seen.)
        try await eventually("the refusal on standard error") {
            exposed.standardError.contains("--host: listening on '0.0.0.0' lets other machines reach the agent API; set --agent-token")
        }

        let weak = try TDMockProcess(["serve", "--port", "0", "--in-memory", "--host", "0.0.0.0", "--agent-token", "short"])
        #expect(try await weak.waitForExit() != 0)
        try await eventually("the refusal on standard error") { weak.standardError.contains("an agent token needs at least 16 characters") }
    }

    @Test func theAgentAPIAsksForTheAgentTokenAndTheTalkdeskSurfaceDoesNot() async throws {
        let token = "s3cret-agent-token-0123456789"
        let server = try await Server.start(["--in-memory", "--host", "0.0.0.0"], environment: ["TDMOCK_AGENT_TOKEN": token])
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        let base = "http://127.0.0.1:\(port)"
        #expect(server.process.standardOutput.contains("agent API: asks for the agent token"))

        // Talkdesk's surface is as Talkdesk has it: OAuth client credentials, no agent token.
        let id = try await startConversation(Server(process: server.process, url: base))
        #expect(try await HTTP.call(.GET, base + "/healthz").status == 200)

        let missing = try await HTTP.call(.GET, base + "/tdmock/v1/conversations")
        #expect(missing.status == 401)
        #expect(missing.json["error"] as? String == "unauthorized")
        #expect(missing.headers["WWW-Authenticate"].first?.hasPrefix("Bearer") == true)
        let wrong = try await HTTP.call(.GET, base + "/tdmock/v1/conversations", headers: [("Authorization", "Bearer \(token)x")])
        #expect(wrong.status == 401)
        #expect(wrong.json["message"] as? String == "the agent token is not this tdmock's")
        let right = try await HTTP.call(.GET, base + "/tdmock/v1/conversations", headers: [("Authorization", "Bearer \(token)")])
        #expect(right.status == 200)

        // The commands: without the token a one-line error, with it (flag or environment) the answer.
        let refused = try await tdmock(["inbox", "--server", base])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("this tdmock asks for the agent token"), "\(refused.errors)")
        let listed = try await tdmock(["inbox", "--json", "--server", base, "--agent-token", token])
        #expect(listed.status == 0, "\(listed.errors)")
        #expect((listed.json as? [[String: Any]])?.first?["id"] as? String == id)
        let assigned = try await tdmock(["assign", id, "--server", base, "--agent", "Dana", "--json"], environment: ["TDMOCK_AGENT_TOKEN": token])
        #expect(assigned.status == 0, "\(assigned.errors)")
        let waited = try await tdmock(
            ["wait", "--server", base, "--event", "conversation_started", "--timeout", "10"],
            environment: ["TDMOCK_AGENT_TOKEN": token]
        )
        #expect(waited.status == 0, "\(waited.errors)")
    }

    @Test func secretsAndTokensStayOutOfTheLogs() async throws {
        let receiver = try await Receiver.start()
        let secrets = (client: "client-secret-do-not-log-7f3a", apiKey: "callback-key-do-not-log-91c2", agent: "agent-token-do-not-log-5e8d1")
        let server = try await Server.start(
            [
                "--in-memory", "--client-id", "acme", "--client-secret", secrets.client, "--callback-url", receiver.url,
                "--callback-api-key", secrets.apiKey, "--agent-token", secrets.agent,
            ],
            environment: ["LOG_LEVEL": "trace"]
        )
        let access = try await HTTP.token(server.url, client: "acme", secret: secrets.client)
        #expect(access.count >= 32, "at least 128 bits")
        let again = try await HTTP.token(server.url, client: "acme", secret: secrets.client)
        #expect(again != access)
        // Failures too: a wrong secret, a wrong token, a wrong agent token.
        let basic = "Basic " + Data("acme:\(secrets.client)x".utf8).base64EncodedString()
        let refused = try await HTTP.call(
            .POST,
            server.url + "/oauth/token",
            headers: [("Authorization", basic), ("Content-Type", "application/x-www-form-urlencoded")],
            body: "grant_type=client_credentials"
        )
        #expect(refused.status == 401)
        _ = try await HTTP.json(.POST, server.url + "/digital-connect/conversations", token: access + "x", body: "{}")
        _ = try await HTTP.call(.GET, server.url + "/tdmock/v1/info", headers: [("Authorization", "Bearer \(secrets.agent)x")])
        let id = try await startConversation(server, token: access)
        let replied = try await tdmock(["reply", id, "--message", "Hello", "--server", server.url, "--agent", "Dana", "--agent-token", secrets.agent])
        #expect(replied.status == 0, "\(replied.errors)")
        try await eventually("two callbacks delivered") { receiver.received.count >= 2 }
        server.process.signal(SIGTERM)
        _ = try await server.process.waitForExit()
        let log = server.process.standardOutput + server.process.standardError
        #expect(log.contains("client_secret (configured)"))
        for secret in [secrets.client, secrets.apiKey, secrets.agent, access, again] {
            #expect(!log.contains(secret), "the log shows a secret or token")
        }
        await receiver.stop()
    }
}
