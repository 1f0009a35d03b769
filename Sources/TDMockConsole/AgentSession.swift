import Foundation
public import TDMockCore

/// Where a session's output goes: printed above the line being typed.
public protocol ConsoleOutput: Sendable {
    func show(_ text: String)
}

/// The agent's line-editing session, without the terminal: what a typed line does and how an event is shown.
/// `tdmock reply <id>` works on one conversation; `tdmock console` across the inbox.
public actor AgentSession {
    public enum Mode: Sendable, Equatable {
        case reply(String)
        case console
    }

    let api: any AgentAPI
    let agent: String
    let style: Style
    let output: any ConsoleOutput
    let mode: Mode
    /// The conversation typed lines go to.
    private(set) var current: String?
    /// The question typed lines answer (console only; never open with `current`).
    private(set) var currentQuestion: String?
    private var names: [String: String] = [:]
    private var knownIDs: [String] = []
    /// The queued questions of the question-response API (console only).
    private var knownQuestions: [String] = []
    /// The question this session is answering now: its own answer's event is not announced again.
    private var answering: String?

    public init(api: any AgentAPI, agent: String, mode: Mode, style: Style, output: any ConsoleOutput) {
        self.api = api
        self.agent = agent
        self.mode = mode
        self.style = style
        self.output = output
        if case .reply(let id) = mode { current = id }
    }

    static let replyCommands = ["/assign", "/close", "/help", "/quit", "/transcript"]
    static let consoleCommands = ["/assign", "/close", "/disconnect", "/fail", "/help", "/inbox", "/open", "/quit", "/transcript"]

    public var commands: [String] { mode == .console ? Self.consoleCommands : Self.replyCommands }

    /// What Tab completes: the slash commands and the ids of the open conversations and queued questions.
    public var completions: [String] { commands + knownIDs + knownQuestions }

    public var prompt: String {
        if let currentQuestion { return "\(agent)@q:\(currentQuestion.prefix(8))> " }
        guard let current else { return "\(agent)> " }
        return "\(agent)@\(current.prefix(8))> "
    }

    /// Shows the conversation (reply) or the inbox (console). Throws when the conversation does not exist.
    public func start() async throws {
        switch mode {
        case .reply(let id):
            let conversation = try await api.conversation(id)
            show(conversation)
            output.show(style.dim("Type a message and press Enter to send it. /help lists the commands; Tab completes them."))
        case .console:
            try await refreshInbox(printing: true)
            output.show(style.dim("/open <id> answers a conversation or a question; /help lists the commands; Tab completes them."))
        }
    }

    private func show(_ conversation: AgentWire.ConversationDetail) {
        remember(conversation)
        output.show(Render.header(conversation, style: style) + "\n\n" + Render.transcript(conversation, style: style))
        if conversation.status == .ended {
            output.show(style.warning("This conversation has ended; you can read it, not answer it. /quit to leave."))
        }
    }

    private func remember(_ conversation: AgentWire.ConversationDetail) {
        names[conversation.id] = Render.contactName(conversation.contactPerson)
        if !knownIDs.contains(conversation.id) { knownIDs.append(conversation.id) }
    }

    private func refreshInbox(printing: Bool) async throws {
        let open = try await api.conversations(status: "all").filter { $0.status != .ended }
        for conversation in open { names[conversation.id] = Render.contactName(conversation.contactPerson) }
        knownIDs = open.map(\.id)
        let queued = mode == .console ? try await api.questions(status: "queued") : []
        knownQuestions = queued.map(\.id)
        guard printing else { return }
        if open.isEmpty && queued.isEmpty {
            output.show("The inbox is empty: no queued or assigned conversations, no questions waiting.")
            return
        }
        if !open.isEmpty { output.show(Render.inbox(open, style: style)) }
        if !queued.isEmpty { output.show(style.bold("Questions waiting") + "\n" + Render.questions(queued, style: style)) }
    }

    /// Handles one typed line; false when the session should end.
    public func handle(line raw: String) async -> Bool {
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return true }
        do {
            if line.hasPrefix("/") { return try await command(line) }
            if currentQuestion != nil {
                try await answerQuestion(.speak(raw))
                return true
            }
            guard let current else {
                output.show(style.warning("Nothing is open: /open <id> first (/inbox lists the conversations and questions)."))
                return true
            }
            let conversation = try await api.reply(current, agent: agent, content: raw)
            remember(conversation)
        } catch {
            output.show(style.error("error: \(error)"))
        }
        return true
    }

    private func command(_ line: String) async throws -> Bool {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts[0]
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "/quit":
            return false
        case "/help":
            output.show(help())
        case "/disconnect" where mode == .console:
            guard currentQuestion != nil else { throw ConsoleError("no question is open: /open <question id> first") }
            try await answerQuestion(.disconnect(argument.isEmpty ? nil : argument))
        case "/fail" where mode == .console:
            guard currentQuestion != nil else { throw ConsoleError("no question is open: /open <question id> first") }
            try await answerQuestion(.failed(argument.isEmpty ? "no_answer" : argument))
        case "/transcript":
            guard let current else { throw ConsoleError("no conversation is open: /open <id> first") }
            let conversation = try await api.conversation(current)
            remember(conversation)
            output.show(Render.transcript(conversation, style: style))
        case "/assign":
            guard let current else { throw ConsoleError("no conversation is open: /open <id> first") }
            let conversation = try await api.assign(current, agent: agent)
            remember(conversation)
            output.show("Assigned to \(agent).")
        case "/close":
            guard let current else { throw ConsoleError("no conversation is open: /open <id> first") }
            let conversation = try await api.close(current, agent: agent)
            remember(conversation)
            output.show("Conversation \(current) closed.")
            if mode == .console {
                self.current = nil
                knownIDs.removeAll { $0 == conversation.id }
                return true
            }
            return false
        case "/inbox" where mode == .console:
            try await refreshInbox(printing: true)
        case "/open" where mode == .console:
            guard !argument.isEmpty else { throw ConsoleError("/open takes a conversation or question id (Tab completes it)") }
            switch try await resolve(argument) {
            case .conversation(let id):
                let conversation = try await api.conversation(id)
                current = id
                currentQuestion = nil
                show(conversation)
            case .question(let id):
                let detail = try await api.question(id)
                output.show(Render.question(detail, style: style))
                if detail.question.status == .queued {
                    current = nil
                    currentQuestion = id
                    output.show(style.dim("A line answers it (speak); /disconnect [TEXT] ends the call; /fail [REASON] fails it."))
                } else {
                    output.show(style.warning("This question is \(detail.question.status.rawValue); it cannot be answered again."))
                }
            }
        default:
            throw ConsoleError("unknown command \(name); /help lists the commands")
        }
        return true
    }

    private enum Opened {
        case conversation(String)
        case question(String)
    }

    /// A whole id, or a prefix that names exactly one open conversation or queued question.
    private func resolve(_ text: String) async throws -> Opened {
        if knownIDs.contains(text) { return .conversation(text) }
        if knownQuestions.contains(text) { return .question(text) }
        try await refreshInbox(printing: false)
        let conversations = knownIDs.filter { $0.hasPrefix(text) }
        let questions = knownQuestions.filter { $0.hasPrefix(text) }
        if conversations.count + questions.count > 1 {
            throw ConsoleError("\(text) matches \(conversations.count + questions.count) conversations and questions; type more of the id")
        }
        if let id = conversations.first { return .conversation(id) }
        if let id = questions.first { return .question(id) }
        // Not open: an ended conversation or an answered question is still shown, by its whole id.
        if (try? await api.question(text)) != nil { return .question(text) }
        if (try? await api.conversation(text)) != nil { return .conversation(text) }
        throw ConsoleError("no conversation or question has the id \(text), and none open or waiting starts with it (/inbox lists them)")
    }

    /// Answers the open question; it is closed on screen whatever the server says.
    private func answerQuestion(_ answer: QuestionAnswer) async throws {
        guard let id = currentQuestion else { return }
        answering = id
        defer {
            answering = nil
            currentQuestion = nil
            knownQuestions.removeAll { $0 == id }
        }
        let answered = try await api.answer(id, agent: agent, answer: answer)
        output.show("Answered question \(id): \(Render.answerText(answered.answer))")
    }

    private func help() -> String {
        var lines = [
            "Type a line and press Enter to send it to the contact.",
            "  /assign       take the conversation (sends conversation_started)",
            "  /close        close it (sends conversation_ended)\(mode == .console ? "" : " and leave")",
            "  /transcript   show the transcript again",
        ]
        if mode == .console {
            lines += [
                "  /inbox        list the open conversations and the questions waiting",
                "  /open <id>    answer a conversation or a question (Tab completes ids)",
                "With a question open, a line answers it (speak):",
                "  /disconnect [TEXT]   answer disconnect (the caller hears TEXT, then the call ends)",
                "  /fail [REASON]       answer failed",
            ]
        }
        lines += ["  /help         this list", "  /quit         leave without closing (Ctrl-D too)", "Up and Down walk the lines you sent."]
        return lines.joined(separator: "\n")
    }

    /// Shows an event that happened elsewhere: the contact writing or leaving, a new conversation, a failed callback.
    public func handle(event: InboxEvent) async {
        if let questionID = event.questionId {
            handle(questionEvent: event, id: questionID)
            return
        }
        guard let id = event.conversationId else { return }
        let isCurrent = id == current
        let tag = isCurrent ? "" : style.dim("[\(id.prefix(8))] ")
        switch event.event {
        case .contactMessage:
            guard isCurrent || mode == .console else { return }
            let name = names[id] ?? "contact"
            let message = AgentWire.MessageView(
                Message(
                    id: event.messageId ?? "",
                    conversationID: id,
                    author: .contact,
                    authorName: name,
                    content: event.content ?? "",
                    attachments: event.attachments ?? [],
                    createdAt: Timestamp.date(from: event.time) ?? Date()
                )
            )
            output.show(tag + Render.message(message, style: style))
        case .contactLeft:
            guard isCurrent || mode == .console else { return }
            output.show(tag + style.warning("\(names[id] ?? "The contact") left the conversation."))
            if mode == .console && !isCurrent { knownIDs.removeAll { $0 == id } }
        case .conversationCreated:
            guard mode == .console else { return }
            if let name = event.authorName { names[id] = Render.visible(name) }
            if !knownIDs.contains(id) { knownIDs.append(id) }
            output.show(
                style.bold("New conversation \(id)")
                    + " from \(names[id] ?? "a contact") on \(Render.visible(event.touchpointId ?? "?")): /open \(id)"
            )
        case .messageCreated:
            // Another agent (or another session) answering the conversation on screen.
            guard isCurrent, event.authorName != agent else { return }
            output.show(style.agent(Render.visible(event.authorName ?? "another agent")) + ": \(Render.visible(event.content ?? ""))")
        case .callbackFailed:
            guard isCurrent || mode == .console else { return }
            let why = event.statusCode.map { "HTTP \($0)" } ?? event.error ?? "no answer"
            output.show(tag + style.error("callback \(event.eventType?.rawValue ?? "?") failed (\(why)): tdmock redeliver \(event.deliveryId ?? "")"))
        case .conversationStarted, .conversationEnded, .callbackDelivered, .questionCreated, .questionAnswered, .questionExpired,
            .callStarted, .callerUtterance, .lambdaInvoked, .callEnded, .functionInvoked, .websocketConnected, .websocketDisconnected:
            return
        }
    }

    /// A question asked, answered elsewhere, or let go (console only).
    private func handle(questionEvent event: InboxEvent, id: String) {
        guard mode == .console else { return }
        let tag = style.dim("[q:\(id.prefix(8))] ")
        switch event.event {
        case .questionCreated:
            if !knownQuestions.contains(id) { knownQuestions.append(id) }
            output.show(
                style.bold("New question \(id)")
                    + " (session \(Render.visible(event.sessionId ?? "?"))): \(Render.visible(event.content ?? "")) : /open \(id)"
            )
        case .questionAnswered:
            knownQuestions.removeAll { $0 == id }
            guard id != answering, event.authorName != agent || currentQuestion == id else { return }
            output.show(tag + "answered by \(Render.visible(event.authorName ?? "another agent")) (\(event.branch ?? "?"))")
            if currentQuestion == id { currentQuestion = nil }
        case .questionExpired:
            knownQuestions.removeAll { $0 == id }
            output.show(tag + style.warning("expired: the caller's request stopped waiting before anyone answered"))
            if currentQuestion == id { currentQuestion = nil }
        default:
            return
        }
    }
}
