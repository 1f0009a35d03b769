public import Foundation
public import TDMockCore

/// The last invocations of the functions: what each function got, what it answered, who
/// called it (`tdmock invocations`, `GET /tdmock/v1/invocations`, the workspace's Functions panel).
/// Events and answers are kept as the bytes that went by, parsed when the journal is read.
public final class InvocationJournal: Sendable {
    struct Record: Sendable {
        var id: Int
        var time: Date
        var function: String
        var caller: InvocationCaller
        var event: Data
        var answer: Data?
        var status: Int?
        var functionError: String?
        var problem: String?
        var latency: Double
    }

    private let ring: JournalRing<Record>
    /// How many invocations are kept (the oldest go first).
    public var capacity: Int { ring.capacity }

    public init(capacity: Int = 1000) {
        ring = JournalRing(capacity: capacity)
    }

    /// Keeps one call; answers its id (0 when the journal keeps none).
    func record(
        function: String,
        caller: InvocationCaller,
        event: Data,
        result: FunctionInvoker.Result,
        problem: String?,
        time: Date
    ) -> Int {
        ring.append { id in
            Record(
                id: id,
                time: time,
                function: function,
                caller: caller,
                event: event,
                answer: result.body,
                status: result.statusCode,
                functionError: result.functionError,
                problem: problem,
                latency: result.latency
            )
        }
    }

    /// Newest first: every invocation, or those of one function, or only the failed ones; at most `limit`.
    public func entries(function: String? = nil, failed: Bool = false, limit: Int = .max) -> [Invocation] {
        ring.newest(limit: limit) { (function == nil || $0.function == function) && (!failed || $0.problem != nil) }.map(Self.view)
    }

    /// One invocation by its id, if the journal still holds it.
    public func entry(_ id: Int) -> Invocation? {
        ring.first { $0.id == id }.map(Self.view)
    }

    private static func view(_ record: Record) -> Invocation {
        Invocation(
            id: record.id,
            time: Timestamp.string(from: record.time),
            function: record.function,
            caller: record.caller,
            event: value(record.event) ?? .string(String(decoding: record.event, as: UTF8.self)),
            answer: record.answer.flatMap(value),
            status: record.status,
            functionError: record.functionError,
            error: record.problem,
            failed: record.problem != nil,
            latencyMs: Latency.milliseconds(record.latency)
        )
    }

    /// Forgets every invocation (`tdmock reset`).
    public func reset() {
        ring.removeAll()
    }

    private static func value(_ data: Data) -> JSONValue? {
        guard case .success(let value) = data.withUnsafeBytes(JSONReader.read) else { return nil }
        return value
    }
}
