import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TDMockCore
import TDMockServer
import TDMockSettings
import TDMockStore
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let date = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { date.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        date.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// The repository's fixtures folder.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }

    static func path(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }
}

/// An application on an in-memory inbox, with a test clock, built by `buildApplication` and served over
/// HTTP as `tdmock serve` serves it: Send a Message goes through the server's fast path, and the router
/// when that declines, unless `TDMOCK_FAST_PATH=false` (make test runs these tests both ways).
struct TestApp {
    let clock = TestClock()
    let services: AppServices
    let app: any ApplicationProtocol

    init(_ configuration: ServeConfiguration = ServeConfiguration(database: .inMemory)) throws {
        try self.init(configuration, database: try AppServices.openDatabase(configuration.database))
    }

    /// A second server on `other`'s store, as after a restart: it holds none of the tokens `other` issued.
    init(sharing other: TestApp) throws {
        try self.init(other.services.configuration, database: other.services.database)
    }

    private init(_ configuration: ServeConfiguration, database: AppDatabase) throws {
        let clock = clock
        var configuration = configuration
        configuration.port = 0
        configuration.fastPath = try SettingSources(environment: ProcessInfo.processInfo.environment, file: nil)
            .value(ServeSettings.table.fastPath)
        services = AppServices(configuration: configuration, database: database, clock: { clock.now })
        app = buildApplication(services, logger: Logger(label: "tdmock-test"))
    }

    func test<Value>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.test(.live, body)
    }
}

/// A response body as JSON, for assertions on what a client reads.
func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    return try #require(object as? [String: Any], "body is not a JSON object: \(String(buffer: response.body))")
}

func basic(_ id: String, _ secret: String) -> String {
    "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
}

extension TestClientProtocol {
    /// A token for the default client (or another), asserting it was granted.
    func token(client: String = "tdmock-client", secret: String = "tdmock-secret", scope: String? = nil) async throws -> String {
        var form = "grant_type=client_credentials"
        if let scope { form += "&scope=" + (scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? scope) }
        return try await execute(
            uri: "/oauth/token",
            method: .post,
            headers: [.authorization: basic(client, secret), .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: form)
        ) { response in
            #expect(response.status == .ok, "token: \(String(buffer: response.body))")
            return try #require(try json(response)["access_token"] as? String)
        }
    }

    /// A request with a bearer token and a JSON (or any) body.
    func call(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String?,
        body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers.append(contentsOf: extra)
        Self.addIdempotencyKey(&headers, method, uri)
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, data: Data) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token ?? "")"]
        Self.addIdempotencyKey(&headers, method, uri)
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: data))
    }

    /// Start a Conversation carries an `x-idempotency-key`, as Talkdesk requires and integrations send: a
    /// fresh one unless the test gives its own (an empty one stands for none).
    static func addIdempotencyKey(_ headers: inout HTTPFields, _ method: HTTPRequest.Method, _ uri: String) {
        guard method == .post, uri == "/digital-connect/conversations", headers[.idempotencyKey] == nil else { return }
        headers[.idempotencyKey] = UUID().uuidString
    }

    /// Starts a conversation with the fixture's body (or another), asserting 201, and returns its id.
    func startConversation(token: String, body: String? = nil) async throws -> String {
        let body = try body ?? String(decoding: Fixtures.data("start-conversation.json"), as: UTF8.self)
        let response = try await call(.post, "/digital-connect/conversations", token: token, body: body)
        #expect(response.status == .created, "start: \(String(buffer: response.body))")
        return try #require(try json(response)["id"] as? String)
    }
}

/// Asserts a Digital Connect error body: its code and, when given, the invalid fields it names.
func expectDigitalConnectError(
    _ response: TestResponse,
    status: HTTPResponse.Status,
    code: String,
    fields: [String]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == status, "body: \(String(buffer: response.body))", sourceLocation: sourceLocation)
    let body = try json(response)
    #expect(body["code"] as? String == code, sourceLocation: sourceLocation)
    #expect((body["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    if let fields {
        let named = (body["fields"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(named == fields, sourceLocation: sourceLocation)
        for field in body["fields"] as? [[String: Any]] ?? [] {
            #expect((field["description"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        }
    }
}

/// Asserts an OAuth error body.
func expectOAuthError(
    _ response: TestResponse,
    status: HTTPResponse.Status,
    error: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == status, "body: \(String(buffer: response.body))", sourceLocation: sourceLocation)
    let body = try json(response)
    #expect(body["error"] as? String == error, sourceLocation: sourceLocation)
    #expect((body["error_description"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(Set(body.keys) == ["error", "error_description"], sourceLocation: sourceLocation)
}
