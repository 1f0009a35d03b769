public import Foundation

/// A flow or a flow module made through Connect's flow API (`CreateContactFlow`, `CreateContactFlowModule`),
/// as the store keeps it: its Flow Language content with the metadata Connect describes it by.
public struct ConnectResource: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case flow
        case module
    }

    public var kind: Kind
    public var id: String
    public var name: String
    /// The flow's type (`CONTACT_FLOW`, `CUSTOMER_QUEUE`, …); none for a module.
    public var type: String?
    public var description: String?
    /// `ACTIVE` or `ARCHIVED`.
    public var state: String
    /// `PUBLISHED` or `SAVED`.
    public var status: String
    public var content: String
    public var tags: [String: String]
    public var createdAt: Date
    public var modifiedAt: Date

    public init(
        kind: Kind,
        id: String,
        name: String,
        type: String?,
        description: String?,
        state: String = "ACTIVE",
        status: String = "PUBLISHED",
        content: String,
        tags: [String: String] = [:],
        createdAt: Date,
        modifiedAt: Date
    ) {
        self.kind = kind
        self.id = id
        self.name = name
        self.type = type
        self.description = description
        self.state = state
        self.status = status
        self.content = content
        self.tags = tags
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}
