import GRDB
import Synchronization

/// Where a write's completion runs when its caller lives on a thread of its own (an event loop): the
/// writer hands each such thread the completions of one batch in a single `execute`, rather than waking
/// it once per write.
public protocol CompletionExecutor: Sendable {
    /// The same for every executor that runs work on the same thread, so that their completions go together.
    var identity: ObjectIdentifier { get }
    func execute(_ work: @escaping @Sendable () -> Void)
}

/// Group commit: the writes that arrive while a transaction is committing are run together in the next
/// one, each in a savepoint of its own, so one failing write rolls back alone and the others commit.
///
/// No write is answered before its transaction has committed, so durability is as with one transaction per
/// request; under load many writes share a commit, and at low load a write waits for nothing.
final class GroupCommit: Sendable {
    /// A class, so that moving jobs between the queue, the batch and their executors' lists retains one
    /// reference instead of each of its three (a tenth of the retains under load with Send a Message).
    private final class Job: Sendable {
        /// Runs the write inside the batch's transaction (in its own savepoint).
        let run: @Sendable (Database) -> Void
        /// Answers the caller once the batch committed (or failed as a whole).
        let finish: @Sendable ((any Error)?) -> Void
        /// Where `finish` runs; the writer's queue when nil.
        let executor: (any CompletionExecutor)?

        init(
            run: @escaping @Sendable (Database) -> Void,
            finish: @escaping @Sendable ((any Error)?) -> Void,
            executor: (any CompletionExecutor)?
        ) {
            self.run = run
            self.finish = finish
            self.executor = executor
        }
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
            submit(operation, on: nil) { continuation.resume(with: $0) }
        }
    }

    /// Queues `operation` for the next batch and calls `completion` once that batch committed (or failed
    /// as a whole), on `executor`, or on the writer's queue when it is nil: for callers that are not in an
    /// async context (an event loop).
    func submit<T: Sendable>(
        _ operation: @escaping @Sendable (Database) throws -> T,
        on executor: (any CompletionExecutor)?,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        let outcome = Outcome<T>()
        let job = Job(
            run: { db in
                do {
                    try Self.inSavepoint(db) { outcome.result = .success(try operation(db)) }
                } catch {
                    outcome.result = .failure(error)
                }
            },
            finish: { batchError in
                if let batchError {
                    completion(.failure(batchError))
                } else {
                    completion(outcome.result ?? .failure(CancellationError()))
                }
            },
            executor: executor
        )
        let start = state.withLock { state -> Bool in
            state.queue.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        // Drain on GRDB's own writer queue: no hop between threads for each batch.
        if start { writer.asyncWriteWithoutTransaction { db in self.drain(db) } }
    }

    /// `Database.inSavepoint` with statements compiled once per connection rather than parsed again for
    /// every write.
    private static func inSavepoint(_ db: Database, _ operation: () throws -> Void) throws {
        try db.cachedStatement(sql: "SAVEPOINT job").execute()
        do {
            try operation()
        } catch {
            try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT job").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
            throw error
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
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
            Self.finish(batch, failure)
            // The WAL is past its limit: start it again now, between two transactions (see Checkpointer).
            if let pressure, pressure.restartWanted.exchange(false, ordering: .acquiringAndReleasing) {
                try? db.execute(sql: "PRAGMA wal_checkpoint(RESTART)")
            }
        }
    }

    /// Answers a batch's writes: those without an executor here, the others with one `execute` per executor.
    private static func finish(_ batch: [Job], _ failure: (any Error)?) {
        var elsewhere: [ObjectIdentifier: (executor: any CompletionExecutor, jobs: [Job])] = [:]
        for job in batch {
            if let executor = job.executor {
                elsewhere[executor.identity, default: (executor, [])].jobs.append(job)
            } else {
                job.finish(failure)
            }
        }
        for (executor, jobs) in elsewhere.values {
            executor.execute { for job in jobs { job.finish(failure) } }
        }
    }
}

/// One write's result, set inside the batch's transaction on GRDB's writer queue and read by `finish`
/// after the commit (on the writer's queue, or on an executor the writer handed it to afterwards): never
/// touched from two threads at once, hence unchecked.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
