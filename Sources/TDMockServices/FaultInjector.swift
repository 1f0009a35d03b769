import Foundation
import Synchronization
public import TDMockCore

/// The faults in force, consumed one request (or delivery) at a time.
public final class FaultInjector: Sendable {
    private let faults: Mutex<[Fault]>

    public init(_ faults: [Fault] = []) {
        self.faults = Mutex(faults)
    }

    public var all: [Fault] { faults.withLock { $0 } }

    public func add(_ fault: Fault) { faults.withLock { $0.append(fault) } }

    public func clear() { faults.withLock { $0.removeAll() } }

    /// Whether a fault on `target` is in force (without using it).
    public func isArmed(_ target: Fault.Target) -> Bool {
        faults.withLock { faults in faults.contains { $0.target == target } }
    }

    /// Takes one use of the first fault on `target`, if any.
    public func take(_ target: Fault.Target) -> Fault? {
        faults.withLock { faults in
            guard let index = faults.firstIndex(where: { $0.target == target }) else { return nil }
            let fault = faults[index]
            if let remaining = fault.remaining {
                if remaining <= 1 { faults.remove(at: index) } else { faults[index].remaining = remaining - 1 }
            }
            return fault
        }
    }
}
