public import Foundation
import GRDB
import TDMockCore

/// What an attempt at a delivery came to.
public enum DeliveryOutcome: Sendable, Hashable {
    case delivered
    /// Try again at this time.
    case retry(at: Date)
    /// Give up: shown to the agent, can be redelivered by hand.
    case failed
}

/// The Builder integration's outbox and journal. Events are enqueued in the agent action's transaction.
enum Outbox {
    /// Adds the callback an agent action owes, with its body fixed now.
    @discardableResult
    static func enqueue(
        _ db: Database,
        conversationID: String,
        event: CallbackEvent,
        payload: CallbackBody.Payload,
        ids: IdentifierGenerator,
        now: Date
    ) throws -> CallbackDelivery {
        let body = CallbackBody(eventType: event, conversationId: conversationID, timestamp: Timestamp.string(from: now), payload: payload)
        var record = CallbackDeliveryRecord(
            deliveryId: ids.identifier(),
            conversationId: conversationID,
            eventType: event,
            body: try JSONCoding.encoder.encode(body),
            status: .pending,
            attempts: 0,
            attemptsAllowedFrom: 0,
            nextAttemptAt: now,
            createdAt: now
        )
        try record.insert(db)
        return record.delivery
    }

    /// The first pending delivery of each conversation (its turn has come), earliest attempt time first.
    static func heads(_ db: Database, limit: Int = 512) throws -> [CallbackDelivery] {
        try CallbackDeliveryRecord.fetchAll(
            db,
            sql: """
                SELECT d.* FROM callback_delivery d
                WHERE d.status = 'pending'
                  AND d.seq = (SELECT MIN(p.seq) FROM callback_delivery p
                               WHERE p.conversation_id = d.conversation_id AND p.status = 'pending')
                ORDER BY d.next_attempt_at, d.seq
                LIMIT ?
                """,
            arguments: [limit]
        ).map(\.delivery)
    }

    /// Writes an attempt to the journal and moves the delivery on.
    @discardableResult
    static func record(_ db: Database, _ attempt: CallbackAttempt, outcome: DeliveryOutcome) throws -> CallbackDelivery {
        guard var delivery = try CallbackDeliveryRecord.filter(Column("delivery_id") == attempt.deliveryID).fetchOne(db) else {
            throw InboxError.deliveryNotFound(attempt.deliveryID)
        }
        var journal = CallbackAttemptRecord(
            deliveryId: attempt.deliveryID,
            attempt: attempt.attempt,
            startedAt: attempt.startedAt,
            statusCode: attempt.statusCode,
            error: attempt.error,
            latencyMs: attempt.latency * 1000
        )
        try journal.insert(db)
        delivery.attempts = max(delivery.attempts, attempt.attempt)
        delivery.lastStatusCode = attempt.statusCode
        delivery.lastError = attempt.error
        switch outcome {
        case .delivered:
            delivery.status = .delivered
            delivery.deliveredAt = attempt.startedAt.addingTimeInterval(attempt.latency)
        case .retry(let date):
            delivery.nextAttemptAt = date
        case .failed:
            delivery.status = .failed
        }
        try delivery.update(db)
        return delivery.delivery
    }

    /// Puts a failed delivery back in line, with a fresh attempt budget.
    static func redeliver(_ db: Database, deliveryID: String, now: Date) throws -> CallbackDelivery {
        guard var delivery = try CallbackDeliveryRecord.filter(Column("delivery_id") == deliveryID).fetchOne(db) else {
            throw InboxError.deliveryNotFound(deliveryID)
        }
        guard delivery.status == .failed else { throw InboxError.deliveryNotFailed(deliveryID, delivery.status) }
        delivery.status = .pending
        delivery.attemptsAllowedFrom = delivery.attempts
        delivery.nextAttemptAt = now
        try delivery.update(db)
        return delivery.delivery
    }

