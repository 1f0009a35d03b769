import Foundation
import Synchronization
import TDMockCore

/// Fans inbox events out to the live streams that are listening (the agents' consoles).
public final class EventHub: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<InboxEvent>.Continuation]>([:])

    public init() {}

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
