public import Foundation

/// A message of the transcript that came before the conversation reached Talkdesk (the bot's part).
public struct PreviousMessage: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Written by the contact.
        case user
        /// Written by anyone else (the bot): stored as a `system` message.
        case external
    }

    public var kind: Kind
    public var content: String
    public var createdAt: Date?

    public init(kind: Kind, content: String, createdAt: Date?) {
        self.kind = kind
        self.content = content
        self.createdAt = createdAt
    }
}

/// A validated Start a Conversation request.
public struct NewConversation: Sendable, Hashable {
    public var touchpointID: String
    public var subject: String?
    public var contactPerson: ContactPerson
    public var contextParameters: [String: JSONValue]
    public var previousMessages: [PreviousMessage]

    public init(
        touchpointID: String,
        subject: String?,
        contactPerson: ContactPerson,
        contextParameters: [String: JSONValue],
        previousMessages: [PreviousMessage]
    ) {
        self.touchpointID = touchpointID
        self.subject = subject
        self.contactPerson = contactPerson
        self.contextParameters = contextParameters
        self.previousMessages = previousMessages
    }
}

/// A validated Send a Message request.
public struct NewContactMessage: Sendable, Hashable {
    public var content: String
    public var attachments: [Attachment]

    public init(content: String, attachments: [Attachment]) {
        self.content = content
        self.attachments = attachments
    }
}
