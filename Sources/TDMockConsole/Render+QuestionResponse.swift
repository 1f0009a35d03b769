import Foundation
public import TDMockCore

/// How the agent's side shows the question-response line: questions, and calls with their turns.
extension Render {
    static func answerText(_ answer: QuestionWire.Answer?) -> String {
        guard let answer else { return "-" }
        switch answer.type {
        case "speak": return "speak: \(visible(answer.text ?? ""))"
        case "disconnect": return "disconnect" + (answer.text.map { ": \(visible($0))" } ?? "")
        default: return "failed: \(visible(answer.reason ?? ""))"
        }
    }

    public static func questions(_ questions: [QuestionWire.View], style: Style) -> String {
        guard !questions.isEmpty else { return "No questions." }
        let rows = questions.map { question in
            [
                question.id, question.status.rawValue, visible(question.sessionId), question.createdAt, visible(question.question),
                answerText(question.answer),
            ]
        }
        return table(["ID", "STATUS", "SESSION", "ASKED", "QUESTION", "ANSWER"], rows, style: style)
    }

    /// A question with the caller's attributes and the session's earlier questions and answers.
    public static func question(_ detail: QuestionWire.Detail, style: Style) -> String {
        let question = detail.question
        var lines = [
            style.bold("Question \(question.id)") + "  [\(question.status.rawValue)]",
            "Session:     \(visible(question.sessionId))",
        ]
        for (index, (key, value)) in question.attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            lines.append((index == 0 ? "Attributes:  " : "             ") + "\(visible(key)) = \(visible(value))")
        }
        let earlier = detail.session.filter { $0.id != question.id }
        if !earlier.isEmpty {
            lines.append("")
            lines.append(style.bold("Earlier in this session"))
            for item in earlier {
                lines.append("\(style.dim(clock(item.createdAt)))  \(style.contact("caller")): \(visible(item.question))")
                lines.append(
                    "          \(style.agent(visible(item.answeredBy ?? "tdmock"))): \(item.status == .expired ? "(expired: nobody answered)" : answerText(item.answer))"
                )
            }
        }
        lines.append("")
        lines.append("\(style.dim(clock(question.createdAt)))  \(style.contact("caller")): \(visible(question.question))")
        if question.status != .queued {
            lines.append(
                "          \(style.agent(visible(question.answeredBy ?? "tdmock"))): \(question.status == .expired ? "(expired: nobody answered)" : answerText(question.answer))"
            )
        }
        return lines.joined(separator: "\n")
    }

    public static func contacts(_ contacts: [ConnectWire.ContactView], style: Style) -> String {
        guard !contacts.isEmpty else { return "No calls." }
        let rows = contacts.map { contact in
            [
                contact.contactId, contact.status, visible(contact.caller ?? "-"), String(contact.turnCount), contact.endedBy?.rawValue ?? "-",
                contact.createdAt,
            ]
        }
        return table(["CONTACT", "STATUS", "CALLER", "TURNS", "ENDED BY", "STARTED"], rows, style: style)
    }

    /// A call: each turn's utterance, the Lambda's answer and latency, the branch and what Connect played.
    public static func contact(_ contact: ConnectWire.ContactView, verbose: Bool, style: Style) -> String {
        var lines = [
            style.bold("Contact \(contact.contactId)") + "  [\(contact.status)\(contact.endedBy.map { ": \($0.rawValue)" } ?? "")]",
            "Caller:      \(visible(contact.caller ?? "-"))",
            "Started:     \(contact.createdAt)",
        ]
        for (index, (key, value)) in contact.sessionAttributes.sorted(by: { $0.key < $1.key }).enumerated() {
            lines.append((index == 0 ? "Session:     " : "             ") + "\(visible(key)) = \(visible(value))")
        }
        for (index, (key, value)) in contact.attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            lines.append((index == 0 ? "Attributes:  " : "             ") + "\(visible(key)) = \(visible(value))")
        }
        if let queue = contact.queue { lines.append("Queue:       \(visible(queue))") }
        if let start = contact.start {
            lines.append("")
            lines.append("          Flow: \(path(start.path, style: style))")
            lines.append("          Connect: \(visible(start.prompt))")
        }
        for turn in contact.turns ?? [] {
            lines.append("")
            let said = turn.utterance.isEmpty ? style.dim("(silence)") : visible(turn.utterance)
            lines.append("\(style.dim(clock(turn.at)))  #\(turn.turn) \(style.contact("caller")): \(said)")
            let branch = turn.branch == .error ? style.error(turn.branch.rawValue) : style.bold(turn.branch.rawValue)
            if turn.lexEvent.isNull {
                // No bot heard this turn (silence, DTMF): no code hook was called.
                lines.append("          -> \(branch)")
            } else {
                let lambda = turn.lambda.statusCode.map { "HTTP \($0)" } ?? "no answer"
                let timing = String(format: "%.1f ms", turn.lambda.latencyMs)
                lines.append(
                    "          Lambda: \(lambda)\(turn.lambda.functionError.map { " (X-Amz-Function-Error: \($0))" } ?? ""), \(timing) -> \(branch)"
                )
            }
            if let error = turn.error { lines.append("          " + style.error("error: \(visible(error))")) }
            if let note = turn.note { lines.append("          " + style.warning(visible(note))) }
            if !turn.path.isEmpty { lines.append("          Flow: \(path(turn.path, style: style))") }
            lines.append("          Connect: \(visible(turn.prompt))\(turn.ended ? style.dim(" (hangs up)") : "")")
            if verbose, !turn.lexEvent.isNull {
                lines.append("          Lex event: \(visible(jsonText(turn.lexEvent)))")
                lines.append("          answer:    \(visible(turn.lambda.answer.map(jsonText) ?? "-"))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension Render {
    /// A stretch of a call through its flow: each action, and the transition it left by in brackets. The
    /// console's UUID identifiers are shortened to their first 8 digits (`--json` has them whole).
    static func path(_ steps: [FlowStep], style: Style) -> String {
        steps.map { step in
            var text = visible(UUID(uuidString: step.action) == nil ? step.action : step.action.prefix(8) + "…")
            if let transition = step.transition, transition != FlowTransition.nextAction { text += style.dim(" [\(visible(transition))]") }
            if let note = step.note { text += style.dim(" (\(visible(note)))") }
            return text
        }.joined(separator: " -> ")
    }

    /// The flows' coverage: each action with its runs, each transition with its takes; never run or taken
    /// stands out.
    public static func coverage(_ coverage: ConnectWire.Coverage, style: Style) -> String {
        var lines: [String] = []
        for flow in coverage.flows {
            lines.append(style.bold("Flow \(flow.flow)") + style.dim("  \(visible(flow.file))"))
            for action in flow.actions {
                let runs = action.runs == 0 ? style.warning("never run") : "run \(action.runs)x"
                lines.append("  \(visible(action.identifier)) (\(action.type)): \(runs)")
                for transition in action.transitions {
                    let taken = transition.taken == 0 ? style.warning("never taken") : "taken \(transition.taken)x"
                    lines.append("      \(visible(transition.transition)) -> \(visible(transition.next)): \(taken)")
                }
            }
            lines.append("")
        }
        let totals = coverage.totals
        lines.append(
            "Since \(coverage.since): \(totals.actionsRun) of \(totals.actions) actions run, "
                + "\(totals.transitionsTaken) of \(totals.transitions) transitions taken."
        )
        return lines.joined(separator: "\n")
    }

    /// The request journal: one line per request, the error's message beside a refused one.
    public static func requests(_ entries: [JournalEntry], style: Style) -> String {
        guard !entries.isEmpty else { return "No requests journalled (the Talkdesk surface, the question-response API and the AWS APIs are)." }
        let rows = entries.map { entry in
            let status = entry.status >= 400 ? style.error(String(entry.status)) : String(entry.status)
            return [
                clock(entry.time), entry.method, visible(entry.path), status, String(format: "%.1f", entry.latencyMs),
                visible(errorMessage(entry.errorBody)),
            ]
        }
        return table(["TIME", "METHOD", "PATH", "STATUS", "MS", "ERROR"], rows, style: style)
    }

    /// The one line of an error body: its `description`, `message` or `error_description`, else the body.
    static func errorMessage(_ body: String?) -> String {
        guard let body else { return "" }
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
            for key in ["description", "message", "error_description", "error"] {
                if let text = object[key] as? String { return text }
            }
        }
        return body.replacingOccurrences(of: "\n", with: " ")
    }
}
