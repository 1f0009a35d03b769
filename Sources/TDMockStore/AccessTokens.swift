public import Foundation
import GRDB
import TDMockCore

/// An access token the token service gave: to which client, for which scopes, until when.
public struct AccessGrant: Sendable, Hashable {
    public var token: String
    public var clientID: String
    public var scopes: [String]
    public var expiresAt: Date

    public init(token: String, clientID: String, scopes: [String], expiresAt: Date) {
        self.token = token
        self.clientID = clientID
        self.scopes = scopes
        self.expiresAt = expiresAt
    }
}

/// Access tokens, kept so that a restarted server still honours the tokens it gave.
enum AccessTokens {
    typealias Grant = AccessGrant

    static func save(_ db: Database, _ grant: Grant) throws {
        try AccessTokenRecord(
            token: grant.token,
            clientId: grant.clientID,
            scopes: grant.scopes.joined(separator: " "),
            expiresAt: grant.expiresAt
        ).insert(db)
    }

    static func find(_ db: Database, token: String) throws -> Grant? {
        guard let record = try AccessTokenRecord.fetchOne(db, key: token) else { return nil }
        return Grant(
            token: record.token,
            clientID: record.clientId,
            scopes: record.scopes.split(separator: " ").map(String.init),
            expiresAt: record.expiresAt
        )
    }

    /// Forgets tokens that expired before `date`.
    static func deleteExpired(_ db: Database, before date: Date) throws {
        try AccessTokenRecord.filter(Column("expires_at") < Timestamp.milliseconds(date)).deleteAll(db)
    }
}
