public import Foundation
import HTTPTypes
import Hummingbird
public import TDMockCore
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
    /// The last requests to the Talkdesk surface and the question-response API.
    public let journal: RequestJournal
    /// The configured touchpoints by id.
    let touchpoints: [String: Touchpoint]

    public init(
        configuration: ServeConfiguration,
        database: AppDatabase,
        ids: IdentifierGenerator = IdentifierGenerator(),
        clock: @escaping @Sendable () -> Date = Timestamp.now
    ) {
        self.configuration = configuration
        self.database = database
        self.ids = ids
        self.clock = clock
        self.faults = FaultInjector(configuration.faults)
        self.journal = RequestJournal(capacity: configuration.journalSize)
        self.tokens = TokenService(database: database, ids: ids, ttl: configuration.tokenTTL, clients: configuration.clients)
        self.touchpoints = Dictionary(configuration.touchpoints.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Opens the database the configuration names.
    public static func openDatabase(_ location: DatabaseLocation) throws -> AppDatabase {
        switch location {
        case .inMemory: try AppDatabase.inMemory()
        case .file(let path): try AppDatabase.open(path: path)
        }
    }
}
