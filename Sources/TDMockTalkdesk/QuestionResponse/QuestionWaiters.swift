import Foundation
import Synchronization
import TDMockCore

/// The question-response API's held requests: each waits for its question's answer, or for its time to
/// run out. A request registers before its question can be answered (before it is even stored), so that
/// an answer given at once is not missed.
package final class QuestionWaiters: Sendable {
    package init() {}

    private enum Slot {
        case waiting(CheckedContinuation<QuestionAnswer?, Never>?)
        case answered(QuestionAnswer)
    }

    private struct State {
        var slots: [UUID: (questionID: String, slot: Slot)] = [:]
        var byQuestion: [String: Set<UUID>] = [:]

        mutating func remove(_ ticket: UUID) -> (questionID: String, slot: Slot)? {
            guard let entry = slots.removeValue(forKey: ticket) else { return nil }
            byQuestion[entry.questionID]?.remove(ticket)
            if byQuestion[entry.questionID]?.isEmpty == true { byQuestion[entry.questionID] = nil }
            return entry
        }
    }

    private let state = Mutex(State())

    /// A ticket for the answer to `questionID`, to `wait` on.
    func register(_ questionID: String) -> UUID {
        let ticket = UUID()
        state.withLock { state in
            state.slots[ticket] = (questionID, .waiting(nil))
            state.byQuestion[questionID, default: []].insert(ticket)
        }
        return ticket
    }

    /// The answer, once given; nil when `timeout` passes first.
    func wait(_ ticket: UUID, timeout: Duration) async -> QuestionAnswer? {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self?.finish(ticket, with: nil) }
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let early: QuestionAnswer?? = state.withLock { state in
                guard let entry = state.slots[ticket] else { return .some(nil) }
                if case .answered(let answer) = entry.slot {
                    _ = state.remove(ticket)
                    return .some(answer)
                }
                state.slots[ticket] = (entry.questionID, .waiting(continuation))
                return .none
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    /// Gives up a ticket that will not be waited on.
    func cancel(_ ticket: UUID) {
        _ = state.withLock { $0.remove(ticket) }
    }

    /// The question is answered: every request waiting for it gets the answer.
    func answered(_ questionID: String, _ answer: QuestionAnswer) {
        let tickets = state.withLock { $0.byQuestion[questionID] ?? [] }
        for ticket in tickets { finish(ticket, with: answer) }
    }

    private func finish(_ ticket: UUID, with answer: QuestionAnswer?) {
        let continuation: CheckedContinuation<QuestionAnswer?, Never>? = state.withLock { state in
            guard let entry = state.slots[ticket] else { return nil }
            switch entry.slot {
            case .waiting(let continuation?):
                _ = state.remove(ticket)
                return continuation
            case .waiting(nil):
                // Not waiting yet: an answer is kept for it; a time-out leaves no slot, so wait returns nil.
                if let answer { state.slots[ticket] = (entry.questionID, .answered(answer)) } else { _ = state.remove(ticket) }
                return nil
            case .answered:
                return nil
            }
        }
        continuation?.resume(returning: answer)
    }
}
