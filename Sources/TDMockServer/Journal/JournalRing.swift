import DequeModule
import Synchronization

/// The last `capacity` records of a journal, each given the next id, the oldest dropped first: what the
/// request journal and the invocations journal both keep.
final class JournalRing<Record: Sendable>: Sendable {
    private struct State {
        var records = Deque<Record>()
        var nextID = 1
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Keeps the record `make` builds with its id; answers the id (0, and nothing kept, at capacity 0).
    @discardableResult
    func append(_ make: (_ id: Int) -> Record) -> Int {
        guard capacity > 0 else { return 0 }
        return state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.records.append(make(id))
            if state.records.count > capacity { state.records.removeFirst() }
            return id
        }
    }

    /// Newest first, those `include` takes, at most `limit`.
    func newest(limit: Int, where include: (Record) -> Bool) -> [Record] {
        state.withLock { state in Array(state.records.reversed().lazy.filter(include).prefix(limit)) }
    }

    func first(where match: (Record) -> Bool) -> Record? {
        state.withLock { state in state.records.first(where: match) }
    }

    func removeAll() {
        state.withLock { $0.records.removeAll() }
    }
}
