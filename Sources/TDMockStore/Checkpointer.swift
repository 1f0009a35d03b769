import Foundation
import GRDB
import Synchronization

/// Copies the WAL back into the database file every half second, on a connection and a thread of its own.
///
/// A checkpoint fsyncs; done by the writer (SQLite's default, every 1000 pages) it stalls every write behind
/// it for milliseconds. A PASSIVE checkpoint here takes no lock that writers or readers wait on. Under a
/// steady load the WAL never gets back to its start that way, so once it passes `walLimit` bytes a
/// RESTART checkpoint (which waits for the writer and holds it up briefly) starts it afresh.
final class Checkpointer: Sendable {
    private let stopped = Atomic<Bool>(false)

    static let walLimit = 32 << 20

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let wal = path + "-wal"
        let thread = Thread { [stopped = StopFlag(self)] in
            while !stopped.isStopped {
                usleep(500_000)
                try? connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
                // Nearly everything is copied by now, so restarting the WAL holds the writer up only briefly.
                let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                if size > Self.walLimit {
                    try? connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(RESTART)") }
                }
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
