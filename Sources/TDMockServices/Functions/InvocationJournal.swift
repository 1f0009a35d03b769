public import Foundation
public import TDMockCore
import TDMockHTTP

/// The last invocations of the functions: what each function got, what it answered, who
/// called it (`tdmock invocations`, `GET /tdmock/v1/invocations`, the workspace's Functions panel).
/// Events and answers are kept as the bytes that went by, parsed when the journal is read.
///
/// Memory is bounded in bytes as well as in entries: the newest invocations are kept whole within
/// the byte budget (`journal_bytes`); past it, the oldest are cut to the first `cutBytes` of their event
/// and answer, their sizes kept: at most the budget plus `capacity` x 2 x `cutBytes` in all. A listing
/// shows a body over `listedBytes` by its start (`cut`); `entry(_:)` gives it whole while the journal
/// holds it whole.
public final class InvocationJournal: Sendable {
    struct Record: Sendable {
        var id: Int
        var time: Date
        var function: String
        var caller: InvocationCaller
        var event: Data
        var eventBytes: Int
        var answer: Data?
        var answerBytes: Int?
        var status: Int?
        var functionError: String?
        var problem: String?
        var latency: Double
        /// Whether `event` and `answer` are only their start.
        var cut = false

        /// What the record's bodies hold.
        var weight: Int { event.count + (answer?.count ?? 0) }

        /// The record with only the first `bytes` of each body.
        func cut(to bytes: Int) -> Record {
            guard event.count > bytes || (answer?.count ?? 0) > bytes else { return self }
            var record = self
            record.event = Data(event.prefix(bytes))
            record.answer = answer.map { Data($0.prefix(bytes)) }
            record.cut = true
            return record
        }
    }

    private let ring: JournalRing<Record>
    /// How many invocations are kept (the oldest go first).
    public var capacity: Int { ring.capacity }
    /// How much of each body an invocation keeps once it is cut.
    public static let cutBytes = 4096
    /// The largest body a listing shows whole.
    public static let listedBytes = 64 * 1024

    /// Keeps the last `capacity` invocations, the events and answers of the newest whole within `byteBudget` bytes.
    public init(capacity: Int = 1000, byteBudget: Int = 32 << 20) {
        ring = JournalRing(
            capacity: capacity,
            budget: .init(bytes: byteBudget, weigh: { $0.weight }, cut: { record in record = record.cut(to: Self.cutBytes) })
        )
    }

    /// What the events and answers kept whole hold now, in bytes.
    public var wholeBytes: Int { ring.wholeBytes }

    /// Keeps one call; answers its id (0 when the journal keeps none).
    package func record(
        function: String,
        caller: InvocationCaller,
        event: Data,
        status: Int?,
        functionError: String?,
        answer: Data?,
        latency: Double,
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
                eventBytes: event.count,
                answer: answer,
                answerBytes: answer?.count,
                status: status,
                functionError: functionError,
                problem: problem,
                latency: latency
            )
        }
    }

    /// Newest first: every invocation, or those of one function, or only the failed ones; at most `limit`.
    /// A body over `listedBytes` is shown by its start.
    public func entries(function: String? = nil, failed: Bool = false, limit: Int = .max) -> [Invocation] {
        ring.newest(limit: limit) { (function == nil || $0.function == function) && (!failed || $0.problem != nil) }.map {
            Self.view($0.weight > Self.listedBytes ? $0.cut(to: Self.cutBytes) : $0)
        }
    }

    /// One invocation by its id, if the journal still holds it: whole, unless the journal has cut it.
    public func entry(_ id: Int) -> Invocation? {
        ring.first { $0.id == id }.map(Self.view)
    }

    /// An invocation as the journal shows it: its bodies parsed (a body that is not JSON, or only the start
    /// of one, as its text).
    private static func view(_ record: Record) -> Invocation {
        func text(_ data: Data) -> JSONValue { .string(String(decoding: data, as: UTF8.self)) }
        return Invocation(
            id: record.id,
            time: Timestamp.string(from: record.time),
            function: record.function,
            caller: record.caller,
            event: record.cut ? text(record.event) : value(record.event) ?? text(record.event),
            answer: record.cut ? record.answer.map(text) : record.answer.flatMap(value),
            status: record.status,
            functionError: record.functionError,
            error: record.problem,
            failed: record.problem != nil,
            latencyMs: Latency.milliseconds(record.latency),
            eventBytes: record.eventBytes,
            answerBytes: record.answerBytes,
            cut: record.cut
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
