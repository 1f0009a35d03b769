public import Foundation
import GRDB
import TDMockCore

/// The idempotency identity of a request: who sent it, with which key, and what it asked.
public struct IdempotencyKey: Sendable, Hashable {
    public var clientID: String
    public var key: String
    /// What the request asked, in a canonical form (method, path and normalised body):
    /// the same key with another fingerprint is a conflict.
    public var fingerprint: String

    public init(clientID: String, key: String, fingerprint: String) {
        self.clientID = clientID
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// A response as it was first given, kept so that an idempotent replay gives it again.
public struct StoredResponse: Sendable, Hashable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// Whether a write was made now or an earlier identical request's answer was found.
public enum IdempotentOutcome: Sendable, Hashable {
    case performed(StoredResponse)
    case replayed(StoredResponse)

    public var response: StoredResponse {
        switch self {
        case .performed(let response), .replayed(let response): response
        }
    }
}

extension AppDatabase {
    /// Runs `operation` in one write transaction, unless `key` names an earlier request: then the stored
    /// answer comes back (same fingerprint) or `InboxError.idempotencyKeyReused` is thrown (another one).
    ///
    /// The idempotency record is written in the same transaction as the operation's writes; an operation
    /// that throws leaves nothing behind, so the client may retry it with the same key.
    ///
    /// `operation` also returns a value for the caller (what to announce once committed); a replay has none.
    func idempotentWrite<T: Sendable>(
        _ key: IdempotencyKey?,
        now: Date,
        _ operation: @Sendable @escaping (Database) throws -> (StoredResponse, T)
    ) async throws -> (IdempotentOutcome, T?) {
        try await write(Self.idempotent(key, now: now, operation))
    }

    /// `idempotentWrite` for callers outside an async context (see `submitWrite`).
    // Specialized for Send a Message's fast path (the message's id): unspecialized, the generic chain down
    // to `GroupCommit` looked up the metadata of its Optional, Result and tuple types at run time, some
    // fourteen times a request (~4 % of a Send's instructions).
    @_specialize(exported:true,where T == String)
    func submitIdempotentWrite<T: Sendable>(
        _ key: IdempotencyKey?,
        now: Date,
        _ operation: @Sendable @escaping (Database) throws -> (StoredResponse, T),
        on executor: (any CompletionExecutor)?,
        completion: @escaping @Sendable (Result<(IdempotentOutcome, T?), any Error>) -> Void
    ) {
        submitWrite(Self.idempotent(key, now: now, operation), on: executor, completion: completion)
    }

    private static func idempotent<T: Sendable>(
        _ key: IdempotencyKey?,
        now: Date,
        _ operation: @Sendable @escaping (Database) throws -> (StoredResponse, T)
    ) -> @Sendable (Database) throws -> (IdempotentOutcome, T?) {
        { db in
            guard let key else {
                let (response, value) = try operation(db)
                return (.performed(response), value)
            }
            var find = try RawStatement(db, "SELECT fingerprint, status, body FROM idempotency_record WHERE client_id = ? AND key = ?")
            find.bind(key.clientID)
            find.bind(key.key)
            if try find.step() {
                guard find.string(0) == key.fingerprint else { throw InboxError.idempotencyKeyReused(key.key) }
                return (.replayed(StoredResponse(status: find.int(1), body: find.data(2))), nil)
            }
            let (response, value) = try operation(db)
            var insert = try RawStatement(
                db,
                "INSERT INTO idempotency_record (client_id, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            )
            insert.bind(key.clientID)
            insert.bind(key.key)
            insert.bind(key.fingerprint)
            insert.bind(Int64(response.status))
            insert.bind(response.body)
            insert.bind(Timestamp.milliseconds(now))
            try insert.execute()
            return (.performed(response), value)
        }
    }
}
