public import Foundation

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
        // The question-response line (docs/question-response.md).
        case questionCreated = "question_created"
        case questionAnswered = "question_answered"
        case questionExpired = "question_expired"
        case callStarted = "call_started"
        case callerUtterance = "caller_utterance"
        case lambdaInvoked = "lambda_invoked"
        case callEnded = "call_ended"
        // The AWS side (docs/aws.md).
        case functionInvoked = "function_invoked"
        case websocketConnected = "websocket_connected"
        case websocketDisconnected = "websocket_disconnected"
    }

    public var event: Name
    /// The conversation's id; nil for the events of the question-response line.
    public var conversationId: String?
    public var time: String
    public var content: String?
    /// `contact_message`: the message's files (those that passed the Attachments API's check).
    public var attachments: [Attachment]?
    public var authorName: String?
    public var messageId: String?
    public var touchpointId: String?
    public var deliveryId: String?
    public var eventType: CallbackEvent?
    public var attempt: Int?
    public var statusCode: Int?
    public var error: String?
    public var questionId: String?
    public var sessionId: String?
    public var contactId: String?
    /// The flow's branch (`lambda_invoked`, `call_ended`) or the answer's type (`question_answered`).
    public var branch: String?
    /// The caller's attributes (`question_created`).
    public var attributes: [String: String]?
    /// `lambda_invoked`: the Lambda's round trip, and tdmock's own time on the turn (from the utterance's
    /// arrival to the turn stored, less the Lambda's round trip), in milliseconds.
    public var lambdaMs: Double?
    public var tdmockMs: Double?
    /// `function_invoked`: the function, who called it, the invocation's id in the journal, whether it failed.
    public var function: String?
    public var caller: InvocationCaller?
    public var invocationId: Int?
    public var failed: Bool?
    /// `websocket_connected`, `websocket_disconnected` (and a WebSocket route's `function_invoked`).
    public var connectionId: String?

    public init(
        event: Name,
        conversationId: String,
        time: Date,
        content: String? = nil,
        authorName: String? = nil,
        messageId: String? = nil,
        touchpointId: String? = nil,
        deliveryId: String? = nil,
        eventType: CallbackEvent? = nil,
        attempt: Int? = nil,
        statusCode: Int? = nil,
        error: String? = nil
    ) {
        self.init(event: event, time: time)
        self.conversationId = conversationId
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

    /// An event with only its name and time: the question-response line's events fill in their fields.
    public init(event: Name, time: Date) {
        self.event = event
        self.time = Timestamp.string(from: time)
    }

    /// A question's event: `question_created` (with the question and the caller's attributes),
    /// `question_answered` (with the answer's type and text), `question_expired`.
    public static func question(_ name: Name, _ question: Question, time: Date) -> InboxEvent {
        var event = InboxEvent(event: name, time: time)
        event.questionId = question.id
        event.sessionId = question.sessionID
        switch name {
        case .questionCreated:
            event.content = question.question
            event.attributes = question.attributes
        case .questionAnswered:
            event.branch = question.answer?.type
            event.content = question.answer?.text ?? question.answer?.reason
            event.authorName = question.answeredBy
        default: break
        }
        return event
    }

    /// A call's event, with its contact id.
    public static func call(
        _ name: Name,
        contactID: String,
        time: Date,
        content: String? = nil,
        branch: String? = nil,
        error: String? = nil
    ) -> InboxEvent {
        var event = InboxEvent(event: name, time: time)
        event.contactId = contactID
        event.content = content
        event.branch = branch
        event.error = error
        return event
    }

    enum CodingKeys: String, CodingKey {
        case event
        case conversationId = "conversation_id"
        case time, content, attachments
        case authorName = "author_name"
        case messageId = "message_id"
        case touchpointId = "touchpoint_id"
        case deliveryId = "delivery_id"
        case eventType = "event_type"
        case attempt
        case statusCode = "status_code"
        case error
        case questionId = "question_id"
        case sessionId = "session_id"
        case contactId = "contact_id"
        case branch, attributes
        case lambdaMs = "lambda_ms"
        case tdmockMs = "tdmock_ms"
        case function, caller, failed
        case invocationId = "invocation_id"
        case connectionId = "connection_id"
    }
}
