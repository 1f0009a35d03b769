import Foundation
import GRDB
import TDMockCore

/// The coding every table shares: snake_case columns, times as integer milliseconds since 1970.
protocol InboxRecord: Codable, FetchableRecord, EncodableRecord {}

extension InboxRecord {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }

    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { Timestamp.milliseconds($0) }
    }

    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .millisecondsSince1970
    }
}

/// A row of `conversation`.
struct ConversationRecord: InboxRecord, PersistableRecord {
    static let databaseTableName = "conversation"

    var id: String
    var touchpointId: String
    var clientId: String
    var subject: String?
    var contactEmail: String
    var contactName: String?
    var contextParameters: [String: JSONValue]
    var status: ConversationStatus
    var agent: String?
    var endedBy: ConversationParty?
    var createdAt: Date
    var lastActivityAt: Date
    var endedAt: Date?
    var messageCount: Int

    init(_ conversation: Conversation) {
        id = conversation.id
        touchpointId = conversation.touchpointID
        clientId = conversation.clientID
        subject = conversation.subject
        contactEmail = conversation.contactPerson.email
        contactName = conversation.contactPerson.name
        contextParameters = conversation.contextParameters
        status = conversation.status
        agent = conversation.agent
        endedBy = conversation.endedBy
        createdAt = conversation.createdAt
        lastActivityAt = conversation.lastActivityAt
        endedAt = conversation.endedAt
        messageCount = conversation.messageCount
    }

    var conversation: Conversation {
        Conversation(
            id: id, touchpointID: touchpointId, clientID: clientId, subject: subject,
            contactPerson: ContactPerson(email: contactEmail, name: contactName),
            contextParameters: contextParameters, status: status, agent: agent, endedBy: endedBy,
            createdAt: createdAt, lastActivityAt: lastActivityAt, endedAt: endedAt, messageCount: messageCount)
    }
}

extension ConversationStatus: DatabaseValueConvertible {}
extension ConversationParty: DatabaseValueConvertible {}
extension MessageAuthor: DatabaseValueConvertible {}

/// A row of `message`; `seq` orders a transcript.
struct MessageRecord: InboxRecord, MutablePersistableRecord {
    static let databaseTableName = "message"

    var seq: Int64?
    var id: String
    var conversationId: String
    var author: MessageAuthor
    var authorName: String?
    var content: String
    var attachments: [Attachment]
    var createdAt: Date

    init(_ message: Message) {
        id = message.id
        conversationId = message.conversationID
        author = message.author
        authorName = message.authorName
        content = message.content
        attachments = message.attachments
        createdAt = message.createdAt
    }

    var message: Message {
        Message(
            id: id, conversationID: conversationId, author: author, authorName: authorName, content: content,
            attachments: attachments, createdAt: createdAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }
}

/// A row of `idempotency_record`: the first answer to a request made with an `x-idempotency-key`.
struct IdempotencyRecord: InboxRecord, PersistableRecord {
    static let databaseTableName = "idempotency_record"

    var clientId: String
    var key: String
    var fingerprint: String
    var status: Int
    var body: Data
    var createdAt: Date
}

/// A row of `access_token`.
struct AccessTokenRecord: InboxRecord, PersistableRecord {
    static let databaseTableName = "access_token"

    var token: String
    var clientId: String
    var scopes: String
    var expiresAt: Date
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
            deliveryID: deliveryId, conversationID: conversationId, eventType: eventType, body: body, status: status,
            attempts: attempts, attemptsSinceRedelivery: attempts - attemptsAllowedFrom, nextAttemptAt: nextAttemptAt,
            lastStatusCode: lastStatusCode, lastError: lastError, createdAt: createdAt, deliveredAt: deliveredAt)
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
        CallbackAttempt(deliveryID: deliveryId, attempt: attempt, startedAt: startedAt, statusCode: statusCode, error: error, latency: latencyMs / 1000)
    }
}
