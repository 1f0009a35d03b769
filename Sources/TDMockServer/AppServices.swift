import Foundation
import HTTPTypes
import Hummingbird
import TDMockCore
import TDMockStore

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
    let touchpointIDs: Set<String>

    public init(
        configuration: ServeConfiguration, database: AppDatabase, ids: IdentifierGenerator = IdentifierGenerator(),
        clock: @escaping @Sendable () -> Date = Timestamp.now
    ) {
        self.configuration = configuration
        self.database = database
        self.ids = ids
        self.clock = clock
        self.faults = FaultInjector(configuration.faults)
        self.journal = RequestJournal(capacity: configuration.journalSize)
        self.tokens = TokenService(database: database, ids: ids, ttl: configuration.tokenTTL, clients: configuration.clients)
        self.touchpointIDs = Set(configuration.touchpoints.map(\.id))
    }

    /// Opens the database the configuration names.
    public static func openDatabase(_ location: DatabaseLocation) throws -> AppDatabase {
        switch location {
        case .inMemory: try AppDatabase.inMemory()
        case .file(let path): try AppDatabase.open(path: path)
        }
    }
}

extension Request {
    /// The body, refused with `tooLarge` when it is over `BodyLimit.bytes` (by its Content-Length, or as it streams).
    func collectBody<E: Error>(orThrow tooLarge: E) async throws -> Data {
        if let length = headers[.contentLength].flatMap(Int.init), length > BodyLimit.bytes { throw tooLarge }
        do {
            let buffer = try await body.collect(upTo: BodyLimit.bytes)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }
}

extension HTTPField.Name {
    /// Talkdesk's idempotency header on Start a Conversation and Send a Message.
    public static let idempotencyKey = Self("x-idempotency-key")!
    static let pragma = Self("Pragma")!
}
