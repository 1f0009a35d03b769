public import AsyncHTTPClient
import Foundation
public import NIOCore
import NIOHTTP1
public import TDMockCore

/// A failure of an agent command, said in one line a person can act on.
public struct ConsoleError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the agent's side asks of the server. `AgentClient` speaks HTTP; tests give their own.
public protocol AgentAPI: Sendable {
    func info() async throws -> AgentWire.ServerInfo
    func conversations(status: String) async throws -> [AgentWire.ConversationSummary]
    func conversation(_ id: String) async throws -> AgentWire.ConversationDetail
    func assign(_ id: String, agent: String) async throws -> AgentWire.ConversationDetail
    func reply(_ id: String, agent: String, content: String) async throws -> AgentWire.ConversationDetail
    func close(_ id: String, agent: String) async throws -> AgentWire.ConversationDetail
    func callbacks(status: String?, conversationID: String?) async throws -> [AgentWire.DeliveryView]
    func redeliver(_ deliveryID: String) async throws -> AgentWire.DeliveryView
    /// The server's live events, until the connection ends.
    func events() async throws -> AsyncThrowingStream<InboxEvent, any Error>
    /// The question-response API's questions (`queued`, `answered`, `expired` or `all`).
    func questions(status: String) async throws -> [QuestionWire.View]
    /// A question with the earlier ones of its session.
    func question(_ id: String) async throws -> QuestionWire.Detail
    func answer(_ id: String, agent: String, answer: QuestionAnswer) async throws -> QuestionWire.View
}

/// The agent API over HTTP (`/tdmock/v1`), with the process's shared AsyncHTTPClient.
public struct AgentClient: AgentAPI {
    public let server: String
    /// The agent token a server listening beyond loopback asks for (`Authorization: Bearer`).
    public let token: String?
    private let client: HTTPClient

