import Foundation
import Synchronization
import TDMockCore

/// Fans inbox events out to the live streams that are listening (the agents' consoles), and keeps the log
/// of every event since start or reset that `tdmock wait` asks about.
public final class EventHub: Sendable {
    private struct Log {
        var events: [InboxEvent] = []
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let subscribers = Mutex<[UUID: AsyncStream<InboxEvent>.Continuation]>([:])
    private let log = Mutex(Log())
    /// The log keeps at most this many events (the oldest go first).
    static let logLimit = 200_000

    public init() {}

    /// Forgets the log (`tdmock reset`).
    public func resetLog() {
        log.withLock { $0.events.removeAll() }
    }

    /// The logged events that match, once there are at least `count` of them, or nil after `timeout`.
    public func wait(
        count: Int, timeout: Duration, matching predicate: @escaping @Sendable (InboxEvent) -> Bool
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
                    let matching = log.events.filter(predicate)
                    if matching.count >= count {
                        found = matching
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
        log.withLock { log in
            log.events.append(contentsOf: events)
            // Trimmed a quarter at a time, so that each event costs O(1) on average.
            if log.events.count > Self.logLimit + Self.logLimit / 4 { log.events.removeFirst(log.events.count - Self.logLimit) }
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