    /// Deliveries, oldest first: of one conversation, of one status, or all.
    static func deliveries(
        _ db: Database,
        conversationID: String? = nil,
        status: DeliveryStatus? = nil,
        limit: Int? = nil
    ) throws
        -> [CallbackDelivery]
    {
        var request = CallbackDeliveryRecord.all()
        if let conversationID { request = request.filter(Column("conversation_id") == conversationID) }
        if let status { request = request.filter(Column("status") == status) }
        request = request.order(Column("seq"))
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db).map(\.delivery)
    }

    /// A conversation's deliveries in order, each with its journal (oldest attempt first): what its detail
    /// shows, read on every agent action. Two cached statements through SQLite's C API, as the records read
    /// a row (a test compares them); the journal comes in delivery order (the join walks the deliveries'
    /// index), so it is handed out without a lookup per delivery.
    static func journalledDeliveries(
        _ db: Database,
        conversationID: String
    ) throws
        -> [(delivery: CallbackDelivery, journal: [CallbackAttempt])]
    {
        var deliveries = try RawStatement(
            db,
            """
            SELECT delivery_id, conversation_id, event_type, body, status, attempts, attempts_allowed_from, next_attempt_at,
                   last_status_code, last_error, created_at, delivered_at
            FROM callback_delivery WHERE conversation_id = ? ORDER BY seq
            """
        )
        deliveries.bind(conversationID)
        var result = [(delivery: CallbackDelivery, journal: [CallbackAttempt])]()
        while try deliveries.step() {
            let attempts = deliveries.int(5)
            let delivery = CallbackDelivery(
                deliveryID: deliveries.string(0),
                conversationID: deliveries.string(1),
                eventType: try deliveries.value(2, as: CallbackEvent.self),
                body: deliveries.data(3),
                status: try deliveries.value(4, as: DeliveryStatus.self),
                attempts: attempts,
                attemptsSinceRedelivery: attempts - deliveries.int(6),
                nextAttemptAt: deliveries.date(7),
                lastStatusCode: deliveries.optionalInt(8),
                lastError: deliveries.text(9),
                createdAt: deliveries.date(10),
                deliveredAt: deliveries.optionalDate(11)
            )
            result.append((delivery, []))
        }
        var journal = try RawStatement(
            db,
            """
            SELECT a.delivery_id, a.attempt, a.started_at, a.status_code, a.error, a.latency_ms
            FROM callback_attempt a JOIN callback_delivery d ON d.delivery_id = a.delivery_id
            WHERE d.conversation_id = ? ORDER BY d.seq, a.attempt, a.id
            """
        )
        journal.bind(conversationID)
        var position = 0
        while try journal.step() {
            let deliveryID = journal.string(0)
            // Both statements go in delivery order over one snapshot: this attempt is the current
            // delivery's or a later one's.
            while position < result.count, result[position].delivery.deliveryID != deliveryID { position += 1 }
            guard position < result.count else { break }
            result[position].journal.append(
                CallbackAttempt(
                    deliveryID: deliveryID,
                    attempt: journal.int(1),
                    startedAt: journal.date(2),
                    statusCode: journal.optionalInt(3),
                    error: journal.text(4),
                    latency: journal.double(5) / 1000
                )
            )
        }
        return result
    }

    static func count(_ db: Database, status: DeliveryStatus) throws -> Int {
        try CallbackDeliveryRecord.filter(Column("status") == status).fetchCount(db)
    }

    static func delivery(_ db: Database, id: String) throws -> CallbackDelivery? {
        try CallbackDeliveryRecord.filter(Column("delivery_id") == id).fetchOne(db)?.delivery
    }

    /// Empties the inbox: conversations, messages, deliveries, their journal and the idempotency records
    /// (whose answers name conversations that are gone). Access tokens stay valid.
    static func reset(_ db: Database) throws {
        try db.execute(
            sql:
                "DELETE FROM callback_attempt; DELETE FROM callback_delivery; DELETE FROM message; DELETE FROM conversation; DELETE FROM idempotency_record"
        )
    }

    /// The journal of one delivery, first attempt first.
    static func attempts(_ db: Database, deliveryID: String) throws -> [CallbackAttempt] {
        try attempts(db, deliveryIDs: [deliveryID])[deliveryID] ?? []
    }

    /// The journals of these deliveries by delivery id, each oldest attempt first: one query for up to 500
    /// deliveries, where asking delivery by delivery made a thousand queries for a long conversation.
    static func attempts(_ db: Database, deliveryIDs: [String]) throws -> [String: [CallbackAttempt]] {
        var journals: [String: [CallbackAttempt]] = [:]
        for start in stride(from: 0, to: deliveryIDs.count, by: 500) {
            let chunk = deliveryIDs[start..<min(start + 500, deliveryIDs.count)]
            let records = try CallbackAttemptRecord.filter(chunk.contains(Column("delivery_id")))
                .order(Column("attempt"), Column("id")).fetchAll(db)
            for record in records { journals[record.deliveryId, default: []].append(record.attemptValue) }
        }
        return journals
    }
}
