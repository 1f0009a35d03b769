public import Foundation
import Synchronization
public import TDMockCore

/// What a test sets of the contact center around its flows (docs/contact-flows.md): the clock
/// `CheckHoursOfOperation` reads, the queues' metrics, and the draws of `DistributeByPercentage`
/// (repeatable under `--seed`). `tdmock reset` puts all three back as the server started.
public final class ConnectHarness: Sendable {
    private struct State {
        /// The harness's time, when set; nil is real time.
        var now: Date?
        var queues: [String: QueueMetrics]
        var random: SplitMix64?
    }

    private let configured: [String: QueueMetrics]
    private let seed: UInt64?
    private let clock: @Sendable () -> Date
    private let state: Mutex<State>

    public init(queues: [String: QueueMetrics], seed: UInt64?, clock: @escaping @Sendable () -> Date) {
        configured = queues
        self.seed = seed
        self.clock = clock
        state = Mutex(State(now: nil, queues: queues, random: seed.map { SplitMix64(state: $0 ^ Self.salt) }))
    }

    /// Keeps the draws apart from the ids the same seed gives.
    private static let salt: UInt64 = 0x0D15_7B1B_C7E0_0001

    // MARK: The clock

    /// The time the flows see.
    public var now: Date { state.withLock { $0.now } ?? clock() }

    /// Whether the clock is set rather than real.
    public var isSet: Bool { state.withLock { $0.now != nil } }

    /// Sets the clock, or (nil) returns it to real time.
    public func set(now: Date?) { state.withLock { $0.now = now } }

    // MARK: Queues

    /// A queue by what a flow names it with: the id ending its ARN, else its name. Nil for a queue the
    /// configuration does not hold.
    public func queue(_ reference: String) -> (key: String, metrics: QueueMetrics)? {
        let id = Flow.resourceID(reference, kind: "queue")
        return state.withLock { state in
            if let metrics = state.queues[id] { return (id, metrics) }
            return state.queues[reference].map { (reference, $0) }
        }
    }

    /// Every queue, by id or name.
    public var queues: [String: QueueMetrics] { state.withLock { $0.queues } }

    /// Changes a queue's metrics (making it if the configuration has none by this id or name).
    public func update(queue key: String, _ values: [String: Int]) -> QueueMetrics {
        state.withLock { state in
            var metrics = state.queues[key] ?? QueueMetrics()
            for (name, value) in values { _ = metrics.set(name, value) }
            state.queues[key] = metrics
            return metrics
        }
    }

    // MARK: Draws

    /// A whole number from 0 to 99: from the seed's generator, else the system's.
    public func percent() -> Int {
        state.withLock { state in
            if var generator = state.random {
                defer { state.random = generator }
                return Int.random(in: 0..<100, using: &generator)
            }
            return Int.random(in: 0..<100)
        }
    }

    /// The clock real again, the queues as configured, a seeded generator from its start.
    public func reset() {
        state.withLock { $0 = State(now: nil, queues: configured, random: seed.map { SplitMix64(state: $0 ^ Self.salt) }) }
    }
}
