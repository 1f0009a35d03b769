import Foundation
public import GRDB
import TDMockCore

/// The coding every table shares: snake_case columns (each record names them in its `CodingKeys`: GRDB's
/// snake_case strategies converted every column name of every row, a quarter of reading a long
/// conversation), times as integer milliseconds since 1970.
protocol InboxRecord: Codable, FetchableRecord, EncodableRecord {}

extension InboxRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { Timestamp.milliseconds($0) }
    }

    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .millisecondsSince1970
    }
}

/// Reading a row by hand, for the records the callbacks listing reads by the thousand (deliveries and
/// their journal), where GRDB's `Decodable` path would cost more than SQLite's own reading. Each reads
/// what the `Decodable` path reads (a test compares them). (A conversation's own detail reads its rows
/// through `RawStatement`.)
extension Row {
    /// An integer column of milliseconds since 1970, as GRDB's `.millisecondsSince1970` reads it.
    func date(_ column: String) -> Date {
        Date(timeIntervalSince1970: Double(self[column] as Int64) / 1000.0)
    }

    func optionalDate(_ column: String) -> Date? {
        (self[column] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000.0) }
    }
}

/// A row of `access_token`.
struct AccessTokenRecord: InboxRecord, PersistableRecord {
    static let databaseTableName = "access_token"

    var token: String
    var clientId: String
    var scopes: String
    var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case token
        case clientId = "client_id"
        case scopes
        case expiresAt = "expires_at"
    }
}

extension DeliveryStatus: DatabaseValueConvertible {}
extension CallbackEvent: DatabaseValueConvertible {}

/// A row of `callback_delivery`: the outbox of the Builder integration.
struct CallbackDeliveryRecord: InboxRecord, MutablePersistableRecord {
    static let databaseTableName = "callback_delivery"

    var seq: Int64?
    var deliveryId: String
    var conversationId: String
    var eventType: CallbackEvent
    var body: Data
    var status: DeliveryStatus
    var attempts: Int
    /// `attempts` when the delivery was last redelivered by hand: the attempt limit counts from there.
    var attemptsAllowedFrom: Int
    var nextAttemptAt: Date
    var lastStatusCode: Int?
    var lastError: String?
    var createdAt: Date
    var deliveredAt: Date?

    var delivery: CallbackDelivery {
        CallbackDelivery(
            deliveryID: deliveryId,
            conversationID: conversationId,
            eventType: eventType,
            body: body,
            status: status,
            attempts: attempts,
            attemptsSinceRedelivery: attempts - attemptsAllowedFrom,
            nextAttemptAt: nextAttemptAt,
            lastStatusCode: lastStatusCode,
            lastError: lastError,
            createdAt: createdAt,
            deliveredAt: deliveredAt
        )
    }

    enum CodingKeys: String, CodingKey {
        case seq
        case deliveryId = "delivery_id"
        case conversationId = "conversation_id"
        case eventType = "event_type"
        case body
        case status
        case attempts
        case attemptsAllowedFrom = "attempts_allowed_from"
        case nextAttemptAt = "next_attempt_at"
        case lastStatusCode = "last_status_code"
        case lastError = "last_error"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }
}

/// A row of `callback_attempt`: the journal.
struct CallbackAttemptRecord: InboxRecord, MutablePersistableRecord {
    static let databaseTableName = "callback_attempt"

    var id: Int64?
    var deliveryId: String
    var attempt: Int
    var startedAt: Date
    var statusCode: Int?
    var error: String?
    var latencyMs: Double

    var attemptValue: CallbackAttempt {
        CallbackAttempt(
            deliveryID: deliveryId,
            attempt: attempt,
            startedAt: startedAt,
            statusCode: statusCode,
            error: error,
            latency: latencyMs / 1000
        )
    }

    enum CodingKeys: String, CodingKey {
        case id
        case deliveryId = "delivery_id"
        case attempt
        case startedAt = "started_at"
        case statusCode = "status_code"
        case error
        case latencyMs = "latency_ms"
    }
}

extension CallbackDeliveryRecord {
    init(row: Row) throws {
        seq = row["seq"]
        deliveryId = row["delivery_id"]
        conversationId = row["conversation_id"]
        eventType = row["event_type"]
        body = row["body"]
        status = row["status"]
        attempts = row["attempts"]
        attemptsAllowedFrom = row["attempts_allowed_from"]
        nextAttemptAt = row.date("next_attempt_at")
        lastStatusCode = row["last_status_code"]
        lastError = row["last_error"]
        createdAt = row.date("created_at")
        deliveredAt = row.optionalDate("delivered_at")
    }
}

extension CallbackAttemptRecord {
    init(row: Row) throws {
        id = row["id"]
        deliveryId = row["delivery_id"]
        attempt = row["attempt"]
        startedAt = row.date("started_at")
        statusCode = row["status_code"]
        error = row["error"]
        latencyMs = row["latency_ms"]
    }
}
