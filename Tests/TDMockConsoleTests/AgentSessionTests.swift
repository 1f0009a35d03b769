import Foundation
import Synchronization
import TDMockConsole
import TDMockCore
import Testing

/// Captures what a session shows.
final class CapturedOutput: ConsoleOutput {
    private let texts = Mutex<[String]>([])
    func show(_ text: String) { texts.withLock { $0.append(text) } }
    var all: String { texts.withLock { $0.joined(separator: "\n") } }
    var last: String? { texts.withLock { $0.last } }
}

/// An agent API that records the actions asked of it.
final class FakeAPI: AgentAPI {
    let actions = Mutex<[String]>([])
    let detail: AgentWire.ConversationDetail

    init(id: String = "c0ffee00000000000000000000000001") {
        let conversation = Conversation(
            id: id,
            touchpointID: "tp",
            clientID: "c",
            subject: "Login",
            contactPerson: ContactPerson(email: "ana@example.com", name: "Ana"),
            contextParameters: ["sentiment": "NEGATIVE"],
            status: .queued,
            agent: nil,
            endedBy: nil,
            createdAt: Date(timeIntervalSince1970: 0),
            lastActivityAt: Date(timeIntervalSince1970: 0),
            endedAt: nil,
            messageCount: 1
        )
        let message = Message(
            id: "m1",
            conversationID: id,
            author: .contact,
            authorName: "Ana",
            content: "hi",
            attachments: [],
            createdAt: Date(timeIntervalSince1970: 0)
        )
        detail = AgentWire.ConversationDetail(conversation, messages: [message], callbacks: [])
    }

    func record(_ action: String) { actions.withLock { $0.append(action) } }
    func info() async throws -> AgentWire.ServerInfo {
        AgentWire.ServerInfo(callbackUrl: nil, touchpoints: [], pendingCallbacks: 0, failedCallbacks: 0)
    }
    func conversations(status: String) async throws -> [AgentWire.ConversationSummary] {
        [
            AgentWire.ConversationSummary(
                Conversation(
                    id: detail.id,
                    touchpointID: "tp",
                    clientID: "c",
                    subject: nil,
                    contactPerson: ContactPerson(email: "ana@example.com", name: "Ana"),
                    contextParameters: [:],
                    status: .queued,
                    agent: nil,
                    endedBy: nil,
                    createdAt: Date(),
                    lastActivityAt: Date(),
                    endedAt: nil,
                    messageCount: 1
                )
            )
        ]
    }
    func conversation(_ id: String) async throws -> AgentWire.ConversationDetail {
        guard id == detail.id else { throw ConsoleError("conversation \(id) does not exist") }
        return detail
    }
    func assign(_ id: String, agent: String) async throws -> AgentWire.ConversationDetail {
        record("assign \(id) \(agent)")
        return detail
    }
    func reply(_ id: String, agent: String, content: String) async throws -> AgentWire.ConversationDetail {
        record("reply \(id) \(agent) \(content)")
        return detail
    }
    func close(_ id: String, agent: String) async throws -> AgentWire.ConversationDetail {
        record("close \(id) \(agent)")
        return detail
    }
    func callbacks(status: String?, conversationID: String?) async throws -> [AgentWire.DeliveryView] { [] }
    func redeliver(_ deliveryID: String) async throws -> AgentWire.DeliveryView { throw ConsoleError("no") }
    func events() async throws -> AsyncThrowingStream<InboxEvent, any Error> { AsyncThrowingStream { $0.finish() } }

