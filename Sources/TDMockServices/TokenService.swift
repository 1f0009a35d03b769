package import Foundation
import Synchronization
import TDMockCore
package import TDMockStore

/// Issues and checks access tokens.
///
/// Tokens are written to the database (a restarted server honours the tokens it gave) and kept in
/// memory, so checking one on every request costs a dictionary lookup.
public final class TokenService: Sendable {
    private let database: AppDatabase
    private let ids: IdentifierGenerator
    private let ttl: TimeInterval
    private let clients: [String: OAuthClient]
    private let cache = Mutex<[String: AccessGrant]>([:])

    init(database: AppDatabase, ids: IdentifierGenerator, ttl: Int, clients: [OAuthClient]) {
        self.database = database
        self.ids = ids
        self.ttl = TimeInterval(ttl)
        self.clients = Dictionary(clients.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var lifetime: Int { Int(ttl) }

    /// The client with these credentials, or nil. Compares secrets in constant time.
    package func authenticate(clientID: String, secret: String) -> OAuthClient? {
        guard let client = clients[clientID] else { return nil }
        return constantTimeEquals(client.secret, secret) ? client : nil
    }

    package func client(id: String) -> OAuthClient? { clients[id] }

    /// A new token for `client`, granted `scopes`.
    package func issue(for client: OAuthClient, scopes: [String], now: Date) async throws -> AccessGrant {
        let grant = AccessGrant(token: ids.token(), clientID: client.id, scopes: scopes, expiresAt: now.addingTimeInterval(ttl))
        try await database.save(grant, now: now)
        cache.withLock { $0[grant.token] = grant }
        return grant
    }

    /// The grant behind a token from memory alone: nil when it is not held there (or has expired), in
    /// which case `validate` decides.
    package func cachedGrant(_ token: String, now: Date) -> AccessGrant? {
        guard let grant = cache.withLock({ $0[token] }), grant.expiresAt > now else { return nil }
        return grant
    }

    /// The grant behind a token, if the token is known and has not expired.
    package func validate(_ token: String, now: Date) async throws -> AccessGrant? {
        var grant = cache.withLock { $0[token] }
        if grant == nil {
            grant = try await database.grant(token: token)
            if let grant { cache.withLock { $0[token] = grant } }
        }
        guard let grant, grant.expiresAt > now else { return nil }
        return grant
    }
}
