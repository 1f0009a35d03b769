import Foundation
import Synchronization
package import TDMockCore

/// How often each action of the loaded flows ran and each of their transitions was taken, since the server
/// started or was reset (`GET /connect/v1/coverage`, `tdmock contacts --coverage`).
package final class FlowCoverage: Sendable {
    private struct Key: Hashable {
        var flow: String
        var action: String
        /// nil for the action's runs.
        var transition: String?
    }

    private struct State {
        var counts: [Key: Int] = [:]
        var since: Date
    }

    private let state: Mutex<State>
    private let clock: @Sendable () -> Date

    init(clock: @escaping @Sendable () -> Date) {
        self.clock = clock
        state = Mutex(State(since: clock()))
    }

    /// Counts a stretch of a call: each step is one run of its action (but for the step that goes on from the
    /// action the call waited at with the caller's input) and, when it left by one, one take of that transition.
    package func record(_ path: [FlowStep]) {
        state.withLock { state in
            for step in path {
                if step.input == nil { state.counts[Key(flow: step.flow, action: step.action), default: 0] += 1 }
                if let transition = step.transition {
                    state.counts[Key(flow: step.flow, action: step.action, transition: transition), default: 0] += 1
                }
            }
        }
    }

    package func reset() {
        let now = clock()
        state.withLock { $0 = State(since: now) }
    }

    /// Every action and transition of the flows, in the files' order, with its count.
    package func report(_ set: FlowSet) -> ConnectWire.Coverage {
        let (counts, since) = state.withLock { ($0.counts, $0.since) }
        // The flows (main first), then the modules, each by the id a call's path names it with.
        var loaded: [(id: String, flow: Flow, file: String)] = set.flows.keys.sorted { ($0 == "main" ? "" : $0) < ($1 == "main" ? "" : $1) }
            .compactMap { id in set.flows[id].map { (id, $0, set.files[id] ?? "") } }
        loaded += set.modules.keys.sorted().compactMap { id in set.modules[id].map { (FlowSet.moduleKey(id), $0, set.moduleFiles[id] ?? "") } }
        let flows = loaded.map { id, flow, file in
            ConnectWire.Coverage.FlowCoverage(
                flow: id,
                file: file,
                actions: flow.actions.map { action in
                    ConnectWire.Coverage.Action(
                        identifier: action.identifier,
                        type: action.type.rawValue,
                        runs: counts[Key(flow: id, action: action.identifier)] ?? 0,
                        transitions: action.transitions.map { transition in
                            ConnectWire.Coverage.Transition(
                                transition: transition.label,
                                next: transition.next,
                                taken: counts[Key(flow: id, action: action.identifier, transition: transition.label)] ?? 0
                            )
                        }
                    )
                }
            )
        }
        return ConnectWire.Coverage(since: Timestamp.string(from: since), flows: flows)
    }
}
