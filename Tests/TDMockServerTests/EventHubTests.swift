import Foundation
import TDMockCore
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// The event log behind `tdmock wait` is bounded by count and by age; `wait` counts what it still holds.
@Suite struct EventHubTests {
    func event(_ conversation: String) -> InboxEvent {
        InboxEvent(event: .contactMessage, conversationId: conversation, time: Date(), content: "hi")
    }

    @Test func keepsTheLastEventsUpToItsLimit() async {
        let hub = EventHub(logLimit: 3)
        for index in 0..<10 { hub.publish(event("c\(index)")) }
        #expect(hub.logSize == (held: 3, dropped: 7))
        // The oldest are gone, the newest are found.
        #expect(await hub.wait(count: 1, timeout: .zero) { $0.conversationId == "c0" } == nil)
        #expect(await hub.wait(count: 1, timeout: .zero) { $0.conversationId == "c9" }?.count == 1)
        #expect(await hub.wait(count: 3, timeout: .zero) { _ in true }?.map(\.conversationId) == ["c7", "c8", "c9"])
        hub.resetLog()
        #expect(hub.logSize == (held: 0, dropped: 0))
    }

    @Test func letsGoOfEventsOlderThanItsAge() async throws {
        let hub = EventHub(logAge: .milliseconds(100))
        hub.publish(event("old"))
        try await Task.sleep(for: .milliseconds(200))
        hub.publish(event("new"))
        #expect(hub.logSize == (held: 1, dropped: 1))
        #expect(await hub.wait(count: 1, timeout: .zero) { $0.conversationId == "old" } == nil)
        #expect(await hub.wait(count: 1, timeout: .zero) { $0.conversationId == "new" } != nil)
    }

    @Test func aWaiterIsWokenByANewEvent() async throws {
        let hub = EventHub(logLimit: 2)
        async let found = hub.wait(count: 1, timeout: .seconds(30)) { $0.conversationId == "later" }
        try await Task.sleep(for: .milliseconds(50))
        for index in 0..<5 { hub.publish(event("c\(index)")) }
        hub.publish(event("later"))
        #expect(await found?.first?.conversationId == "later")
    }
}
