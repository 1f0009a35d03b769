import DequeModule
import Foundation
import Synchronization
public import TDMockCore

/// Fans inbox events out to the live streams that are listening (the agents' consoles), and keeps the log
/// of recent events that `tdmock wait` asks about: since start or reset, at most `logLimit` of them and
/// none older than `logAge`, so that a long-running server's memory stays bounded.
public final class EventHub: Sendable {
    private struct Log {
        /// Oldest first: `first` is the next to trim.
        var events = Deque<(event: InboxEvent, at: ContinuousClock.Instant)>()
        /// Events trimmed since start or reset: `wait` says so when it finds too few.
        var dropped = 0
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

        mutating func trim(now: ContinuousClock.Instant, limit: Int, age: Duration) {
            while let first = events.first, events.count > limit || now - first.at > age {
                events.removeFirst()
                dropped += 1
            }
        }
    }

    private let subscribers = Mutex<[UUID: AsyncStream<InboxEvent>.Continuation]>([:])
    private let log = Mutex(Log())
    /// The log keeps at most this many events, and none older than `logAge` (the oldest go first).
    public let logLimit: Int
    public let logAge: Duration

    public init(logLimit: Int = 20_000, logAge: Duration = .seconds(3600)) {
        self.logLimit = logLimit
        self.logAge = logAge
    }

    /// Forgets the log (`tdmock reset`).
    public func resetLog() {
        log.withLock { log in
            log.events.removeAll()
            log.dropped = 0
        }
    }

    /// How many events the log holds, and how many it has let go since start or reset.
    public var logSize: (held: Int, dropped: Int) {
        log.withLock { log in
            log.trim(now: .now, limit: logLimit, age: logAge)
            return (log.events.count, log.dropped)
        }
    }

    /// The logged events that match, once there are at least `count` of them, or nil after `timeout`.
    public func wait(
        count: Int,
        timeout: Duration,
        matching predicate: @escaping @Sendable (InboxEvent) -> Bool
    ) async -> [InboxEvent]? {
        let deadline = ContinuousClock.now + timeout
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            if !Task.isCancelled { self?.wakeWaiters() }
        }
        defer { timer.cancel() }
        while true {
            var found: [InboxEvent]?
            var expired = false
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = log.withLock { log -> Bool in
                    log.trim(now: .now, limit: logLimit, age: logAge)
                    let matching = log.events.lazy.map(\.event).filter(predicate)
                    if matching.count >= count {
                        found = Array(matching)
                        return true
                    }
                    if ContinuousClock.now >= deadline {
                        expired = true
                        return true
                    }
                    log.waiters[UUID()] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            if let found { return found }
            if expired { return nil }
        }
    }

    private func wakeWaiters() {
        let waiters = log.withLock { log in
            defer { log.waiters.removeAll() }
            return Array(log.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// A stream of the events published from now on; it ends when the listener stops iterating or `finishAll()`.
    public func subscribe() -> AsyncStream<InboxEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: InboxEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(_ events: [InboxEvent]) {
        guard !events.isEmpty else { return }
        let now = ContinuousClock.now
        log.withLock { log in
            log.events.append(contentsOf: events.map { ($0, now) })
            log.trim(now: now, limit: logLimit, age: logAge)
        }
        wakeWaiters()
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations {
            for event in events { continuation.yield(event) }
        }
    }

    public func publish(_ event: InboxEvent) { publish([event]) }

    /// Ends every stream (at shutdown, so that no open stream holds the server up).
    public func finishAll() {
        let continuations = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
