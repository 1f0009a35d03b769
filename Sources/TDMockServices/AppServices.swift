public import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
public import TDMockCore
public import TDMockHTTP
public import TDMockStore

/// What the controllers share: the configuration, the inbox, the token service, the id source and the clock.
public struct AppServices: Sendable {
    public let configuration: ServeConfiguration
    public let database: AppDatabase
    public let ids: IdentifierGenerator
    public let tokens: TokenService
    /// The time now, in whole milliseconds; tests give their own.
    public let clock: @Sendable () -> Date
    public let faults: FaultInjector
    /// The last requests to the Talkdesk surface, the question-response API and the AWS APIs.
    public let journal: RequestJournal
    /// The last invocations of the functions, whoever called them.
    public let invocations: InvocationJournal
    /// How much of the contact flows the calls have run since start or reset.
    package let coverage: FlowCoverage
    /// The port the server listens on, once it does (the real one when port 0 was asked).
    public let listening = ListeningPort()
    /// The HTTPS and WSS port, once it listens (`--tls-port`).
    public let listeningTLS = ListeningPort()
    /// The configured touchpoints by id.
    package let touchpoints: [String: Touchpoint]
    /// The clock, queues and draws a test sets for the contact flows.
    public let connect: ConnectHarness
    /// The flows and modules calls run: the configuration's and those of Connect's flow API.
    public let flows: FlowRegistry

    public init(
        configuration: ServeConfiguration,
        database: AppDatabase,
        ids: IdentifierGenerator = IdentifierGenerator(),
        clock: @escaping @Sendable () -> Date = Timestamp.now,
        storedFlows: [ConnectResource] = []
    ) {
        self.configuration = configuration
        self.database = database
        self.ids = ids
        self.clock = clock
        self.faults = FaultInjector(configuration.faults)
        self.journal = RequestJournal(capacity: configuration.journalSize)
        self.invocations = InvocationJournal(capacity: configuration.journalSize, byteBudget: configuration.journalBytes)
        self.coverage = FlowCoverage(clock: clock)
        self.tokens = TokenService(database: database, ids: ids, ttl: configuration.tokenTTL, clients: configuration.clients)
        self.touchpoints = Dictionary(configuration.touchpoints.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.connect = ConnectHarness(queues: configuration.connect.queues, seed: configuration.seed, clock: clock)
        let connect = configuration.connect
        self.flows = FlowRegistry(
            configured: connect.flows.flows["main"] == nil ? FlowSet.builtIn(connect.flow) : connect.flows,
            stored: storedFlows,
            startedAt: clock()
        )
    }

    /// Opens the database the configuration names.
    public static func openDatabase(_ location: DatabaseLocation) throws -> AppDatabase {
        switch location {
        case .inMemory: try AppDatabase.inMemory()
        case .file(let path): try AppDatabase.open(path: path)
        }
    }
}

/// The port the server is bound to, known once it listens.
public final class ListeningPort: Sendable {
    private let port = Atomic<Int>(0)

    public init() {}

    /// 0 until the server listens.
    public var value: Int { port.load(ordering: .acquiring) }

    package func set(_ value: Int) { port.store(value, ordering: .releasing) }
}

extension AppServices {
    /// The `HOST:PORT` API Gateway's events name as `domainName`, so that `https://{domainName}/{stage}`
    /// reaches the Management API: the host the client asked for (its `Host` header), at the TLS port when
    /// serve has one (a function builds an `https://` endpoint), else at the port it connected to.
    package func domainName(host header: String?) -> String {
        let port = listening.value
        var host = header.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:\(port)"
        let tls = listeningTLS.value
        guard tls != 0 else { return host }
        // Strip a port: after the last colon, unless the colon is inside an IPv6 literal's brackets.
        if let colon = host.lastIndex(of: ":"), !host[colon...].contains("]") { host = String(host[..<colon]) }
        return "\(host):\(tls)"
    }

    /// Where Talkdesk's callbacks go: `--callback-url`, else this server's own REST API's `/callback`
    /// (nil until the server listens), so that the chat line runs with no flags.
    package var callbackBase: String? {
        if let url = configuration.callback.url { return url }
        let port = listening.value
        guard port != 0 else { return nil }
        let host = ServeConfiguration.isLoopback(configuration.host) ? configuration.host : "127.0.0.1"
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(shown):\(port)\(APIGatewayConfiguration.RESTAPI.pathPrefix)/\(configuration.apiGateway.rest.stage)/callback"
    }

    /// The x-api-key sent with callbacks: `--callback-api-key`, else, to the REST API, its first key.
    package var callbackAPIKey: String? {
        configuration.callback.apiKey ?? (configuration.callback.url == nil ? configuration.apiGateway.rest.apiKeys.first : nil)
    }
}
