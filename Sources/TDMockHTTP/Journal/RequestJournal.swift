public import Foundation
public import NIOCore
public import TDMockCore

/// The last requests to the Talkdesk surface, the question-response API and the AWS APIs (Invoke, API
/// Gateway's REST and Management APIs, Lex's runtime), refused ones included: what
/// an integration sent and what tdmock answered (`tdmock requests`, `GET /tdmock/v1/requests`).
///
/// Recording is one append under a lock, on every request (Send a Message's fast path too): a body of up
/// to `bodyLimit` bytes is kept as the buffer it arrived in (no copy), a longer one as a copy of its start;
/// the Authorization header is kept as sent. Masking and rendering happen when the journal is read.
public final class RequestJournal: Sendable {
    /// A request as recorded: bytes as they came, masked only when read.
    package struct Record: Sendable {
        package var id: Int
        package var time: Date
        package var method: String
        package var path: String
        package var status: Int
        package var latency: Double
        /// As sent: masked when read.
        package var authorization: String?
        package var requestBody: ByteBuffer
        package var requestBytes: Int
        package var errorBody: [UInt8]?
    }

    private let ring: JournalRing<Record>
    /// How many requests are kept (the oldest go first).
    public var capacity: Int { ring.capacity }
    /// How much of a body is kept.
    public let bodyLimit: Int

    public init(capacity: Int = 1000, bodyLimit: Int = 4096) {
        ring = JournalRing(capacity: capacity)
        self.bodyLimit = bodyLimit
    }

    /// Keeps a request. Bodies are cut at `bodyLimit` bytes; the answer's body is kept only for an error
    /// (status 400 and above).
    public func record(
        method: String,
        path: String,
        status: Int,
        latency: Double,
        authorization: String?,
        requestBody: ByteBuffer,
        answer: some Collection<UInt8>,
        time: Date
    ) {
        guard capacity > 0 else { return }
        // A long body's start is copied, so that the journal does not hold on to the whole of it.
        let kept = requestBody.readableBytes <= bodyLimit ? requestBody : ByteBuffer(bytes: requestBody.readableBytesView.prefix(bodyLimit))
        let errorBody = status >= 400 ? Array(answer.prefix(bodyLimit)) : nil
        ring.append { id in
            Record(
                id: id,
                time: time,
                method: method,
                path: path,
                status: status,
                latency: latency,
                authorization: authorization,
                requestBody: kept,
                requestBytes: requestBody.readableBytes,
                errorBody: errorBody
            )
        }
    }

    /// Newest first: every request, or only those answered 400 and above; at most `limit`.
    public func entries(failed: Bool, limit: Int) -> [JournalEntry] {
        ring.newest(limit: limit) { !failed || $0.status >= 400 }.map { record in
            JournalEntry(
                id: record.id,
                time: Timestamp.string(from: record.time),
                method: record.method,
                path: Self.maskQuery(record.path),
                status: record.status,
                latencyMs: Latency.milliseconds(record.latency),
                authorization: record.authorization.map(Self.scheme),
                requestBody: record.requestBody.readableBytes == 0 ? nil : Self.mask(Array(record.requestBody.readableBytesView)),
                requestBodyTruncated: record.requestBytes > record.requestBody.readableBytes ? true : nil,
                errorBody: record.errorBody.map { String(decoding: $0, as: UTF8.self) }
            )
        }
    }

    /// Forgets every request (`tdmock reset`).
    public func reset() {
        ring.removeAll()
    }

    /// The scheme of an Authorization header with its credentials masked: `Bearer ***`, `Basic tdmock-client:***`,
    /// and for an AWS SDK's SigV4 signature its access key id (signatures are not checked; the key says who called).
    package static func scheme(_ header: String) -> String {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard let scheme = parts.first else { return "***" }
        if scheme == "AWS4-HMAC-SHA256", parts.count == 2,
            let credential = parts[1].split(separator: ",").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Credential=") })
        {
            let keyID = credential.trimmingCharacters(in: .whitespaces).dropFirst("Credential=".count).split(separator: "/").first ?? ""
            return "AWS4-HMAC-SHA256 Credential=\(keyID)/***"
        }
        if scheme.lowercased() == "basic", parts.count == 2, let data = Data(base64Encoded: String(parts[1])),
            let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
        {
            return "Basic \(decoded[..<colon]):***"
        }
        return "\(scheme) ***"
    }

    /// Names whose values are secrets, in a JSON body, a form body or a query.
    package static func isSecret(_ name: String) -> Bool {
        let name = name.lowercased()
        return ["secret", "password", "token", "api_key", "apikey", "assertion", "authorization"].contains { name.contains($0) }
    }

    /// A body as text with the values of secret-named fields replaced by `***`: JSON keys, or the
    /// pairs of a form body. Any other body is shown as it came.
    package static func mask(_ body: [UInt8]) -> String {
        if case .success(let value) = body.withUnsafeBytes(JSONReader.read) {
            guard containsSecret(value) else { return String(decoding: body, as: UTF8.self) }
            return String(decoding: JSONResponse.data(masked(value)), as: UTF8.self)
        }
        let text = String(decoding: body, as: UTF8.self)
        guard text.contains("="), !text.contains(where: { $0 == "{" || $0 == "\n" }) else { return text }
        return maskPairs(text)
    }

    package static func maskQuery(_ path: String) -> String {
        guard let mark = path.firstIndex(of: "?") else { return path }
        return String(path[...mark]) + maskPairs(String(path[path.index(after: mark)...]))
    }

    private static func maskPairs(_ text: String) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, isSecret(String(parts[0]).removingPercentEncoding ?? String(parts[0])) else { return String(pair) }
            return "\(parts[0])=***"
        }.joined(separator: "&")
    }

    private static func containsSecret(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): object.contains { isSecret($0.key) || containsSecret($0.value) }
        case .array(let array): array.contains(where: containsSecret)
        default: false
        }
    }

    private static func masked(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object): .object(Dictionary(uniqueKeysWithValues: object.map { ($0.key, isSecret($0.key) ? "***" : masked($0.value)) }))
        case .array(let array): .array(array.map(masked))
        default: value
        }
    }
}
