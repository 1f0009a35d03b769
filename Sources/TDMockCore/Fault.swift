/// A fault injected into the Talkdesk surface or the callback deliveries, to see how an integration copes.
public struct Fault: Codable, Sendable, Hashable {
    public enum Target: String, Codable, Sendable, CaseIterable {
        case token
        case startConversation = "start_conversation"
        case sendMessage = "send_message"
        case endConversation = "end_conversation"
        /// Wait `latency_ms` before sending a callback.
        case callbackDelay = "callback:delay"
        /// Send a callback twice, with the same delivery id.
        case callbackDuplicate = "callback:duplicate"
        /// Drop a callback's attempt (nothing is sent), so that the retry delivers it.
        case callbackDrop = "callback:drop"
        /// Answer a callback's attempt with `status` in place of the receiver (nothing is sent): a status the
        /// deliverer does not retry (a 4xx but 408 and 429) fails the callback at once, ready to redeliver.
        case callbackFail = "callback:fail"

        public var isCallback: Bool { rawValue.hasPrefix("callback:") }
    }

    public var id: String
    public var target: Target
    /// The HTTP status the Talkdesk surface answers with (nil: answer normally, after any latency). 206, for
    /// Send a Message only, is Talkdesk's partial success: the message is stored and the answer carries
    /// `partial_fail_reason` beside the 201 fields.
    public var status: Int?
    /// How many requests (or deliveries) it still affects; nil: every one until cleared.
    public var remaining: Int?
    public var latencyMs: Int?
    /// Seconds for a `Retry-After` header.
    public var retryAfter: Int?

    public init(id: String, target: Target, status: Int? = nil, remaining: Int? = 1, latencyMs: Int? = nil, retryAfter: Int? = nil) {
        self.id = id
        self.target = target
        self.status = status
        self.remaining = remaining
        self.latencyMs = latencyMs
        self.retryAfter = retryAfter
    }

    /// Talkdesk's "part of it failed" status for Send a Message.
    public static let partialSuccess = 206

    enum CodingKeys: String, CodingKey {
        case id, target, status, remaining
        case latencyMs = "latency_ms"
        case retryAfter = "retry_after"
    }

    /// `id` may be left out (the server makes one); `remaining` left out is 1, null is "until cleared".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        target = try container.decode(Target.self, forKey: .target)
        status = try Self.wholeNumber(container, .status)
        remaining = container.contains(.remaining) ? try Self.wholeNumber(container, .remaining) : 1
        latencyMs = try Self.wholeNumber(container, .latencyMs)
        retryAfter = try Self.wholeNumber(container, .retryAfter)
    }

    /// A whole number as JSON may write it: `5` or `5.0` (both are JSON Schema integers).
    private static func wholeNumber(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        if let value = try? container.decodeIfPresent(Int.self, forKey: key) { return value }
        guard let number = try container.decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard number.rounded() == number, abs(number) <= 9_007_199_254_740_992 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.stringValue) must be a whole number")
        }
        return Int(number)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(target, forKey: .target)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encode(remaining, forKey: .remaining)
        try container.encodeIfPresent(latencyMs, forKey: .latencyMs)
        try container.encodeIfPresent(retryAfter, forKey: .retryAfter)
    }

    /// A body that is not a fault, with what a fault is.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String {
            let targets = Target.allCases.map(\.rawValue).joined(separator: ", ")
            return "a fault is {\"target\": one of \(targets), \"status\", \"remaining\", \"latency_ms\", \"retry_after\"}"
        }
    }

    /// The fault a request body gives, with the rules of `init(from:)`: `id` may be left out, `remaining`
    /// left out is 1 and null is "until cleared", numbers are whole (`5` or `5.0`).
    public init(object: [String: JSONValue]) throws(Invalid) {
        func wholeNumber(_ key: String) throws(Invalid) -> Int? {
            switch object[key] {
            case nil, .null?: return nil
            case .number(let number)?:
                guard number.rounded() == number, abs(number) <= 9_007_199_254_740_992 else { throw Invalid() }
                return Int(number)
            default: throw Invalid()
            }
        }
        guard case .string(let name)? = object["target"], let target = Target(rawValue: name) else { throw Invalid() }
        let id: String
        switch object["id"] {
        case nil, .null?: id = ""
        case .string(let text)?: id = text
        default: throw Invalid()
        }
        self.init(
            id: id,
            target: target,
            status: try wholeNumber("status"),
            remaining: object["remaining"] == nil ? 1 : try wholeNumber("remaining"),
            latencyMs: try wholeNumber("latency_ms"),
            retryAfter: try wholeNumber("retry_after")
        )
    }

    /// What is wrong with it, if anything: a status only for the Talkdesk surface, a latency for a delay.
    public var problem: String? {
        if status == Self.partialSuccess && target != .sendMessage {
            return "status 206 (partial success) is Send a Message's only: use it with send_message"
        }
        if let status, status != Self.partialSuccess, !(400...599).contains(status) {
            return "status must be an HTTP error status from 400 to 599, or 206 for send_message, not \(status)"
        }
        if let remaining, remaining < 1 { return "count must be at least 1 (0 on the command line means until cleared)" }
        if let remaining, remaining > 1_000_000_000 { return "count must be at most 1000000000 (0 on the command line means until cleared)" }
        if let latencyMs, latencyMs < 0 || latencyMs > 600_000 { return "latency must be from 0 to 600000 ms" }
        if let retryAfter, retryAfter < 0 || retryAfter > 86_400 { return "retry-after must be from 0 to 86400 seconds" }
        if target == .callbackFail {
            guard let status, (400...599).contains(status) else {
                return "callback:fail needs a status from 400 to 599 (a 4xx but 408 and 429 fails the callback at once)"
            }
        } else if target.isCallback && status != nil {
            return "\(target.rawValue) takes no status"
        }
        if target == .callbackDelay && (latencyMs ?? 0) == 0 { return "callback:delay needs a latency" }
        if !target.isCallback && status == nil && (latencyMs ?? 0) == 0 { return "\(target.rawValue) needs a status, a latency or both" }
        return nil
    }
}

extension Fault {
    /// One line: `start_conversation: 503 with Retry-After 2, after 300 ms, next 2 requests`.
    public static func describe(_ fault: Fault) -> String {
        var parts: [String] = []
        if let status = fault.status { parts.append("\(status)") }
        if let retryAfter = fault.retryAfter { parts.append("Retry-After \(retryAfter)") }
        if let latency = fault.latencyMs, latency > 0 { parts.append("\(latency) ms") }
        let scope = fault.remaining.map { "next \($0)" } ?? "until cleared"
        return "\(fault.target.rawValue) " + (parts.isEmpty ? "" : parts.joined(separator: ", ") + " ") + "(\(scope)) [\(fault.id)]"
    }
}
