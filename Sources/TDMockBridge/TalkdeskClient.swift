import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TDMockCore

/// Talkdesk as an integration calls it: a client-credentials token, cached until it expires and renewed
/// on a 401, and the three Digital Connect calls. Only the public HTTP surface; nothing of the server.
actor TalkdeskClient {
    struct Failure: Error, CustomStringConvertible {
        var status: Int?
        var description: String
    }

    /// One client for the process (it is never shut down, so it must outlive every request): a refused
    /// connection fails at once.
    static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    let configuration: BridgeConfiguration
    private let client: HTTPClient
    private var token: (value: String, expires: ContinuousClock.Instant)?

    init(configuration: BridgeConfiguration, client: HTTPClient) {
        self.configuration = configuration
        self.client = client
    }

    private var base: String {
        var url = configuration.talkdeskURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    private func accessToken(renew: Bool) async throws -> String {
        if !renew, let token, token.expires > .now { return token.value }
        var request = HTTPClientRequest(url: base + "/oauth/token")
        request.method = .POST
        let credentials = Data("\(configuration.clientID):\(configuration.clientSecret)".utf8).base64EncodedString()
        request.headers.add(name: "authorization", value: "Basic \(credentials)")
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials&scope=digital-connect%3Awrite"))
        let (status, data) = try await execute(request)
        guard status == 200, let body = JSONValue(parsing: data), let value = body["access_token"]?.stringValue else {
            throw Failure(status: status, description: "Talkdesk refused the token request (\(status)): \(String(decoding: data, as: UTF8.self))")
        }
        let lifetime = body["expires_in"]?.numberValue.map { Int($0) } ?? 3600
        // Renew a little early, so that a token never expires on its way.
        token = (value, .now + .seconds(max(1, lifetime - 5)))
        return value
    }

    private func execute(_ request: HTTPClientRequest) async throws -> (Int, Data) {
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 4 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            throw Failure(status: nil, description: "cannot reach Talkdesk at \(base): \(error)")
        }
    }

    /// A Digital Connect call with the cached token; a 401 renews the token and tries once more.
    private func call(_ method: HTTPMethod, _ path: String, body: Data?, idempotencyKey: String? = nil) async throws -> (Int, Data) {
        for renew in [false, true] {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "authorization", value: "Bearer \(try await accessToken(renew: renew))")
            if let idempotencyKey { request.headers.add(name: "x-idempotency-key", value: idempotencyKey) }
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let (status, data) = try await execute(request)
            if status == 401 && !renew { continue }
            return (status, data)
        }
        throw Failure(status: 401, description: "Talkdesk refused the renewed token")
    }

    private func expect(_ expected: Set<Int>, _ result: (Int, Data), _ what: String) throws -> Data {
        guard expected.contains(result.0) else {
            throw Failure(status: result.0, description: "\(what) failed (\(result.0)): \(String(decoding: result.1, as: UTF8.self))")
        }
        return result.1
    }

    /// Starts a conversation; returns its id. Talkdesk requires an idempotency key: one per escalation,
    /// the same for the retry after a renewed token.
    func startConversation(_ body: JSONValue, idempotencyKey: String = UUID().uuidString.lowercased()) async throws -> String {
        let answer = try expect(
            [201],
            try await call(.POST, "/digital-connect/conversations", body: JSONCoding.data(body), idempotencyKey: idempotencyKey),
            "Start a Conversation"
        )
        guard let id = JSONValue(parsing: answer)?["id"]?.stringValue else {
            throw Failure(status: 201, description: "Start a Conversation answered without an id")
        }
        return id
    }

    func sendMessage(_ conversationID: String, content: String) async throws {
        let data = JSONCoding.data(["content": content])
        // 206 is Talkdesk's partial success (part of the message, such as an attachment, failed): the
        // message itself was sent.
        _ = try expect([201, 206], try await call(.POST, "/digital-connect/conversations/\(conversationID)/messages", body: data), "Send a Message")
    }

    func endConversation(_ conversationID: String) async throws {
        _ = try expect([204], try await call(.DELETE, "/digital-connect/conversations/\(conversationID)", body: nil), "End a Conversation")
    }
}