    /// The console's client: a refused connection fails at once instead of being retried until the deadline,
    /// so that "server not running" is said straight away. It lives as long as the process.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(server: String, token: String? = nil, client: HTTPClient = AgentClient.sharedClient) {
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        self.server = server
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.client = client
    }

    private func url(_ path: String, prefix: String = "/tdmock/v1") -> String { server + prefix + path }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
    }

    private func send<T: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        prefix: String = "/tdmock/v1",
        body: (any Encodable)? = nil,
        timeout: TimeAmount = .seconds(30),
        as: T.Type
    ) async throws -> T {
        let data = try await raw(method, path, prefix: prefix, body: body, timeout: timeout)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw ConsoleError("tdmock at \(server) sent an answer this console cannot read (\(error)); are both the same version?")
        }
    }

    /// The body of a successful answer, as the server sent it.
    private func raw(
        _ method: HTTPMethod,
        _ path: String,
        prefix: String = "/tdmock/v1",
        body: (any Encodable)? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Data {
        let response = try await execute(method, path, prefix: prefix, body: body, timeout: timeout)
        return Data((try await response.body.collect(upTo: 1 << 30)).readableBytesView)
    }

    /// A successful answer whose body is still to be read; any other answer becomes a ConsoleError.
    private func execute(
        _ method: HTTPMethod,
        _ path: String,
        prefix: String = "/tdmock/v1",
        body: (any Encodable)? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url(path, prefix: prefix))
        request.method = method
        authorize(&request)
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONCoding.encoder.encode(body)))
        } else if method == .POST {
            // The agent API takes every POST as JSON (a form from another site changes nothing).
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: "{}"))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw ConsoleError(
                "cannot reach tdmock at \(server): \(Self.describe(error)) (start it with `tdmock serve`, or set --server / TDMOCK_SERVER)"
            )
        }
        guard (200..<300).contains(response.status.code) else {
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            if let error = try? JSONDecoder().decode(AgentWire.ErrorBody.self, from: data) { throw ConsoleError(error.message) }
            throw ConsoleError("tdmock at \(server) answered \(response.status.code) to \(method.rawValue) \(path); is it a tdmock server?")
        }
        return response
    }

    /// The inbox as the server's JSON, untouched and handed on in chunks as they arrive (`inbox --json`
    /// passes it through rather than decoding and encoding hundreds of thousands of conversations again).
    public func conversationsJSON(status: String, into sink: (ByteBuffer) throws -> Void) async throws {
        let response = try await execute(.GET, "/conversations?status=\(Self.encode(status))", timeout: .minutes(5))
        for try await chunk in response.body { try sink(chunk) }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "timed out" }
        if text.lowercased().contains("refused") { return "connection refused" }
        return text
    }

    private static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? value
    }

    /// `GET /healthz` within `timeout`: returns when the server answers 200, throws otherwise.
    public func health(timeout: TimeAmount = .seconds(5)) async throws {
        _ = try await raw(.GET, "/healthz", prefix: "", timeout: timeout)
    }

    public func info() async throws -> AgentWire.ServerInfo {
        try await send(.GET, "/info", as: AgentWire.ServerInfo.self)
    }

    public func conversations(status: String) async throws -> [AgentWire.ConversationSummary] {
        try await send(.GET, "/conversations?status=\(Self.encode(status))", as: [AgentWire.ConversationSummary].self)
    }

    public func conversation(_ id: String) async throws -> AgentWire.ConversationDetail {
        try await send(.GET, "/conversations/\(Self.encode(id))", as: AgentWire.ConversationDetail.self)
    }

    public func assign(_ id: String, agent: String) async throws -> AgentWire.ConversationDetail {
        try await send(
            .POST,
            "/conversations/\(Self.encode(id))/assign",
            body: AgentWire.AgentActionRequest(agent: agent),
            as: AgentWire.ConversationDetail.self
        )
    }

    public func reply(_ id: String, agent: String, content: String) async throws -> AgentWire.ConversationDetail {
        try await send(
            .POST,
            "/conversations/\(Self.encode(id))/messages",
            body: AgentWire.AgentActionRequest(agent: agent, content: content),
            as: AgentWire.ConversationDetail.self
        )
    }

    public func close(_ id: String, agent: String) async throws -> AgentWire.ConversationDetail {
        try await send(
            .POST,
            "/conversations/\(Self.encode(id))/close",
            body: AgentWire.AgentActionRequest(agent: agent),
            as: AgentWire.ConversationDetail.self
        )
    }

    public func callbacks(status: String?, conversationID: String?) async throws -> [AgentWire.DeliveryView] {
        var query: [String] = []
        if let status { query.append("status=\(Self.encode(status))") }
        if let conversationID { query.append("conversation_id=\(Self.encode(conversationID))") }
        return try await send(.GET, "/callbacks" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), as: [AgentWire.DeliveryView].self)
    }

    public func redeliver(_ deliveryID: String) async throws -> AgentWire.DeliveryView {
        try await send(.POST, "/callbacks/\(Self.encode(deliveryID))/redeliver", as: AgentWire.DeliveryView.self)
    }

    /// Empties the inbox and the event log (`tdmock reset`).
    public func reset() async throws {
        _ = try await send(.POST, "/reset", as: [String: String].self)
    }

    /// The events named `event` (of one conversation, if given) once at least `count` have happened since
    /// start or reset (of those the server's event log still holds); `.failure` with the server's words
    /// when `timeout` seconds pass first.
    public func wait(
        event: String,
        conversationID: String?,
        count: Int,
        timeout: Double,
        questionID: String? = nil,
        sessionID: String? = nil,
        contactID: String? = nil
    ) async throws -> Result<[InboxEvent], ConsoleError> {
        var query = "event=\(Self.encode(event))&count=\(count)&timeout=\(timeout)"
        if let conversationID { query += "&conversation_id=\(Self.encode(conversationID))" }
        if let questionID { query += "&question_id=\(Self.encode(questionID))" }
        if let sessionID { query += "&session_id=\(Self.encode(sessionID))" }
        if let contactID { query += "&contact_id=\(Self.encode(contactID))" }
        do {
            return .success(try await send(.GET, "/wait?" + query, timeout: .milliseconds(Int64(timeout * 1000) + 30_000), as: [InboxEvent].self))
        } catch let error as ConsoleError where error.description.hasPrefix("fewer than") {
            return .failure(error)
        }
    }

    public func faults() async throws -> [Fault] {
        try await send(.GET, "/faults", as: [Fault].self)
    }

    public func addFault(_ fault: Fault) async throws -> Fault {
        try await send(.POST, "/faults", body: fault, as: Fault.self)
    }

    public func clearFaults() async throws {
        _ = try await send(.DELETE, "/faults", as: [Fault].self)
    }

    public func questions(status: String) async throws -> [QuestionWire.View] {
        try await send(.GET, "/questions?status=\(Self.encode(status))", as: [QuestionWire.View].self)
    }

    public func question(_ id: String) async throws -> QuestionWire.Detail {
        try await send(.GET, "/questions/\(Self.encode(id))", as: QuestionWire.Detail.self)
    }

    public func answer(_ id: String, agent: String, answer: QuestionAnswer) async throws -> QuestionWire.View {
        try await send(
            .POST,
            "/questions/\(Self.encode(id))/answer",
            body: QuestionWire.AnswerRequest(agent: agent, answer: answer),
            as: QuestionWire.View.self
        )
    }

    /// The request journal, newest first (`tdmock requests`).
    public func requests(failed: Bool, limit: Int) async throws -> [JournalEntry] {
        try await send(.GET, "/requests?failed=\(failed)&limit=\(limit)", as: [JournalEntry].self)
    }

    /// The invocations journal, newest first (`tdmock invocations`).
    public func invocations(function: String?, failed: Bool, limit: Int) async throws -> [Invocation] {
        var path = "/invocations?failed=\(failed)&limit=\(limit)"
        if let function {
            path += "&function=" + (function.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+"])) ?? function)
        }
        return try await send(.GET, path, as: [Invocation].self)
    }

    /// The contact API's calls (`/connect/v1/contacts`), newest first.
    public func contacts() async throws -> [ConnectWire.ContactView] {
        try await send(.GET, "/contacts", prefix: "/connect/v1", as: [ConnectWire.ContactView].self)
    }

    public func contact(_ id: String) async throws -> ConnectWire.ContactView {
        try await send(.GET, "/contacts/\(Self.encode(id))", prefix: "/connect/v1", as: ConnectWire.ContactView.self)
    }

    /// How much of the contact flows the calls have run (`/connect/v1/coverage`).
    public func coverage() async throws -> ConnectWire.Coverage {
        try await send(.GET, "/coverage", prefix: "/connect/v1", as: ConnectWire.Coverage.self)
    }

    /// The caller's side: a new call, an utterance, hanging up.
    public func startCall(caller: String?, attributes: [String: String], channel: String = "VOICE") async throws -> ConnectWire.Created {
        struct Body: Encodable {
            var caller: String?
            var attributes: [String: String]
            var channel: String
        }
        return try await send(
            .POST,
            "/contacts",
            prefix: "/connect/v1",
            body: Body(caller: caller, attributes: attributes, channel: channel),
            as: ConnectWire.Created.self
        )
    }

    /// The harness clock the flows' hours of operation read: `now` ISO 8601, and whether it is set.
    public struct Clock: Decodable, Sendable {
        public var now: String
        public var set: Bool
    }

    public func clock() async throws -> Clock { try await send(.GET, "/clock", as: Clock.self) }

    public func setClock(_ now: String) async throws -> Clock { try await send(.POST, "/clock", body: ["now": now], as: Clock.self) }

    public func resetClock() async throws -> Clock { try await send(.DELETE, "/clock", as: Clock.self) }

    /// The queues' metrics, by id or name: `queue` and the four metrics.
    public func queues() async throws -> [[String: JSONValue]] { try await send(.GET, "/queues", as: [[String: JSONValue]].self) }

    public func setQueue(_ queue: String, _ metrics: [String: Int]) async throws -> [String: JSONValue] {
        try await send(.PUT, "/queues/\(Self.encode(queue))", body: metrics, as: [String: JSONValue].self)
    }

    public func say(_ contactID: String, text: String, timeout: TimeAmount) async throws -> ConnectWire.TurnResult {
        try await utterance(contactID, ["text": .string(text)], timeout: timeout)
    }

    /// The caller says nothing until the waiting action's time limit (`InputTimeLimitExceeded`).
    public func staySilent(_ contactID: String, timeout: TimeAmount) async throws -> ConnectWire.TurnResult {
        try await utterance(contactID, ["silence": true], timeout: timeout)
    }

    private func utterance(_ contactID: String, _ body: JSONValue, timeout: TimeAmount) async throws -> ConnectWire.TurnResult {
        try await send(
            .POST,
            "/contacts/\(Self.encode(contactID))/utterances",
            prefix: "/connect/v1",
            body: body,
            timeout: timeout,
            as: ConnectWire.TurnResult.self
        )
    }

    public func hangUp(_ contactID: String) async throws {
        _ = try await raw(.DELETE, "/contacts/\(Self.encode(contactID))", prefix: "/connect/v1")
    }

    public func events() async throws -> AsyncThrowingStream<InboxEvent, any Error> {
        var request = HTTPClientRequest(url: url("/events"))
        authorize(&request)
        request.headers.add(name: "accept", value: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .distantFuture)
        } catch {
            throw ConsoleError("cannot reach tdmock at \(server): \(Self.describe(error))")
        }
        guard response.status == .ok else { throw ConsoleError("tdmock at \(server) refused the event stream (\(response.status.code))") }
        let body = response.body
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = ServerSentEvents()
                let decoder = JSONDecoder()
                do {
                    for try await buffer in body {
                        for data in parser.feed(Array(buffer.readableBytesView)) {
                            if let event = try? decoder.decode(InboxEvent.self, from: Data(data.utf8)) { continuation.yield(event) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Splits a `text/event-stream` into the `data` of each event.
struct ServerSentEvents {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending.append(contentsOf: bytes)
        var events: [String] = []
        while let end = Self.blankLine(in: pending) {
            let block = String(decoding: pending[..<end.start], as: UTF8.self)
            pending.removeFirst(end.end)
            let data = block.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { $0.hasPrefix("data:") }
                .map { $0.dropFirst(5).drop { $0 == " " } }
                .joined(separator: "\n")
            if !data.isEmpty { events.append(data) }
        }
        return events
    }

    private static func blankLine(in bytes: [UInt8]) -> (start: Int, end: Int)? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 10 && bytes[index + 1] == 10 {
            return (index, index + 2)
        }
        return nil
    }
}
