import Foundation

/// Something that happened in the inbox, as the agent's live stream and `tdmock wait` report it.
public struct InboxEvent: Codable, Sendable, Hashable {
    public enum Name: String, Codable, Sendable, CaseIterable {
        case conversationCreated = "conversation_created"
        case contactMessage = "contact_message"
        case contactLeft = "contact_left"
        case conversationStarted = "conversation_started"
        case messageCreated = "message_created"
        case conversationEnded = "conversation_ended"
        case callbackDelivered = "callback_delivered"
        case callbackFailed = "callback_failed"
    }

    public var event: Name
    public var conversationId: String
    public var time: String
    public var content: String?
    public var authorName: String?
    public var messageId: String?
    public var touchpointId: String?
    public var deliveryId: String?
    public var eventType: CallbackEvent?
    public var attempt: Int?
    public var statusCode: Int?
    public var error: String?

    public init(
        event: Name, conversationId: String, time: Date, content: String? = nil, authorName: String? = nil,
        messageId: String? = nil, touchpointId: String? = nil, deliveryId: String? = nil, eventType: CallbackEvent? = nil,
        attempt: Int? = nil, statusCode: Int? = nil, error: String? = nil
    ) {
        self.event = event
        self.conversationId = conversationId
        self.time = Timestamp.string(from: time)
        self.content = content
        self.authorName = authorName
        self.messageId = messageId
        self.touchpointId = touchpointId
        self.deliveryId = deliveryId
        self.eventType = eventType
        self.attempt = attempt
        self.statusCode = statusCode
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case event
        case conversationId = "conversation_id"
        case time, content
        case authorName = "author_name"
        case messageId = "message_id"
        case touchpointId = "touchpoint_id"
        case deliveryId = "delivery_id"
        case eventType = "event_type"
        case attempt
        case statusCode = "status_code"
        case error
    }
}
