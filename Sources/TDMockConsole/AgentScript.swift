import Foundation
public import Mustache
public import TDMockCore
import Yams

/// The rules of `tdmock agent --script FILE`: `rules:` for conversations, `questions:` for the
/// question-response API's questions (first match wins; a rule without `match` takes every question).
///
/// ```yaml
/// rules:
///   - match: {touchpoint_id: tp-web-chat, subject_contains: login, context: {sentiment: NEGATIVE}}
///     greeting: "Hi {{contact.name}}, this is Robo."
///     reply: "You said: {{message}}"
///     close_when_contact_says: [bye, thanks]
///     close_after_replies: 5
/// questions:
///   - match: {question_contains: earnings, attribute: {caller: "+15550100"}}
///     speak: "Third quarter earnings were {{attributes.region}} 4.2 million."
///   - match: {question_contains: goodbye}
///     disconnect: "Goodbye."
///   - fail: no_workflow
/// ```
public struct AgentScript: Sendable {
    /// How a question rule answers: each text a template of `{{question}}`, `{{session_id}}`, `{{attributes.KEY}}`.
    public enum QuestionReply: Sendable {
        case speak(MustacheTemplate)
        case disconnect(MustacheTemplate?)
        case fail(MustacheTemplate?)
    }

    public struct QuestionRule: Sendable {
        public var questionContains: String?
        public var attributes: [String: String] = [:]
        public var reply: QuestionReply

        public func matches(_ question: String, attributes given: [String: String]) -> Bool {
            if let questionContains, !question.localizedCaseInsensitiveContains(questionContains) { return false }
            return attributes.allSatisfy { given[$0.key] == $0.value }
        }

