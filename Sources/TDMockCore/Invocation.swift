import Foundation

/// Who called a function: the AWS service tdmock plays, or a client of the Invoke API.
public enum InvocationCaller: String, Codable, Sendable, CaseIterable {
    case apiGatewayWebSocket = "apigateway-websocket"
    case apiGatewayREST = "apigateway-rest"
    case lex
    case connect
    case invoke
}

/// One call of a function, as `GET /tdmock/v1/invocations` answers it: what the function got and what it
/// answered.
public struct Invocation: Codable, Sendable, Hashable {
    public var id: Int
    public var time: String
    public var function: String
    public var caller: InvocationCaller
    /// The event the function got (a body that is not JSON is given as a string, and so is the start of a
    /// body that is `cut`).
    public var event: JSONValue
    /// The function's return value, when it gave one that is JSON (or the start of it, when `cut`).
    public var answer: JSONValue?
    /// The event's size in bytes, whole.
    public var eventBytes: Int
    /// The answer's size in bytes, whole; nil when there was none.
    public var answerBytes: Int?
    /// Whether `event` and `answer` are only the start of a body too large to show here (its size says
    /// how large): the journal keeps the newest invocations whole, within its byte budget, and
    /// `GET /tdmock/v1/invocations/{id}` gives them whole while it does.
    public var cut: Bool
    /// The Invoke API's HTTP status; nil when the function was not reached.
    public var status: Int?
    /// `X-Amz-Function-Error`, when the function failed.
    public var functionError: String?
    /// Why the invocation failed, in words.
    public var error: String?
    public var failed: Bool
    public var latencyMs: Double

    public init(
        id: Int,
        time: String,
        function: String,
        caller: InvocationCaller,
        event: JSONValue,
        answer: JSONValue?,
        status: Int?,
        functionError: String?,
        error: String?,
        failed: Bool,
        latencyMs: Double,
        eventBytes: Int = 0,
        answerBytes: Int? = nil,
        cut: Bool = false
    ) {
        self.eventBytes = eventBytes
        self.answerBytes = answerBytes
        self.cut = cut
        self.id = id
        self.time = time
        self.function = function
        self.caller = caller
        self.event = event
        self.answer = answer
        self.status = status
        self.functionError = functionError
        self.error = error
        self.failed = failed
        self.latencyMs = latencyMs
    }

    enum CodingKeys: String, CodingKey {
        case id, time, function, caller, event, answer, status, error, failed, cut
        case functionError = "function_error"
        case latencyMs = "latency_ms"
        case eventBytes = "event_bytes"
        case answerBytes = "answer_bytes"
    }
}

/// A Lambda function's name as the Invoke API takes it: the bare name, or its ARN (full or partial, with or
/// without a version or alias), whose function name is what names it in tdmock.
public enum FunctionName {
    /// The name in `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, `ACCOUNT:function:NAME` or
    /// `NAME[:QUALIFIER]`.
    public static func resolve(_ reference: String) -> String {
        let parts = reference.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if let index = parts.firstIndex(of: "function"), index + 1 < parts.count { return parts[index + 1] }
        return parts.first ?? reference
    }

    /// Whether a name is one Lambda takes: 1 to 64 letters, digits, hyphens and underscores.
    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
