import Foundation
import Testing

/// Send a Message is answered before the router when it can be (`SendMessageFastPath`); on one
/// connection, requests it answers and requests the router answers must still come back in order.
@Suite struct SendMessageFastPathTests {
    @Test func pipelinedRequestsAreAnsweredInTheOrderSent() async throws {
        let server = try await Server.start(["--in-memory"])
        let port = try #require(Int(server.url.split(separator: ":").last ?? ""))
        let token = try await HTTP.token(server.url)
        let conversation = try await startConversation(server, token: token)
        func send(_ id: String, _ content: String) -> String {
            let body = #"{"content":"\#(content)"}"#
            return "POST /digital-connect/conversations/\(id)/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        // Fast path, router, fast path, fast path declined by the store (router: 404), a body the fast
        // path declines (router: 400), fast path, then the router closing the connection.
        let requests = [
            send(conversation, "one"), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", send(conversation, "two"),
            send("no-such-conversation", "lost"), send(conversation, "\\u"), send(conversation, "three"),
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]
        let answer = try await onOwnThread {
            let connection = try RawConnection(port: port)
            connection.send(requests.joined())
            return connection.readUntilClosed(limit: 20)
        }
        #expect(answer.closed)
        let statuses = answer.text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(statuses == ["201", "200", "201", "404", "400", "201", "200"], "\(answer.text)")
        let detail = try await HTTP.call(.GET, server.url + "/tdmock/v1/conversations/\(conversation)")
        let messages = detail.json["messages"] as? [[String: Any]] ?? []
        #expect(messages.compactMap { $0["content"] as? String }.suffix(3) == ["one", "two", "three"])
    }

    @Test func aClientThatClosesItsSideAfterTheRequestStillGetsTheAnswer() async throws {
        // The router answers such a client (Hummingbird allows half-closed connections), and so must the
        // fast path. (It holds the "input closed" event until it has answered, so that the handlers behind
        // it do not close first; that race is narrow here, where the store answers within a millisecond,
        // so this checks the behaviour rather than catching the race.)
        let server = try await Server.start(["--in-memory"])
        let port = try #require(Int(server.url.split(separator: ":").last ?? ""))
        let token = try await HTTP.token(server.url)
        let conversation = try await startConversation(server, token: token)
        let body = #"{"content":"bye"}"#
        let requests = [
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /digital-connect/conversations/\(conversation)/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
        ]
        for request in requests {
            let answer = try await onOwnThread {
                let connection = try RawConnection(port: port)
                connection.send(request)
                connection.finishSending()
                return connection.readUntilClosed(limit: 10)
            }
            #expect(answer.closed)
            #expect(answer.text.hasPrefix("HTTP/1.1 20"), "\(request.prefix(20)): \(answer.text)")
        }
    }

    @Test func theFastPathAnswersWithTheHeadersTheRouterGives() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        let body = try String(contentsOf: Repository.root.appendingPathComponent("fixtures/start-conversation.json"), encoding: .utf8)
        let started = try await HTTP.json(.POST, server.url + "/digital-connect/conversations", token: token, body: body)
        let id = try #require(started.json["id"] as? String)
        let sent = try await HTTP.json(.POST, server.url + "/digital-connect/conversations/\(id)/messages", token: token, body: #"{"content":"hi"}"#)
        #expect(sent.status == 201)
        let names = { (result: HTTPResult) in Set(result.headers.map { $0.name.lowercased() }) }
        #expect(names(sent) == names(started))
        #expect(names(sent) == ["content-type", "content-length", "date", "server"])
        for name in ["content-type", "server"] {
            #expect(sent.headers[name] == started.headers[name])
        }
    }
}