    /// One queued question, "q1", of session "s1", asked earlier in the session once.
    let question = Question(
        id: "q1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        sessionID: "s1",
        question: "What are our earnings?",
        attributes: ["region": "EU"],
        createdAt: Date(timeIntervalSince1970: 60)
    )
    func questions(status: String) async throws -> [QuestionWire.View] {
        status == "queued" || status == "all" ? [QuestionWire.View(question)] : []
    }
    func question(_ id: String) async throws -> QuestionWire.Detail {
        guard id == question.id else { throw ConsoleError("question \(id) does not exist") }
        var earlier = question
        earlier.id = "q0"
        earlier.question = "Hello?"
        earlier.status = .answered
        earlier.answer = .speak("Hi there.")
        earlier.answeredBy = "Dana"
        return QuestionWire.Detail(question: .init(question), session: [.init(earlier), .init(question)])
    }
    func answer(_ id: String, agent: String, answer: QuestionAnswer) async throws -> QuestionWire.View {
        record("answer \(id) \(agent) \(answer.type) \(answer.text ?? answer.reason ?? "-")")
        var answered = question
        answered.status = .answered
        answered.answer = answer
        answered.answeredBy = agent
        return QuestionWire.View(answered)
    }
}

@Suite struct AgentSessionTests {
    let id = "c0ffee00000000000000000000000001"

    @Test func replyShowsTheConversationThenSendsLinesAndCloses() async throws {
        let api = FakeAPI()
        let output = CapturedOutput()
        let session = AgentSession(api: api, agent: "Dana", mode: .reply(id), style: Style(enabled: false), output: output)
        try await session.start()
        #expect(output.all.contains("Contact:     Ana <ana@example.com>"))
        #expect(output.all.contains("sentiment = NEGATIVE"))
        #expect(output.all.contains("00:00:00  Ana: hi"))
        #expect(await session.prompt == "Dana@c0ffee00> ")
        #expect(await session.handle(line: "How can I help?"))
        #expect(await session.handle(line: "   "))
        #expect(await session.handle(line: "/assign"))
        #expect(await session.handle(line: "/close") == false)
        #expect(api.actions.withLock { $0 } == ["reply \(id) Dana How can I help?", "assign \(id) Dana", "close \(id) Dana"])
    }

    @Test func unknownCommandsAndFailuresSayWhatToDo() async throws {
        let output = CapturedOutput()
        let session = AgentSession(api: FakeAPI(), agent: "Dana", mode: .reply(id), style: Style(enabled: false), output: output)
        #expect(await session.handle(line: "/frobnicate"))
        #expect(output.last == "error: unknown command /frobnicate; /help lists the commands")
        #expect(await session.handle(line: "/open x"))
        #expect(output.last == "error: unknown command /open; /help lists the commands")
        #expect(await session.handle(line: "/quit") == false)
        await #expect(throws: ConsoleError("conversation nope does not exist")) {
            try await AgentSession(api: FakeAPI(), agent: "Dana", mode: .reply("nope"), style: Style(enabled: false), output: output).start()
        }
    }

    @Test func showsTheContactsMessagesAndLeavingForTheOpenConversationOnly() async throws {
        let output = CapturedOutput()
        let session = AgentSession(api: FakeAPI(), agent: "Dana", mode: .reply(id), style: Style(enabled: false), output: output)
        try await session.start()
        let time = Date(timeIntervalSince1970: 3661)
        await session.handle(event: InboxEvent(event: .contactMessage, conversationId: "other", time: time, content: "elsewhere"))
        await session.handle(event: InboxEvent(event: .contactMessage, conversationId: id, time: time, content: "still locked out"))
        #expect(output.last == "01:01:01  Ana: still locked out")
        await session.handle(event: InboxEvent(event: .messageCreated, conversationId: id, time: time, content: "mine", authorName: "Dana"))
        #expect(output.last == "01:01:01  Ana: still locked out")
        await session.handle(event: InboxEvent(event: .contactLeft, conversationId: id, time: time))
        #expect(output.last == "Ana left the conversation.")
        #expect(!output.all.contains("elsewhere"))
    }

    @Test func consoleAnnouncesNewConversationsAndOpensByPrefix() async throws {
        let api = FakeAPI()
        let output = CapturedOutput()
        let session = AgentSession(api: api, agent: "Dana", mode: .console, style: Style(enabled: false), output: output)
        try await session.start()
        #expect(output.all.contains(id))
        #expect(await session.completions.contains("/open"))
        #expect(await session.completions.contains(id))
        #expect(await session.handle(line: "typed before opening"))
        #expect(output.last?.contains("Nothing is open") == true)
        await session.handle(
            event: InboxEvent(event: .conversationCreated, conversationId: "beef", time: Date(), authorName: "Bo", touchpointId: "tp-web")
        )
        #expect(output.last == "New conversation beef from Bo on tp-web: /open beef")
        #expect(await session.completions.contains("beef"))
        #expect(await session.handle(line: "/open c0ffee"))
        #expect(await session.prompt == "Dana@c0ffee00> ")
        #expect(await session.handle(line: "hello"))
        #expect(await session.handle(line: "/close"))
        #expect(await session.prompt == "Dana> ")
        #expect(api.actions.withLock { $0 } == ["reply \(id) Dana hello", "close \(id) Dana"])
    }
}

