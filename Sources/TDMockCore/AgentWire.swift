import Foundation

/// The agent API's JSON: what `tdmock inbox --json`, `show --json` and `callbacks --json` print.
public enum AgentWire {
    public struct ContactPersonView: Codable, Sendable, Hashable {
        public var email: String
        public var name: String?
    }

    public struct ConversationSummary: Codable, Sendable, Hashable {
        public var id: String
        public var status: ConversationStatus
        public var touchpointId: String
        public var contactPerson: ContactPersonView
        public var subject: String?
        public var agent: String?
        public var createdAt: String
        public var lastActivityAt: String
        public var messageCount: Int
        public var endedBy: ConversationParty?
        public var endedAt: String?

        enum CodingKeys: String, CodingKey {
            case id, status, subject, agent
            case touchpointId = "touchpoint_id"
            case contactPerson = "contact_person"
            case createdAt = "created_at"
            case lastActivityAt = "last_activity_at"
            case messageCount = "message_count"
            case endedBy = "ended_by"
            case endedAt = "ended_at"
        }

        public init(_ conversation: Conversation) {
            id = conversation.id
            status = conversation.status
            touchpointId = conversation.touchpointID
            contactPerson = ContactPersonView(email: conversation.contactPerson.email, name: conversation.contactPerson.name)
            subject = conversation.subject
            agent = conversation.agent
            createdAt = Timestamp.string(from: conversation.createdAt)
            lastActivityAt = Timestamp.string(from: conversation.lastActivityAt)
            messageCount = conversation.messageCount
            endedBy = conversation.endedBy
            endedAt = conversation.endedAt.map(Timestamp.string(from:))
        }
    }

    public struct MessageView: Codable, Sendable, Hashable {
        public var messageId: String
        public var author: MessageAuthor
        public var authorName: String?
        public var content: String
        public var attachments: [Attachment]
        public var createdAt: String

        enum CodingKeys: String, CodingKey {
            case messageId = "message_id"
            case author
            case authorName = "author_name"
            case content, attachments
            case createdAt = "created_at"
        }

        public init(_ message: Message) {
            messageId = message.id
            author = message.author
            authorName = message.author == .system ? (message.authorName ?? "system") : message.authorName
            content = message.content
            attachments = message.attachments
            createdAt = Timestamp.string(from: message.createdAt)
        }
    }

    public struct AttemptView: Codable, Sendable, Hashable {
        public var attempt: Int
        public var startedAt: String
        public var statusCode: Int?
        public var error: String?
        public var latencyMs: Double

        enum CodingKeys: String, CodingKey {
            case attempt
            case startedAt = "started_at"
            case statusCode = "status_code"
            case error
            case latencyMs = "latency_ms"
        }

        public init(_ attempt: CallbackAttempt) {
            self.attempt = attempt.attempt
            startedAt = Timestamp.string(from: attempt.startedAt)
            statusCode = attempt.statusCode
            error = attempt.error
            latencyMs = Latency.milliseconds(attempt.latency)
        }
    }

    public struct DeliveryView: Codable, Sendable, Hashable {
        public var deliveryId: String
        public var conversationId: String
        public var eventType: CallbackEvent
        public var status: DeliveryStatus
        public var attempts: Int
        public var lastStatusCode: Int?
        public var lastError: String?
        public var createdAt: String
        public var deliveredAt: String?
        public var nextAttemptAt: String?
        /// Why a pending delivery is waiting, when it is not simply its turn.
        public var waiting: String?
        public var journal: [AttemptView]

        enum CodingKeys: String, CodingKey {
            case deliveryId = "delivery_id"
            case conversationId = "conversation_id"
            case eventType = "event_type"
            case status, attempts
            case lastStatusCode = "last_status_code"
            case lastError = "last_error"
            case createdAt = "created_at"
            case deliveredAt = "delivered_at"
            case nextAttemptAt = "next_attempt_at"
            case waiting, journal
        }

        public init(_ delivery: CallbackDelivery, journal: [CallbackAttempt], callbackURL: String?) {
            deliveryId = delivery.deliveryID
            conversationId = delivery.conversationID
            eventType = delivery.eventType
            status = delivery.status
            attempts = delivery.attempts
            lastStatusCode = delivery.lastStatusCode
            lastError = delivery.lastError
            createdAt = Timestamp.string(from: delivery.createdAt)
            deliveredAt = delivery.deliveredAt.map(Timestamp.string(from:))
            nextAttemptAt = delivery.status == .pending ? Timestamp.string(from: delivery.nextAttemptAt) : nil
            waiting =
                delivery.status == .pending && callbackURL == nil
                ? "the server is not listening yet" : nil
            self.journal = journal.map(AttemptView.init)
        }
    }

    /// One conversation in full: its summary's fields, flattened into the same JSON object, and the
    /// context parameters, transcript and callback deliveries. The summary's fields read as its own
    /// (`detail.status`).
    @dynamicMemberLookup
    public struct ConversationDetail: Codable, Sendable, Hashable {
        public var summary: ConversationSummary
        public var contextParameters: [String: JSONValue]
        public var messages: [MessageView]
        public var callbacks: [DeliveryView]

        enum CodingKeys: String, CodingKey {
            case messages, callbacks
            case contextParameters = "context_parameters"
        }

        public subscript<T>(dynamicMember keyPath: KeyPath<ConversationSummary, T>) -> T {
            summary[keyPath: keyPath]
        }

        public init(_ conversation: Conversation, messages: [Message], callbacks: [DeliveryView]) {
            summary = ConversationSummary(conversation)
            contextParameters = conversation.contextParameters
            self.messages = messages.map(MessageView.init)
            self.callbacks = callbacks
        }

        public init(from decoder: any Decoder) throws {
            summary = try ConversationSummary(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            contextParameters = try container.decode([String: JSONValue].self, forKey: .contextParameters)
            messages = try container.decode([MessageView].self, forKey: .messages)
            callbacks = try container.decode([DeliveryView].self, forKey: .callbacks)
        }

        public func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(contextParameters, forKey: .contextParameters)
            try container.encode(messages, forKey: .messages)
            try container.encode(callbacks, forKey: .callbacks)
        }
    }

    /// Body of assign, reply and close.
    public struct AgentActionRequest: Codable, Sendable, Hashable {
        public var agent: String
        public var content: String?

        public init(agent: String, content: String? = nil) {
            self.agent = agent
            self.content = content
        }
    }

    /// `GET /tdmock/v1/info`.
    public struct ServerInfo: Codable, Sendable, Hashable {
        public var callbackUrl: String?
        public var touchpoints: [String]
        public var pendingCallbacks: Int
        public var failedCallbacks: Int

        enum CodingKeys: String, CodingKey {
            case callbackUrl = "callback_url"
            case touchpoints
            case pendingCallbacks = "pending_callbacks"
            case failedCallbacks = "failed_callbacks"
        }

        public init(callbackUrl: String?, touchpoints: [String], pendingCallbacks: Int, failedCallbacks: Int) {
            self.callbackUrl = callbackUrl
            self.touchpoints = touchpoints
            self.pendingCallbacks = pendingCallbacks
            self.failedCallbacks = failedCallbacks
        }
    }

    /// The agent API's error body.
    public struct ErrorBody: Codable, Sendable, Hashable {
        public var error: String
        public var message: String

        public init(error: String, message: String) {
            self.error = error
            self.message = message
        }
    }
}
