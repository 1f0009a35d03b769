import Foundation
import TDMockCore

/// `POST /digital-connect/conversations` body.
public struct StartConversationRequest: Codable, Sendable, Hashable {
    public struct ContactPersonBody: Codable, Sendable, Hashable {
        public var email: String
        public var name: String?
    }

    public struct PreviousMessageBody: Codable, Sendable, Hashable {
        public var type: String
        public var content: String
        public var createdAt: String?

        enum CodingKeys: String, CodingKey {
            case type, content
            case createdAt = "created_at"
        }
    }

    public var touchpointId: String
    public var subject: String?
    public var contactPerson: ContactPersonBody
    public var contextParameters: [String: JSONValue]?
    public var previousMessages: [PreviousMessageBody]?

    enum CodingKeys: String, CodingKey {
        case touchpointId = "touchpoint_id"
        case subject
        case contactPerson = "contact_person"
        case contextParameters = "context_parameters"
        case previousMessages = "previous_messages"
    }
}

/// `201` answer to Start a Conversation.
public struct StartConversationResponse: Codable, Sendable, Hashable {
    public var id: String
}

/// `POST /digital-connect/conversations/{id}/messages` body.
public struct SendMessageRequest: Codable, Sendable, Hashable {
    public struct AttachmentBody: Codable, Sendable, Hashable {
        public var id: String?
        public var name: String?
        public var type: String?
        public var size: Int64?
    }

    public var content: String?
    public var attachments: [AttachmentBody]?
}

/// `201` answer to Send a Message.
public struct SendMessageResponse: Codable, Sendable, Hashable {
    public var id: String
    public var messageId: String
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id
        case messageId = "message_id"
        case createdAt = "created_at"
    }
}

/// `200` answer of the token service.
public struct TokenResponse: Codable, Sendable, Hashable {
    public var accessToken: String
    public var tokenType: String
    public var expiresIn: Int
    public var scope: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case scope
    }
}
