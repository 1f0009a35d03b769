public import Foundation

/// The events the Builder integration sends to the integration's callback API.
public enum CallbackEvent: String, Codable, Sendable, CaseIterable {
    case conversationStarted = "conversation_started"
    case messageCreated = "message_created"
    case conversationEnded = "conversation_ended"

    public var defaultPath: String { "/" + rawValue }
}

/// Where a delivery stands.
public enum DeliveryStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for its turn, for a callback URL, or for its next attempt.
    case pending
    case delivered
    /// Gave up: a 4xx that is not worth retrying, or the last attempt failed. Can be redelivered by hand.
    case failed
}

/// One callback the agent's action owes the integration, and what became of it.
public struct CallbackDelivery: Sendable, Hashable {
    public var deliveryID: String
    public var conversationID: String
    public var eventType: CallbackEvent
    /// The JSON body, fixed when the action was taken: every attempt sends the same bytes.
    public var body: Data
    public var status: DeliveryStatus
    public var attempts: Int
    /// Attempts since it was last redelivered by hand (all of them if never): what the attempt limit counts.
    public var attemptsSinceRedelivery: Int
    public var nextAttemptAt: Date
    public var lastStatusCode: Int?
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(
        deliveryID: String,
        conversationID: String,
        eventType: CallbackEvent,
        body: Data,
        status: DeliveryStatus,
        attempts: Int,
        attemptsSinceRedelivery: Int,
        nextAttemptAt: Date,
        lastStatusCode: Int?,
        lastError: String?,
        createdAt: Date,
        deliveredAt: Date?
    ) {
        self.deliveryID = deliveryID
        self.conversationID = conversationID
        self.eventType = eventType
        self.body = body
        self.status = status
        self.attempts = attempts
        self.attemptsSinceRedelivery = attemptsSinceRedelivery
        self.nextAttemptAt = nextAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// One attempt at a delivery.
public struct CallbackAttempt: Sendable, Hashable {
    public var deliveryID: String
    public var attempt: Int
    public var startedAt: Date
    public var statusCode: Int?
    public var error: String?
    /// Seconds from sending the request to its answer (or failure).
    public var latency: Double

    public init(deliveryID: String, attempt: Int, startedAt: Date, statusCode: Int?, error: String?, latency: Double) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.startedAt = startedAt
        self.statusCode = statusCode
        self.error = error
        self.latency = latency
    }
}

/// The body of a callback, as docs/callbacks.md gives it.
public struct CallbackBody: Codable, Sendable, Hashable {
    public struct Payload: Codable, Sendable, Hashable {
        public var messageId: String?
        public var content: String?
        public var authorName: String

        public init(messageId: String? = nil, content: String? = nil, authorName: String) {
            self.messageId = messageId
            self.content = content
            self.authorName = authorName
        }

        enum CodingKeys: String, CodingKey {
            case messageId = "message_id"
            case content
            case authorName = "author_name"
        }
    }

    public var eventType: CallbackEvent
    public var conversationId: String
    public var timestamp: String
    public var payload: Payload

    public init(eventType: CallbackEvent, conversationId: String, timestamp: String, payload: Payload) {
        self.eventType = eventType
        self.conversationId = conversationId
        self.timestamp = timestamp
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case eventType = "event_type"
        case conversationId = "conversation_id"
        case timestamp
        case payload
    }
}
