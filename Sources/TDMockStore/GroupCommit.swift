import GRDB
import Synchronization

/// Group commit: the writes that arrive while a transaction is committing are run together in the next
/// one, each in a savepoint of its own, so one failing write rolls back alone and the others commit.
///
/// No write is answered before its transaction has committed, so durability is as with one transaction per
/// request; under load many writes share a commit, and at low load a write waits for nothing.
final class GroupCommit: Sendable {
    private struct Job: Sendable {
        /// Runs the write inside the batch's transaction (in its own savepoint).
        let run: @Sendable (Database) -> Void
        /// Answers the caller once the batch committed (or failed as a whole).
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var queue: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let pressure: WALPressure?
    private let state = Mutex(State())
    /// The most writes one transaction takes, so that a burst cannot hold the write lock for long.
    static let maxBatch = 512

    init(writer: any DatabaseWriter, pressure: WALPressure? = nil) {
        self.writer = writer
        self.pressure = pressure
    }

    func write<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = Outcome<T>()
            let job = Job(
                run: { db in
                    do {
                        try db.inSavepoint {
                            outcome.result = .success(try operation(db))
                            return .commit
                        }
                    } catch {
                        outcome.result = .failure(error)
                    }
                },
                finish: { batchError in
                    if let batchError {
                        continuation.resume(throwing: batchError)
                    } else {
                        continuation.resume(with: outcome.result ?? .failure(CancellationError()))
                    }
                })
            let start = state.withLock { state -> Bool in
                state.queue.append(job)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            // Drain on GRDB's own writer queue: no hop between threads for each batch.
            if start { writer.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
    }

    private func drain(_ db: Database) {
        while true {
            let batch = state.withLock { state -> [Job] in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return []
                }
                let count = min(state.queue.count, Self.maxBatch)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            guard !batch.isEmpty else { return }
            var failure: (any Error)?
            do {
                try db.inTransaction {
                    for job in batch { job.run(db) }
                    return .commit
                }
            } catch {
                failure = error
            }
            for job in batch { job.finish(failure) }
            // The WAL is past its limit: start it again now, between two transactions (see Checkpointer).
            if let pressure, pressure.restartWanted.exchange(false, ordering: .acquiringAndReleasing) {
                try? db.execute(sql: "PRAGMA wal_checkpoint(RESTART)")
            }
        }
    }
}

/// One write's result, set inside the batch's transaction on GRDB's writer queue and read by `finish` on the
/// same queue after the commit: never touched from two threads at once, hence unchecked.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