@Suite struct RenderTests {
    /// `tdmock show` and the console show a message's files: name, type and size.
    @Test func aMessagesAttachmentsAreShownWithTypeAndSize() {
        let message = Message(
            id: "m1",
            conversationID: "c1",
            author: .contact,
            authorName: "Ana",
            content: "see",
            attachments: [Attachment(id: "a1", name: "scan.png", type: "image/png", size: 2048), Attachment(id: "a2", name: "x\u{1B}[31m")],
            createdAt: Date(timeIntervalSince1970: 0)
        )
        let line = Render.message(AgentWire.MessageView(message), style: Style(enabled: false))
        #expect(line.hasSuffix("Ana: see [attached: scan.png (image/png, 2048 bytes), x\\x1B[31m]"), "\(line)")
    }

    @Test func colourOnlyWhenEnabled() {
        #expect(Style(enabled: false).bold("x") == "x")
        #expect(Style(enabled: true).bold("x") == "\u{1B}[1mx\u{1B}[0m")
        #expect(Style.forStandardOutput(environment: ["NO_COLOR": "1"]).enabled == false)
    }

    @Test func serverAndAgentComeFromFlagThenEnvironment() {
        #expect(AgentContext.serverURL(nil, environment: [:]) == "http://127.0.0.1:8080")
        #expect(AgentContext.serverURL(nil, environment: ["TDMOCK_SERVER": "http://h:1"]) == "http://h:1")
        #expect(AgentContext.serverURL("http://f:2", environment: ["TDMOCK_SERVER": "http://h:1"]) == "http://f:2")
        #expect(AgentContext.agentName("Dana", environment: ["TDMOCK_AGENT": "Eve"]) == "Dana")
        #expect(AgentContext.agentName(nil, environment: ["TDMOCK_AGENT": "Eve"]) == "Eve")
        #expect(LineEditor.defaultHistoryPath(environment: ["TDMOCK_HISTORY": "/tmp/h"]) == "/tmp/h")
        #expect(LineEditor.defaultHistoryPath(environment: ["HOME": "/home/x"]) == "/home/x/.tdmock_history")
    }

