import DequeModule
public import Foundation
import Synchronization
public import TDMockCore

/// The last invocations of the functions (CONTRACT §10.1): what each function got, what it answered, who
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

    private struct State {
        var records = Deque<Record>()
        var nextID = 1
    }

    private let state = Mutex(State())
    /// How many invocations are kept (the oldest go first).
    public let capacity: Int

    public init(capacity: Int = 1000) {
        self.capacity = capacity
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
        guard capacity > 0 else { return 0 }
        var record = Record(
            id: 0,
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
        return state.withLock { state in
            record.id = state.nextID
            state.nextID += 1
            state.records.append(record)
            if state.records.count > capacity { state.records.removeFirst() }
            return record.id
        }
    }

    /// Newest first: every invocation, or those of one function, or only the failed ones; at most `limit`.
    public func entries(function: String? = nil, failed: Bool = false, limit: Int = .max) -> [Invocation] {
        let records = state.withLock { state in
            Array(
                state.records.reversed().lazy
                    .filter { (function == nil || $0.function == function) && (!failed || $0.problem != nil) }
                    .prefix(limit)
            )
        }
        return records.map(Self.view)
    }

    /// One invocation by its id, if the journal still holds it.
    public func entry(_ id: Int) -> Invocation? {
        state.withLock { state in state.records.first { $0.id == id } }.map(Self.view)
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
        state.withLock { $0.records.removeAll() }
    }

    private static func value(_ data: Data) -> JSONValue? {
        guard case .success(let value) = data.withUnsafeBytes(JSONReader.read) else { return nil }
        return value
    }
}