        /// The answer this rule gives to a question.
        public func answer(question: String, sessionID: String, attributes: [String: String]) -> QuestionAnswer {
            let values: [String: Any] = ["question": question, "session_id": sessionID, "attributes": attributes]
            func render(_ template: MustacheTemplate?) -> String? {
                template.map { $0.render(values).trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            switch reply {
            case .speak(let template): return .speak(render(template) ?? "")
            case .disconnect(let template): return .disconnect(render(template))
            case .fail(let template): return .failed(render(template) ?? "no_answer")
            }
        }
    }

    public var questions: [QuestionRule] = []

    /// The first question rule that takes a question.
    public func questionRule(question: String, attributes: [String: String]) -> QuestionRule? {
        questions.first { $0.matches(question, attributes: attributes) }
    }

    public struct Rule: Sendable {
        public var touchpointID: String?
        public var subjectContains: String?
        public var context: [String: String] = [:]
        public var greeting: MustacheTemplate?
        public var reply: MustacheTemplate?
        public var closeWhenContactSays: [String] = []
        public var closeAfterReplies: Int?

        /// Whether this rule takes a conversation.
        public func matches(_ conversation: AgentWire.ConversationDetail) -> Bool {
            if let touchpointID, touchpointID != conversation.touchpointId { return false }
            if let subjectContains, !(conversation.subject ?? "").localizedCaseInsensitiveContains(subjectContains) { return false }
            for (key, value) in context {
                guard let actual = conversation.contextParameters[key], Render.jsonText(actual) == value else { return false }
            }
            return true
        }

        /// Whether the contact's message asks to end: one of the phrases, as whole words, in any letter case.
        public func wantsToClose(_ message: String) -> Bool {
            let said = Self.words(message)
            return closeWhenContactSays.contains { phrase in
                let wanted = Self.words(phrase)
                guard !wanted.isEmpty, wanted.count <= said.count else { return false }
                return (0...(said.count - wanted.count)).contains { said[$0..<($0 + wanted.count)].elementsEqual(wanted) }
            }
        }

        static func words(_ text: String) -> [String] {
            text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule], questions: [QuestionRule] = []) {
        self.rules = rules
        self.questions = questions
    }

    /// The first rule that takes the conversation.
    public func rule(for conversation: AgentWire.ConversationDetail) -> Rule? {
        rules.first { $0.matches(conversation) }
    }

    /// Renders a template with `{{message}}`, `{{contact.name}}`, `{{contact.email}}` and `{{context.KEY}}`.
    public static func render(_ template: MustacheTemplate, conversation: AgentWire.ConversationDetail, message: String?) -> String {
        var context: [String: String] = [:]
        for (key, value) in conversation.contextParameters { context[key] = Render.jsonText(value) }
        let values: [String: Any] = [
            "message": message ?? "",
            "contact": ["name": conversation.contactPerson.name ?? conversation.contactPerson.email, "email": conversation.contactPerson.email],
            "context": context,
        ]
        return template.render(values).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads a script file, refusing mistakes with the file, line and key named.
    public static func load(path: String) throws -> AgentScript {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConsoleError("cannot read the script \(path): \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> AgentScript {
        func fail(_ node: Node?, _ key: String, _ message: String) -> ConsoleError {
            ConsoleError("\(file)\(node?.mark.map { ":\($0.line)" } ?? ""): \(key): \(message)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConsoleError("\(file): not valid YAML: \(error)")
        }
        if let extra = root?.mapping?.keys.compactMap(\.string).first(where: { $0 != "rules" && $0 != "questions" }) {
            throw fail(root, extra, "unknown key; a script has only rules: and questions:")
        }
        guard let mapping = root?.mapping, mapping["rules"] != nil || mapping["questions"] != nil else {
            throw fail(root, "rules", "a script is a mapping with a list under rules: (conversations) or questions: (questions)")
        }
        let questions = try mapping["questions"].map { try parseQuestions($0, fail: fail) } ?? []
        guard let rulesNode = mapping["rules"] else { return AgentScript(rules: [], questions: questions) }
        guard let sequence = rulesNode.sequence else { throw fail(rulesNode, "rules", "expected a list of rules") }
        var rules: [Rule] = []
        for (index, item) in sequence.enumerated() {
            let key = "rules[\(index)]"
            guard let mapping = item.mapping else { throw fail(item, key, "expected a mapping") }
            var rule = Rule()
            for (keyNode, value) in mapping {
                let name = keyNode.string ?? ""
                let path = key + "." + name
                func template() throws -> MustacheTemplate {
                    guard let string = value.string else { throw fail(value, path, "expected a string") }
                    do {
                        return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + string)
                    } catch {
                        throw fail(value, path, "not a valid template: \(error)")
                    }
                }
                switch name {
                case "match":
                    guard let match = value.mapping else { throw fail(value, path, "expected a mapping") }
                    for (matchKey, matchValue) in match {
                        switch matchKey.string ?? "" {
                        case "touchpoint_id": rule.touchpointID = matchValue.string
                        case "subject_contains": rule.subjectContains = matchValue.string
                        case "context":
                            guard let pairs = matchValue.mapping else { throw fail(matchValue, path + ".context", "expected a mapping") }
                            for (contextKey, contextValue) in pairs {
                                if let k = contextKey.string, let v = contextValue.string { rule.context[k] = v }
                            }
                        default:
                            throw fail(
                                matchKey,
                                path + "." + (matchKey.string ?? ""),
                                "unknown key; expected touchpoint_id, subject_contains, context"
                            )
                        }
                    }
                case "greeting": rule.greeting = try template()
                case "reply": rule.reply = try template()
                case "close_when_contact_says":
                    guard let list = value.sequence?.compactMap(\.string) else { throw fail(value, path, "expected a list of words") }
                    rule.closeWhenContactSays = list
                case "close_after_replies":
                    guard let count = value.int, count >= 1 else { throw fail(value, path, "expected a whole number of at least 1") }
                    rule.closeAfterReplies = count
                default:
                    throw fail(keyNode, path, "unknown key; expected match, greeting, reply, close_when_contact_says, close_after_replies")
                }
            }
            rules.append(rule)
        }
        guard !rules.isEmpty else { throw fail(rulesNode, "rules", "at least one rule is needed") }
        return AgentScript(rules: rules, questions: questions)
    }

    private static func parseQuestions(_ node: Node, fail: (Node?, String, String) -> ConsoleError) throws -> [QuestionRule] {
        guard let sequence = node.sequence, !sequence.isEmpty else { throw fail(node, "questions", "expected a list of question rules") }
        var rules: [QuestionRule] = []
        for (index, item) in sequence.enumerated() {
            let key = "questions[\(index)]"
            guard let mapping = item.mapping else { throw fail(item, key, "expected a mapping") }
            var contains: String?
            var attributes: [String: String] = [:]
            var reply: QuestionReply?
            for (keyNode, value) in mapping {
                let name = keyNode.string ?? ""
                let path = key + "." + name
                func template(optional: Bool) throws -> MustacheTemplate? {
                    if optional, value.null != nil { return nil }
                    guard let string = value.string else { throw fail(value, path, "expected a string") }
                    do {
                        return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + string)
                    } catch {
                        throw fail(value, path, "not a valid template: \(error)")
                    }
                }
                if ["speak", "disconnect", "fail"].contains(name), reply != nil {
                    throw fail(keyNode, path, "a question rule answers one way: speak, disconnect or fail")
                }
                switch name {
                case "match":
                    guard let match = value.mapping else { throw fail(value, path, "expected a mapping") }
                    for (matchKey, matchValue) in match {
                        switch matchKey.string ?? "" {
                        case "question_contains":
                            guard let text = matchValue.string else { throw fail(matchValue, path + ".question_contains", "expected a string") }
                            contains = text
                        case "attribute", "attributes":
                            guard let pairs = matchValue.mapping else { throw fail(matchValue, path + ".attribute", "expected a mapping") }
                            for (attributeKey, attributeValue) in pairs {
                                guard let k = attributeKey.string, let v = attributeValue.string else {
                                    throw fail(attributeValue, path + ".attribute", "expected a mapping of strings")
                                }
                                attributes[k] = v
                            }
                        default:
                            throw fail(matchKey, path + "." + (matchKey.string ?? ""), "unknown key; expected question_contains, attribute")
                        }
                    }
                case "speak":
                    guard let text = try template(optional: false) else { throw fail(value, path, "expected a string") }
                    reply = .speak(text)
                case "disconnect": reply = .disconnect(try template(optional: true))
                case "fail": reply = .fail(try template(optional: true))
                default:
                    throw fail(keyNode, path, "unknown key; expected match and one of speak, disconnect, fail")
                }
            }
            guard let reply else { throw fail(item, key, "a question rule needs speak, disconnect or fail") }
            rules.append(QuestionRule(questionContains: contains, attributes: attributes, reply: reply))
        }
        return rules
    }
}

/// Answers conversations by the script's rules, as a person at the console would: a client of the agent API.
public actor ScriptedAgent {
    let api: any AgentAPI
    let agent: String
    let script: AgentScript
    let log: @Sendable (String) -> Void
    private var handled: [String: (rule: AgentScript.Rule, conversation: AgentWire.ConversationDetail, replies: Int)] = [:]
    private var seen: Set<String> = []

    /// Whether each answered question is logged (not only failures): off for load runs.
    let verbose: Bool

    public init(api: any AgentAPI, agent: String, script: AgentScript, verbose: Bool = true, log: @escaping @Sendable (String) -> Void) {
        self.verbose = verbose
        self.api = api
        self.agent = agent
        self.script = script
        self.log = log
    }

    /// Takes the conversations and questions already queued, then follows `events` until they end.
    /// Questions are answered side by side (each answer is one request, whatever the others do);
    /// conversations in the order their events come.
    public func run(events: AsyncThrowingStream<InboxEvent, any Error>) async throws {
        if !script.rules.isEmpty {
            for conversation in try await api.conversations(status: "queued").reversed() { await take(conversation.id) }
        }
        // A discarding group: a long-running agent answers millions of questions, and a plain group keeps
        // every finished child until it is awaited.
        try await withThrowingDiscardingTaskGroup { group in
            if !script.questions.isEmpty {
                for question in try await api.questions(status: "queued") {
                    group.addTask {
                        await self.answer(
                            question: question.id,
                            text: question.question,
                            sessionID: question.sessionId,
                            attributes: question.attributes
                        )
                    }
                }
            }
            for try await event in events {
                if event.event == .questionCreated, let id = event.questionId {
                    group.addTask {
                        await self.answer(
                            question: id,
                            text: event.content ?? "",
                            sessionID: event.sessionId ?? "",
                            attributes: event.attributes ?? [:]
                        )
                    }
                } else {
                    await handle(event)
                }
            }
            group.cancelAll()
        }
    }

    public func handle(_ event: InboxEvent) async {
        if event.event == .questionCreated, let id = event.questionId {
            await answer(question: id, text: event.content ?? "", sessionID: event.sessionId ?? "", attributes: event.attributes ?? [:])
            return
        }
        guard let id = event.conversationId else { return }
        switch event.event {
        case .conversationCreated: await take(id)
        case .contactMessage: await answer(id, message: event.content ?? "")
        case .contactLeft:
            if handled.removeValue(forKey: id) != nil { log("\(id): the contact left") }
        default: break
        }
    }

    /// Answers a question by the first `questions:` rule that matches; one no rule matches is left to people.
    nonisolated func answer(question id: String, text: String, sessionID: String, attributes: [String: String]) async {
        guard let rule = script.questionRule(question: text, attributes: attributes) else { return }
        let answer = rule.answer(question: text, sessionID: sessionID, attributes: attributes)
        do {
            _ = try await api.answer(id, agent: agent, answer: answer)
            if verbose { log("question \(id): \(answer.type)") }
        } catch {
            log("question \(id): \(error)")
        }
    }

    private func take(_ id: String) async {
        guard !seen.contains(id) else { return }
        seen.insert(id)
        do {
            let conversation = try await api.conversation(id)
            guard conversation.status == .queued, let rule = script.rule(for: conversation) else { return }
            handled[id] = (rule, conversation, 0)
            if let greeting = rule.greeting {
                _ = try await api.reply(id, agent: agent, content: AgentScript.render(greeting, conversation: conversation, message: nil))
                log("\(id): greeted \(Render.contactName(conversation.contactPerson))")
            } else {
                _ = try await api.assign(id, agent: agent)
                log("\(id): assigned")
            }
        } catch {
            log("\(id): \(error)")
        }
    }

    private func answer(_ id: String, message: String) async {
        guard var state = handled[id] else { return }
        do {
            if state.rule.wantsToClose(message) {
                handled[id] = nil
                _ = try await api.close(id, agent: agent)
                log("\(id): closed (the contact said \"\(message)\")")
                return
            }
            if let reply = state.rule.reply {
                _ = try await api.reply(id, agent: agent, content: AgentScript.render(reply, conversation: state.conversation, message: message))
                state.replies += 1
                log("\(id): replied")
            }
            if let limit = state.rule.closeAfterReplies, state.replies >= limit {
                handled[id] = nil
                _ = try await api.close(id, agent: agent)
                log("\(id): closed after \(state.replies) replies")
                return
            }
            handled[id] = state
        } catch {
            log("\(id): \(error)")
        }
    }
}
