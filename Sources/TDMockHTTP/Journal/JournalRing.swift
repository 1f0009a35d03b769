import DequeModule
import Synchronization

/// The last `capacity` records of a journal, each given the next id, the oldest dropped first: what the
/// request journal and the invocations journal both keep.
///
/// A journal whose records hold bodies of any size (the invocations journal) also gives a byte budget:
/// `weigh` says how many bytes a record holds, and once the whole records hold more than `budget`
/// together, the oldest of them are cut (`cut` keeps the start of their bodies and their sizes). So the
/// newest records are whole, and what the journal holds stays under `budget` plus `capacity` cut
/// records, whatever the records carry.
package final class JournalRing<Record: Sendable>: Sendable {
    private struct State {
        var records = Deque<Record>()
        var nextID = 1
        /// What the records not cut yet hold together, by `weigh`.
        var wholeBytes = 0
        /// How many of the oldest records are cut already (they are cut oldest first).
        var cutCount = 0
    }

    /// Bytes by weight, and how to cut a record down to its start.
    package struct Budget: Sendable {
        package var bytes: Int
        package var weigh: @Sendable (Record) -> Int
        package var cut: @Sendable (inout Record) -> Void

        package init(bytes: Int, weigh: @escaping @Sendable (Record) -> Int, cut: @escaping @Sendable (inout Record) -> Void) {
            self.bytes = bytes
            self.weigh = weigh
            self.cut = cut
        }
    }

    private let state = Mutex(State())
    package let capacity: Int
    package let budget: Budget?

    package init(capacity: Int, budget: Budget? = nil) {
        self.capacity = capacity
        self.budget = budget
    }

    /// Keeps the record `make` builds with its id; answers the id (0, and nothing kept, at capacity 0).
    @discardableResult
    package func append(_ make: (_ id: Int) -> Record) -> Int {
        guard capacity > 0 else { return 0 }
        return state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            let record = make(id)
            state.records.append(record)
            if let budget { state.wholeBytes += budget.weigh(record) }
            if state.records.count > capacity { dropOldest(&state) }
            if let budget { keep(&state, within: budget) }
            return id
        }
    }

    private func dropOldest(_ state: inout State) {
        let dropped = state.records.removeFirst()
        if state.cutCount > 0 {
            state.cutCount -= 1
        } else if let budget {
            state.wholeBytes -= budget.weigh(dropped)
        }
    }

    /// Cuts the oldest whole records until the whole ones hold at most the budget.
    private func keep(_ state: inout State, within budget: Budget) {
        while state.wholeBytes > budget.bytes && state.cutCount < state.records.count {
            let index = state.records.index(state.records.startIndex, offsetBy: state.cutCount)
            state.wholeBytes -= budget.weigh(state.records[index])
            budget.cut(&state.records[index])
            state.cutCount += 1
        }
    }

    /// Newest first, those `include` takes, at most `limit`.
    package func newest(limit: Int, where include: (Record) -> Bool) -> [Record] {
        state.withLock { state in Array(state.records.reversed().lazy.filter(include).prefix(limit)) }
    }

    package func first(where match: (Record) -> Bool) -> Record? {
        state.withLock { state in state.records.first(where: match) }
    }

    /// What the records not cut yet hold together, by the budget's weight (0 without a budget).
    package var wholeBytes: Int { state.withLock { $0.wholeBytes } }

    package func removeAll() {
        state.withLock { state in
            state.records.removeAll()
            state.wholeBytes = 0
            state.cutCount = 0
        }
    }
}
