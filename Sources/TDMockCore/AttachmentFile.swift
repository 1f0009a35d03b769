public import Foundation

/// A file of Talkdesk's Attachments API: created from an upload link's request, `uploading` until the
/// file arrives at the link, then `published` (the state Talkdesk's own examples show), and only then
/// usable in Send a Message.
public struct AttachmentFile: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case uploading
        case published
    }

    public var id: String
    public var name: String
    public var requestID: String
    public var metadata: [String: JSONValue]
    public var state: State
    /// The uploaded file's media type and size; nil while uploading.
    public var type: String?
    public var size: Int64?
    public var createdAt: Date

    public init(
        id: String,
        name: String,
        requestID: String,
        metadata: [String: JSONValue],
        state: State,
        type: String?,
        size: Int64?,
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.requestID = requestID
        self.metadata = metadata
        self.state = state
        self.type = type
        self.size = size
        self.createdAt = createdAt
    }
}

/// An upload link: the media types it takes and until when.
public struct AttachmentUpload: Sendable, Hashable {
    public var requestID: String
    public var allowedTypes: [String]
    public var expiresAt: Date

    public init(requestID: String, allowedTypes: [String], expiresAt: Date) {
        self.requestID = requestID
        self.allowedTypes = allowedTypes
        self.expiresAt = expiresAt
    }
}

/// Why the Attachments API refused a write.
public enum AttachmentError: Error, Sendable, Hashable, CustomStringConvertible {
    case uploadNotFound(String)
    case uploadExpired(String)
    case alreadyUploaded(String)
    case typeNotAllowed(type: String, allowed: [String])
    case nameTaken(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .uploadNotFound(let id): "No upload link has the request id '\(id)'"
        case .uploadExpired(let id): "The upload link of request '\(id)' has expired: ask for another"
        case .alreadyUploaded(let id): "A file was already uploaded for request '\(id)'"
        case .typeNotAllowed(let type, let allowed):
            "The file's type '\(type)' is not among the link's allowed_mime_types (\(allowed.joined(separator: ", ")))"
        case .nameTaken(let name): "An attachment is already named '\(name)'"
        case .notFound(let id): "No attachment has the id '\(id)'"
        }
    }
}
