import Foundation
import GRDB
import Synchronization

/// Copies the WAL back into the database file every half second, on a connection and a thread of its own.
///
/// A checkpoint fsyncs; done by the writer (SQLite's default, every 1000 pages) it stalls every write behind
/// it for milliseconds. A PASSIVE checkpoint here takes no lock that writers or readers wait on. Under a
/// steady load the WAL never gets back to its start that way (new frames keep arriving behind the copied
/// ones), so once it passes `walLimit` bytes it asks the writer, through `pressure`, to run a RESTART
/// checkpoint between two of its transactions: the writer holds the write lock itself, so that neither
/// waits for the other (done from here, a RESTART would wait for a moment without a write, which a steady
/// load never gives, and the WAL would grow without bound). If the writer is idle, it does it itself.
final class Checkpointer: Sendable {
    private let stopped = Atomic<Bool>(false)

    static let walLimit = 32 << 20

    init(path: String, pressure: WALPressure) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let wal = path + "-wal"
        let thread = Thread { [stopped = StopFlag(self)] in
            while !stopped.isStopped {
                usleep(500_000)
                if pressure.restartWanted.load(ordering: .acquiring) {
                    // Half a second without the writer taking it: the writer is idle, so nothing waits.
                    if pressure.restartWanted.exchange(false, ordering: .acquiringAndReleasing) {
                        try? connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(RESTART)") }
                    }
                    continue
                }
                try? connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
                let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                if size > Self.walLimit { pressure.restartWanted.store(true, ordering: .releasing) }
            }
        }
        thread.name = "tdmock.checkpoint"
        thread.start()
    }

    deinit {
        stopped.store(true, ordering: .releasing)
    }

    /// Looks at the checkpointer without keeping it alive: when the database is gone, the thread ends.
    private struct StopFlag: Sendable {
        weak var checkpointer: Checkpointer?
        init(_ checkpointer: Checkpointer) { self.checkpointer = checkpointer }
        var isStopped: Bool { checkpointer?.stopped.load(ordering: .acquiring) ?? true }
    }
}

/// Set by the checkpointer when the WAL should start again from its beginning; taken by whoever runs
/// the RESTART checkpoint (the writer between two transactions, else the checkpointer).
final class WALPressure: Sendable {
    let restartWanted = Atomic<Bool>(false)
}
