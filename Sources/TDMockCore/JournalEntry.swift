import Foundation

/// One journalled request, as `GET /tdmock/v1/requests` answers it.
public struct JournalEntry: Codable, Sendable, Hashable {
    public var id: Int
    public var time: String
    public var method: String
    public var path: String
    public var status: Int
    public var latencyMs: Double
    /// The Authorization header's scheme, its secret masked (`Bearer ***`, `Basic tdmock-client:***`).
    public var authorization: String?
    /// The request body (its first 4 KiB), secret-named fields masked.
    public var requestBody: String?
    public var requestBodyTruncated: Bool?
    /// What tdmock answered, for a status of 400 and above.
    public var errorBody: String?

    enum CodingKeys: String, CodingKey {
        case id, time, method, path, status, authorization
        case latencyMs = "latency_ms"
        case requestBody = "request_body"
        case requestBodyTruncated = "request_body_truncated"
        case errorBody = "error_body"
    }

    public init(
        id: Int,
        time: String,
        method: String,
        path: String,
        status: Int,
        latencyMs: Double,
        authorization: String?,
        requestBody: String?,
        requestBodyTruncated: Bool?,
        errorBody: String?
    ) {
        self.id = id
        self.time = time
        self.method = method
        self.path = path
        self.status = status
        self.latencyMs = latencyMs
        self.authorization = authorization
        self.requestBody = requestBody
        self.requestBodyTruncated = requestBodyTruncated
        self.errorBody = errorBody
    }
}
