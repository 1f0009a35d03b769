public import Foundation
public import TDMockCore

/// Terminal colours, only when writing to a terminal and `NO_COLOR` is not set.
public struct Style: Sendable {
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Colour for standard output when it is a terminal and NO_COLOR is unset (https://no-color.org).
    public static func forStandardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        Style(enabled: isatty(STDOUT_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty)
    }

    func wrap(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    public func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func contact(_ text: String) -> String { wrap(text, "36") }
    func agent(_ text: String) -> String { wrap(text, "32") }
    func warning(_ text: String) -> String { wrap(text, "33") }
    func error(_ text: String) -> String { wrap(text, "31") }
}

/// How the agent's side shows the inbox, a conversation and the callback journal.
public enum Render {
    /// `HH:MM:SS` of a timestamp (UTC, as Talkdesk's times are).
    public static func clock(_ timestamp: String) -> String {
        guard timestamp.count >= 19 else { return timestamp }
        let start = timestamp.index(timestamp.startIndex, offsetBy: 11)
        return String(timestamp[start..<timestamp.index(start, offsetBy: 8)])
    }

    static func contactName(_ person: AgentWire.ContactPersonView) -> String {
        visible(person.name ?? person.email)
    }

    /// Text that came from a contact, an agent or an integration, as a terminal should show it: U+0000 as
    /// `\0` and the other control characters (but newline and tab) as `\xHH`, so that nothing is hidden or
    /// cut short and no escape sequence reaches the terminal.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if scalar == "\0" {
                out += "\\0"
            } else if needsEscape(scalar) {
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16, uppercase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: false
        case 0x00..<0x20, 0x7F..<0xA0: true
        default: false
        }
    }

    /// A plain table: a header row and left-aligned columns.
    static func table(_ header: [String], _ rows: [[String]], style: Style) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([style.bold(line(header))] + rows.map(line)).joined(separator: "\n")
    }

    public static func inbox(_ conversations: [AgentWire.ConversationSummary], style: Style) -> String {
        guard !conversations.isEmpty else { return "No conversations." }
        let rows = conversations.map { conversation in
            [
                conversation.id, conversation.status.rawValue, contactName(conversation.contactPerson),
                conversation.agent.map(visible) ?? "-", String(conversation.messageCount), conversation.lastActivityAt,
                visible(conversation.subject ?? ""),
            ]
        }
        return table(["ID", "STATUS", "CONTACT", "AGENT", "MSGS", "LAST ACTIVITY", "SUBJECT"], rows, style: style)
    }

    static func jsonText(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONCoding.text(value)
    }

    /// The head of a conversation: contact, status, touchpoint, subject, context parameters.
    public static func header(_ conversation: AgentWire.ConversationDetail, style: Style) -> String {
        var status = conversation.status.rawValue
        if let agent = conversation.agent, conversation.status == .assigned { status += " to \(visible(agent))" }
        if conversation.status == .ended, let by = conversation.endedBy { status += " by the \(by.rawValue)" }
        let email = visible(conversation.contactPerson.email)
        var lines = [
            style.bold("Conversation \(conversation.id)") + "  [\(status)]",
            "Contact:     \(conversation.contactPerson.name.map { "\(visible($0)) <\(email)>" } ?? email)",
            "Touchpoint:  \(visible(conversation.touchpointId))",
        ]
        if let subject = conversation.subject { lines.append("Subject:     \(visible(subject))") }
        let context = conversation.contextParameters.sorted { $0.key < $1.key }
        for (index, (key, value)) in context.enumerated() {
            lines.append((index == 0 ? "Context:     " : "             ") + "\(visible(key)) = \(visible(jsonText(value)))")
        }
        lines.append("Started:     \(conversation.createdAt)")
        return lines.joined(separator: "\n")
    }

    /// One transcript line: `08:00:05  Ana: text`.
    public static func message(_ message: AgentWire.MessageView, style: Style) -> String {
        let name = visible(message.authorName ?? message.author.rawValue)
        let who: String
        switch message.author {
        case .contact: who = style.contact(name)
        case .agent: who = style.agent(name)
        case .system: who = style.dim(name)
        }
        var text = visible(message.content)
        let files = message.attachments.map { file in
            let facts = [file.type.map(visible), file.size.map { "\($0) bytes" }].compactMap { $0 }
            return visible(file.name ?? file.id ?? "attachment") + (facts.isEmpty ? "" : " (\(facts.joined(separator: ", ")))")
        }
        if !files.isEmpty { text += (text.isEmpty ? "" : " ") + "[attached: \(files.joined(separator: ", "))]" }
        return "\(style.dim(clock(message.createdAt)))  \(who): \(text)"
    }

    public static func transcript(_ conversation: AgentWire.ConversationDetail, style: Style) -> String {
        guard !conversation.messages.isEmpty else { return style.dim("(no messages yet)") }
        return conversation.messages.map { message($0, style: style) }.joined(separator: "\n")
    }

    static func outcome(_ delivery: AgentWire.DeliveryView) -> String {
        if let code = delivery.lastStatusCode { return "HTTP \(code)" }
        if let error = delivery.lastError { return error }
        return delivery.waiting ?? "-"
    }

    public static func callbacks(_ deliveries: [AgentWire.DeliveryView], style: Style) -> String {
        guard !deliveries.isEmpty else { return "No callback deliveries." }
        let rows = deliveries.map { delivery in
            [
                delivery.deliveryId, delivery.conversationId, delivery.eventType.rawValue, delivery.status.rawValue,
                String(delivery.attempts), outcome(delivery),
            ]
        }
        return table(["DELIVERY", "CONVERSATION", "EVENT", "STATUS", "ATTEMPTS", "LAST"], rows, style: style)
    }

    /// The whole of `tdmock show`.
    public static func conversation(_ conversation: AgentWire.ConversationDetail, style: Style) -> String {
        var parts = [header(conversation, style: style), "", style.bold("Transcript"), transcript(conversation, style: style)]
        parts += ["", style.bold("Callbacks")]
        if conversation.callbacks.isEmpty {
            parts.append(style.dim("(none yet: callbacks follow the agent's actions)"))
        } else {
            for delivery in conversation.callbacks {
                let timings = delivery.journal.map { attempt in
                    "#\(attempt.attempt) \(attempt.statusCode.map { "HTTP \($0)" } ?? attempt.error ?? "?") \(String(format: "%.1f", attempt.latencyMs)) ms"
                }
                let status =
                    delivery.status == .failed
                    ? style.error(delivery.status.rawValue)
                    : delivery.status == .pending ? style.warning(delivery.status.rawValue) : delivery.status.rawValue
                var line = "\(delivery.eventType.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0)) \(status)  \(delivery.deliveryId)"
                if !timings.isEmpty { line += "  " + timings.joined(separator: ", ") }
                if let waiting = delivery.waiting { line += "  (\(waiting))" }
                parts.append(line)
            }
        }
        return parts.joined(separator: "\n")
    }

    /// Pretty, sorted JSON for `--json`.
    public static func json(_ value: some Encodable) -> String {
        (try? JSONCoding.prettyEncoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
