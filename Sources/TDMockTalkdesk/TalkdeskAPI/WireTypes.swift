import Foundation
import TDMockCore

/// `201` answer to Start a Conversation.
public struct StartConversationResponse: Codable, Sendable, Hashable {
    public var id: String
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
