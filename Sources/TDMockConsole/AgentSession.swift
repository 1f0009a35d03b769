import Foundation
import TDMockCore

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
    private var names: [String: String] = [:]
    private var knownIDs: [String] = []

    public init(api: any AgentAPI, agent: String, mode: Mode, style: Style, output: any ConsoleOutput) {
        self.api = api
        self.agent = agent
        self.mode = mode
        self.style = style
        self.output = output
        if case .reply(let id) = mode { current = id }
    }

    static let replyCommands = ["/assign", "/close", "/help", "/quit", "/transcript"]
    static let consoleCommands = ["/assign", "/close", "/help", "/inbox", "/open", "/quit", "/transcript"]

    public var commands: [String] { mode == .console ? Self.consoleCommands : Self.replyCommands }

    /// What Tab completes: the slash commands and the ids of the conversations in the inbox.
    public var completions: [String] { commands + knownIDs }

    public var prompt: String {
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
            output.show(style.dim("/open <id> answers a conversation; /help lists the commands; Tab completes them."))
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
        if printing { output.show(open.isEmpty ? "The inbox is empty: no queued or assigned conversations." : Render.inbox(open, style: style)) }
    }

    /// Handles one typed line; false when the session should end.
    public func handle(line raw: String) async -> Bool {
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return true }
        do {
            if line.hasPrefix("/") { return try await command(line) }
            guard let current else {
                output.show(style.warning("No conversation is open: /open <id> first (/inbox lists them)."))
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
            guard !argument.isEmpty else { throw ConsoleError("/open takes a conversation id (Tab completes it)") }
            let id = try await resolve(argument)
            let conversation = try await api.conversation(id)
            current = id
            show(conversation)
        default:
            throw ConsoleError("unknown command \(name); /help lists the commands")
        }
        return true
    }

    /// A whole id, or a prefix that names exactly one open conversation.
    private func resolve(_ text: String) async throws -> String {
        if knownIDs.contains(text) { return text }
        try await refreshInbox(printing: false)
        let matches = knownIDs.filter { $0.hasPrefix(text) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw ConsoleError("\(text) matches \(matches.count) conversations; type more of the id") }
        return text
    }

    private func help() -> String {
        var lines = [
            "Type a line and press Enter to send it to the contact.",
            "  /assign       take the conversation (sends conversation_started)",
            "  /close        close it (sends conversation_ended)\(mode == .console ? "" : " and leave")",
            "  /transcript   show the transcript again",
        ]
        if mode == .console {
            lines += ["  /inbox        list the open conversations", "  /open <id>    answer a conversation (Tab completes ids)"]
        }
        lines += ["  /help         this list", "  /quit         leave without closing (Ctrl-D too)", "Up and Down walk the lines you sent."]
        return lines.joined(separator: "\n")
    }

    /// Shows an event that happened elsewhere: the contact writing or leaving, a new conversation, a failed callback.
    public func handle(event: InboxEvent) async {
        let id = event.conversationId
        let isCurrent = id == current
        let tag = isCurrent ? "" : style.dim("[\(id.prefix(8))] ")
        switch event.event {
        case .contactMessage:
            guard isCurrent || mode == .console else { return }
            let name = names[id] ?? "contact"
            let message = AgentWire.MessageView(
                Message(
                    id: event.messageId ?? "", conversationID: id, author: .contact, authorName: name, content: event.content ?? "",
                    attachments: [], createdAt: Timestamp.date(from: event.time) ?? Date()))
            output.show(tag + Render.message(message, style: style))
        case .contactLeft:
            guard isCurrent || mode == .console else { return }
            output.show(tag + style.warning("\(names[id] ?? "The contact") left the conversation."))
            if mode == .console && !isCurrent { knownIDs.removeAll { $0 == id } }
        case .conversationCreated:
            guard mode == .console else { return }
            if let name = event.authorName { names[id] = Render.visible(name) }
            if !knownIDs.contains(id) { knownIDs.append(id) }
            output.show(style.bold("New conversation \(id)") + " from \(names[id] ?? "a contact") on \(Render.visible(event.touchpointId ?? "?")): /open \(id)")
        case .messageCreated:
            // Another agent (or another session) answering the conversation on screen.
            guard isCurrent, event.authorName != agent else { return }
            output.show(style.agent(Render.visible(event.authorName ?? "another agent")) + ": \(Render.visible(event.content ?? ""))")
        case .callbackFailed:
            guard isCurrent || mode == .console else { return }
            let why = event.statusCode.map { "HTTP \($0)" } ?? event.error ?? "no answer"
            output.show(tag + style.error("callback \(event.eventType?.rawValue ?? "?") failed (\(why)): tdmock redeliver \(event.deliveryId ?? "")"))
        case .conversationStarted, .conversationEnded, .callbackDelivered:
            return
        }
    }
}
