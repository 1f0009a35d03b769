import Foundation

/// What the seed's functions keep in DynamoDB, kept in memory: each conversation's WebSocket connection
/// (its id and the Management API it is reached through), the frames that arrived for a conversation
/// before its customer connected, and the conversations that ended.
actor Connections {
    struct Connection: Sendable, Equatable {
        var id: String
        /// The Management API's base: `…/apigw/ws/{stage}`.
        var endpoint: String
    }

    private var byConversation: [String: Connection] = [:]
    private var conversationByConnection: [String: String] = [:]
    private var waiting: [String: [String]] = [:]
    private var ended: Set<String> = []

    /// A customer connected for a conversation: the frames that waited for it, and whether the
    /// conversation already ended (the connection should be closed after them).
    func connected(_ conversationID: String, _ connection: Connection) -> (frames: [String], ended: Bool) {
        byConversation[conversationID] = connection
        conversationByConnection[connection.id] = conversationID
        return (waiting.removeValue(forKey: conversationID) ?? [], ended.contains(conversationID))
    }

    /// The connection is gone: its conversation, if it had one.
    func disconnected(_ connectionID: String) -> String? {
        guard let conversation = conversationByConnection.removeValue(forKey: connectionID) else { return nil }
        if byConversation[conversation]?.id == connectionID { byConversation[conversation] = nil }
        return conversation
    }

    func conversation(of connectionID: String) -> String? { conversationByConnection[connectionID] }

    /// Where a frame for the conversation goes: its connection, or nil when it waits (kept for the first one).
    func route(_ conversationID: String, frame: String, ending: Bool) -> Connection? {
        if ending { ended.insert(conversationID) }
        guard let connection = byConversation[conversationID] else {
            waiting[conversationID, default: []].append(frame)
            return nil
        }
        return connection
    }

    /// A frame that could not be pushed (the connection went away): kept for the next connection.
    func keep(_ conversationID: String, frame: String, for connection: Connection) {
        if byConversation[conversationID] == connection {
            byConversation[conversationID] = nil
            conversationByConnection[connection.id] = nil
        }
        waiting[conversationID, default: []].append(frame)
    }
}