    @Test func consoleAnnouncesQuestionsAndAnswersThemThreeWays() async throws {
        for (line, expected) in [
            ("Third quarter earnings were 4.2 million.", "speak Third quarter earnings were 4.2 million."),
            ("/disconnect Goodbye.", "disconnect Goodbye."), ("/disconnect", "disconnect -"),
            ("/fail no_workflow", "failed no_workflow"), ("/fail", "failed no_answer"),
        ] {
            let api = FakeAPI()
            let output = CapturedOutput()
            let session = AgentSession(api: api, agent: "Dana", mode: .console, style: Style(enabled: false), output: output)
            try await session.start()
            #expect(output.all.contains("Questions waiting"))
            #expect(output.all.contains("What are our earnings?"))
            await session.handle(event: .question(.questionCreated, api.question, time: Date()))
            #expect(output.last?.contains("New question \(api.question.id)") == true)
            #expect(output.last?.contains("/open \(api.question.id)") == true)
            #expect(await session.completions.contains(api.question.id))
            _ = await session.handle(line: "/open q1aa")
            #expect(output.all.contains("Attributes:  region = EU"))
            #expect(output.all.contains("Earlier in this session"))
            #expect(output.all.contains("Dana: speak: Hi there."))
            #expect(await session.prompt == "Dana@q:q1aaaaaa> ")
            _ = await session.handle(line: line)
            #expect(api.actions.withLock { $0 } == ["answer \(api.question.id) Dana \(expected)"], "\(line)")
            #expect(output.last?.hasPrefix("Answered question") == true)
            #expect(await session.prompt == "Dana> ")
        }
    }

    @Test func questionCommandsNeedAnOpenQuestionAndExpiryIsShown() async throws {
        let api = FakeAPI()
        let output = CapturedOutput()
        let session = AgentSession(api: api, agent: "Dana", mode: .console, style: Style(enabled: false), output: output)
        _ = await session.handle(line: "/open 0123")
        #expect(output.last == "error: no conversation or question has the id 0123, and none open or waiting starts with it (/inbox lists them)")
        _ = await session.handle(line: "/disconnect bye")
        #expect(output.last == "error: no question is open: /open <question id> first")
        _ = await session.handle(line: "/open \(api.question.id)")
        var expired = api.question
        expired.status = .expired
        await session.handle(event: .question(.questionExpired, expired, time: Date()))
        #expect(output.last?.contains("expired") == true)
        #expect(await session.prompt == "Dana> ")
        #expect(api.actions.withLock { $0 }.isEmpty)
    }

    @Test func scriptQuestionRulesMatchInOrderAndRenderAttributes() throws {
        let script = try AgentScript.parse(
            """
            questions:
              - match: {question_contains: earnings, attribute: {caller: "+15550100"}}
                speak: "Third quarter earnings were {{attributes.region}} 4.2 million."
              - match: {question_contains: goodbye}
                disconnect: "Goodbye."
              - fail: no_workflow
            """,
            file: "s.yaml"
        )
        #expect(script.rules.isEmpty)
        let attributes = ["caller": "+15550100", "region": "EU"]
        func answer(_ question: String, _ attributes: [String: String]) -> QuestionAnswer? {
            script.questionRule(question: question, attributes: attributes)?.answer(question: question, sessionID: "s", attributes: attributes)
        }
        #expect(answer("Our EARNINGS?", attributes) == .speak("Third quarter earnings were EU 4.2 million."))
        #expect(answer("Our earnings?", ["caller": "+1999"]) == .failed("no_workflow"))
        #expect(answer("ok goodbye", [:]) == .disconnect("Goodbye."))
        #expect(answer("anything", [:]) == .failed("no_workflow"))
    }

    @Test func scriptQuestionMistakesAreNamed() {
        for (text, expected) in [
            ("questions: []", "questions: expected a list of question rules"),
            ("questions:\n  - match: {question_contains: a}", "questions[0]: a question rule needs speak, disconnect or fail"),
            ("questions:\n  - speak: a\n    fail: b", "questions[0].fail: a question rule answers one way"),
            ("questions:\n  - match: {subject: a}\n    speak: b", "questions[0].match.subject: unknown key"),
            ("question:\n  - speak: a", "question: unknown key"),
        ] {
            #expect(throws: ConsoleError.self) { try AgentScript.parse(text, file: "s.yaml") }
            do {
                _ = try AgentScript.parse(text, file: "s.yaml")
            } catch let error as ConsoleError {
                #expect(error.description.contains(expected), "\(error.description)")
            } catch {}
        }
    }
}
