public import Foundation

/// Where a conversation is in its life: new and unassigned, with an agent, or over.
public enum ConversationStatus: String, Codable, Sendable, CaseIterable {
    case queued
    case assigned
    case ended
}

/// Who wrote a message in a transcript.
public enum MessageAuthor: String, Codable, Sendable, CaseIterable {
    /// The customer (through the integration's Send a Message, or a `user` previous message).
    case contact
    /// The person or script at tdmock's console.
    case agent
    /// Anything else: the bot's part of the transcript (`external` previous messages).
    case system
}

/// Who ended a conversation.
public enum ConversationParty: String, Codable, Sendable {
    case contact
    case agent
}

public struct ContactPerson: Codable, Sendable, Hashable {
    public var email: String
    public var name: String?

    public init(email: String, name: String? = nil) {
        self.email = email
        self.name = name
    }
}

/// Attachment metadata as the integration sent it; tdmock stores no file content.
public struct Attachment: Codable, Sendable, Hashable {
    public var id: String?
    public var name: String?
    public var type: String?
    public var size: Int64?

    public init(id: String? = nil, name: String? = nil, type: String? = nil, size: Int64? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.size = size
    }
}

/// One conversation of the agents' inbox.
public struct Conversation: Sendable, Hashable {
    public var id: String
    public var touchpointID: String
    public var clientID: String
    public var subject: String?
    public var contactPerson: ContactPerson
    public var contextParameters: [String: JSONValue]
    public var status: ConversationStatus
    public var agent: String?
    public var endedBy: ConversationParty?
    public var createdAt: Date
    public var lastActivityAt: Date
    public var endedAt: Date?
    public var messageCount: Int

    public init(
        id: String,
        touchpointID: String,
        clientID: String,
        subject: String?,
        contactPerson: ContactPerson,
        contextParameters: [String: JSONValue],
        status: ConversationStatus,
        agent: String?,
        endedBy: ConversationParty?,
        createdAt: Date,
        lastActivityAt: Date,
        endedAt: Date?,
        messageCount: Int
    ) {
        self.id = id
        self.touchpointID = touchpointID
        self.clientID = clientID
        self.subject = subject
        self.contactPerson = contactPerson
        self.contextParameters = contextParameters
        self.status = status
        self.agent = agent
        self.endedBy = endedBy
        self.createdAt = createdAt
        self.lastActivityAt = lastActivityAt
        self.endedAt = endedAt
        self.messageCount = messageCount
    }
}

/// One message of a transcript.
public struct Message: Sendable, Hashable {
    public var id: String
    public var conversationID: String
    public var author: MessageAuthor
    public var authorName: String?
    public var content: String
    public var attachments: [Attachment]
    public var createdAt: Date

    public init(
        id: String,
        conversationID: String,
        author: MessageAuthor,
        authorName: String?,
        content: String,
        attachments: [Attachment],
        createdAt: Date
    ) {
        self.id = id
        self.conversationID = conversationID
        self.author = author
        self.authorName = authorName
        self.content = content
        self.attachments = attachments
        self.createdAt = createdAt
    }
}
