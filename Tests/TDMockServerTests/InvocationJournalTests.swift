import Foundation
import TDMockCore
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServer
@testable import TDMockServices
@testable import TDMockTalkdesk

/// The invocations journal's byte budget: the newest invocations whole, the oldest cut to their start
/// with their sizes, a listing showing a large body by its start.
@Suite struct InvocationJournalTests {
    func record(_ journal: InvocationJournal, answerBytes: Int) -> Int {
        let answer = Data(("\"" + String(repeating: "a", count: answerBytes - 2) + "\"").utf8)
        return journal.record(
            function: "big",
            caller: .invoke,
            event: Data("{}".utf8),
            status: 200,
            functionError: nil,
            answer: answer,
            latency: 0.001,
            problem: nil,
            time: Date()
        )
    }

    @Test func theNewestAreWholeWithinTheBudgetAndTheOldestCutWithTheirSizes() throws {
        let journal = InvocationJournal(capacity: 100, byteBudget: 3 << 20)
        let ids = (0..<10).map { _ in record(journal, answerBytes: 1 << 20) }
        #expect(journal.wholeBytes <= 3 << 20)
        // The three newest fit the budget whole (each is 1 MiB and two bytes of event).
        for id in ids.suffix(2) {
            let entry = try #require(journal.entry(id))
            #expect(!entry.cut && entry.answer?.stringValue?.count == (1 << 20) - 2)
        }
        let oldest = try #require(journal.entry(ids[0]))
        #expect(oldest.cut && oldest.answerBytes == 1 << 20 && oldest.eventBytes == 2)
        #expect(oldest.answer?.stringValue?.utf8.count == InvocationJournal.cutBytes)
        #expect(oldest.event == .string("{}"))
        // A listing shows a body over 64 KiB by its start, whole or not in the journal.
        let listed = journal.entries(limit: 10)
        #expect(listed.count == 10 && listed.allSatisfy { $0.cut && $0.answerBytes == 1 << 20 })
        // Small bodies are whole everywhere.
        let small = record(journal, answerBytes: 100)
        #expect(journal.entries(limit: 1).first.map { !$0.cut && $0.id == small } == true)
        journal.reset()
        #expect(journal.wholeBytes == 0 && journal.entries().isEmpty)
    }

    @Test func aBudgetOfZeroKeepsEveryInvocationCut() throws {
        let journal = InvocationJournal(capacity: 5, byteBudget: 0)
        let ids = (0..<7).map { _ in record(journal, answerBytes: 10_000) }
        #expect(journal.entries().map(\.id) == ids.suffix(5).reversed())
        #expect(journal.entries().allSatisfy { $0.cut && $0.answerBytes == 10_000 })
        #expect(journal.wholeBytes == 0)
    }
}
