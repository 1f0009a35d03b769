import Foundation
package import Hummingbird
import Synchronization
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// tdmock's Amazon Connect (docs/question-response.md, docs/contact-flows.md) under `/connect/v1`: a call is a contact that runs the
/// contact flow from wait to wait (`FlowEngine`), its bot blocks answered by Lex's runtime; each stretch is
/// recorded with its path and counted in the coverage. On the agent API's footing: open on loopback, the
/// agent token beyond it.
package struct ConnectController {
    static let prefix = "/connect/v1"
    let services: AppServices
    let events: EventHub
    /// Contacts whose utterance is with the Lambda: a second one meanwhile is refused (409).
    let busy = BusyContacts()

    /// Runs each call through the flow: the user's (`connect.flow`) or the built-in question flow; its bot
    /// blocks answer through Lex's runtime, as RecognizeText's bots do.
    let engine: FlowEngine

    package init(services: AppServices, events: EventHub, lex: LexRuntime) {
        self.services = services
        self.events = events
        engine = Self.engine(services: services, lex: lex)
    }

    /// The flow engine on the configuration's flows, bots, functions, hours and harness.
    static func engine(services: AppServices, lex: LexRuntime) -> FlowEngine {
        let connect = services.configuration.connect
        return FlowEngine(
            registry: services.flows,
            lex: lex,
            functions: lex.functions,
            builtIn: connect.flows.builtIn ? connect.flow : nil,
            hours: connect.hours,
            harness: services.connect
        )
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group(RouterPath(Self.prefix))
        group.post("contacts") { request, _ in try await start(request) }
        group.get("contacts") { _, _ in try await list() }
        group.get("contacts/:id") { _, context in try await show(try context.parameters.require("id")) }
        group.post("contacts/:id/utterances") { request, context in try await utterance(request, id: try context.parameters.require("id")) }
        group.delete("contacts/:id") { _, context in try await hangUp(try context.parameters.require("id")) }
        group.get("coverage") { _, _ in JSONResponse.make(status: .ok, body: services.coverage.report(services.flows.flowSet())) }
    }

    private func start(_ request: Request) async throws -> Response {
        let body = try await request.jsonObject(of: Self.surface, emptyAllowed: true)
        func invalid(_ message: String) -> AgentAPIError { AgentAPIError(.badRequest, "invalid_request", message) }
        var caller: String?
        if let value = body["caller"], !value.isNull {
            guard let text = value.stringValue, !Blank.isBlank(text) else { throw invalid("caller must be a non-empty string (the caller's number)") }
            caller = text
        }
        // The contact's attributes, and nothing else, are the first turn's session attributes (docs/question-response.md).
        var attributes: [String: String] = [:]
        if let value = body["attributes"], !value.isNull {
            guard let object = value.objectValue else { throw invalid("attributes must be an object of strings, not \(value.typeDescription)") }
            for (key, item) in object {
                guard let text = item.stringValue else { throw invalid("attributes.\(key) must be a string, not \(item.typeDescription)") }
                attributes[key] = text
            }
        }
        var channel = FlowContactState.voice
        if let value = body["channel"], !value.isNull {
            guard let text = value.stringValue, [FlowContactState.voice, FlowContactState.chat].contains(text) else {
                throw invalid("channel must be VOICE or CHAT, not \(value.stringValue.map { "'\($0)'" } ?? value.typeDescription)")
            }
            channel = text
        }
        // The flow the call enters: `main` (the configuration's), or any flow by id (a connect.flows one, or
        // one made through Connect's flow API).
        var flowID = "main"
        if let value = body["flow_id"], !value.isNull {
            guard let text = value.stringValue, !Blank.isBlank(text) else {
                throw invalid("flow_id must be a flow's id, not \(value.typeDescription)")
            }
            guard services.flows.flow(text) != nil else {
                throw AgentAPIError(.notFound, "not_found", "no flow '\(text)': the configuration's ids and those of CreateContactFlow are known")
            }
            flowID = text
        }
        let id = Self.contactID(services.ids.identifier())
        let run = await engine.start(contactID: id, caller: caller, attributes: attributes, channel: channel, flowID: flowID)
        let now = services.clock()
        let outcome = outcome(of: run)
        let contact = Contact(
            id: id,
            caller: caller,
            sessionAttributes: run.lexAttributes,
            endedBy: run.ended ? outcome.branch : nil,
            createdAt: now,
            endedAt: run.ended ? now : nil,
            flowState: run.state,
            startPath: run.path,
            startPrompt: run.prompt
        )
        try await services.database.startContact(contact)
        services.coverage.record(run.path)
        var published = [InboxEvent.call(.callStarted, contactID: id, time: now, content: caller)]
        if run.ended { published.append(.call(.callEnded, contactID: id, time: now, branch: outcome.branch.rawValue)) }
        events.publish(published)
        return JSONResponse.make(
            status: .created,
            body: ConnectWire.Created(contactID: id, prompt: run.prompt, ended: run.ended, error: outcome.branch == .error ? outcome.note : nil)
        )
    }

    /// Connect's contact ids are UUIDs: tdmock's 32 hex digits, laid out as one.
    static func contactID(_ hex: String) -> String {
        let characters = Array(hex)
        guard characters.count == 32 else { return hex }
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    private func list() async throws -> Response {
        let contacts = try await services.database.contacts()
        return JSONResponse.make(status: .ok, body: contacts.map { ConnectWire.ContactView($0.contact, turnCount: $0.turns, withTurns: false) })
    }

    private func show(_ id: String) async throws -> Response {
        guard let contact = try await services.database.contact(id) else { throw AgentAPIError(InboxError.contactNotFound(id)) }
        return JSONResponse.make(status: .ok, body: ConnectWire.ContactView(contact, withTurns: true))
    }

    private func hangUp(_ id: String) async throws -> Response {
        let now = services.clock()
        do {
            try await services.database.hangUp(contactID: id, now: now)
        } catch let error as InboxError {
            throw AgentAPIError(error)
        }
        events.publish(.call(.callEnded, contactID: id, time: now, branch: CallBranch.hangup.rawValue))
        return Response(status: .noContent)
    }

    private func utterance(_ request: Request, id: String) async throws -> Response {
        let arrived = ContinuousClock.now
        let body = try await request.jsonObject(of: Self.surface)
        let input: FlowEngine.Input
        if let silence = body["silence"], !silence.isNull {
            guard case .bool(true) = silence else {
                throw AgentAPIError(.badRequest, "invalid_request", "silence must be true (the caller says nothing), or left out")
            }
            guard body["text"] == nil else {
                throw AgentAPIError(.badRequest, "invalid_request", "give text (what the caller said) or silence: true (nothing), not both")
            }
            input = .silence
        } else {
            guard let value = body["text"] else {
                throw AgentAPIError(.badRequest, "invalid_request", "text is required: what the caller said (or silence: true)")
            }
            guard let text = value.stringValue else {
                throw AgentAPIError(.badRequest, "invalid_request", "text must be a string, not \(value.typeDescription)")
            }
            guard !Blank.isBlank(text) else {
                throw AgentAPIError(.badRequest, "invalid_request", "text must not be empty: the caller said nothing (send silence: true for that)")
            }
            input = .speech(text)
        }
        // Claimed before the contact is read: an utterance right after one that ended the call reads it ended.
        guard busy.claim(id) else { throw AgentAPIError(InboxError.contactBusy(id)) }
        defer { busy.release(id) }
        guard let contact = try await services.database.contactHead(id) else { throw AgentAPIError(InboxError.contactNotFound(id)) }
        if let how = contact.endedBy { throw AgentAPIError(InboxError.contactEnded(id, how: how.rawValue)) }
        if let refusal = engine.refusal(of: input, state: contact.flowState) { throw AgentAPIError(.badRequest, "invalid_request", refusal) }

        let started = services.clock()
        let said: String
        switch input {
        case .speech(let text): said = text
        case .silence: said = ""
        }
        events.publish(.call(.callerUtterance, contactID: id, time: started, content: said))
        let run = await engine.resume(
            contactID: id,
            caller: contact.caller,
            state: contact.flowState,
            lexAttributes: contact.sessionAttributes,
            input: input
        )
        let outcome = outcome(of: run)
        let result = run.recordedResult
        let now = services.clock()
        let turn = CallTurn(
            utterance: said,
            event: run.recordedEvent.map { String(decoding: $0, as: UTF8.self) } ?? "",
            statusCode: result?.statusCode,
            functionError: result?.functionError,
            answer: result?.body.map { $0.prefix(64 * 1024) },
            latency: result?.latency ?? 0,
            branch: outcome.branch,
            prompt: run.prompt,
            ended: run.ended,
            note: outcome.note,
            at: now,
            path: run.path
        )
        try await services.database.record(turn: turn, contactID: id, sessionAttributes: run.lexAttributes, flowState: run.state)
        services.coverage.record(run.path)
        var invoked = InboxEvent.call(
            .lambdaInvoked,
            contactID: id,
            time: now,
            branch: outcome.branch.rawValue,
            error: outcome.branch == .error ? outcome.note : nil
        )
        invoked.statusCode = result?.statusCode
        let elapsed = ContinuousClock.now - arrived
        let total = Latency.seconds(elapsed)
        invoked.lambdaMs = Latency.milliseconds(result?.latency ?? 0)
        invoked.tdmockMs = Latency.milliseconds(total - (result?.latency ?? 0))
        var published = [invoked]
        if run.ended { published.append(.call(.callEnded, contactID: id, time: now, branch: outcome.branch.rawValue)) }
        events.publish(published)
        return JSONResponse.make(
            status: .ok,
            body: ConnectWire.TurnResult(
                branch: outcome.branch,
                prompt: run.prompt,
                ended: run.ended,
                sessionAttributes: run.lexAttributes,
                error: outcome.branch == .error ? outcome.note : nil
            )
        )
    }

    /// How a stretch of the call came out, as the contact API names it: `error` when a Lex or Lambda call
    /// failed on the way; `transfer` when the flow sent the call to a queue or to a flow it does not hold; the branch the bot's closing
    /// answer names (`connect.branch_attribute` in `connect.branches`, docs/question-response.md); `failed` for an intent
    /// the bot closed as Failed, or a call the flow's No-match ended; `disconnect` for any other end; and
    /// `continue` while the call goes on.
    private func outcome(of run: FlowEngine.Run) -> (branch: CallBranch, note: String?) {
        let note = run.noMatch ?? run.stranded ?? run.lexNote
        if let failure = run.failure { return (.error, failure) }
        if case .transferred(let queue)? = run.ending { return (.transfer, "transferred to queue \(queue)") }
        if case .transferredToFlow(let id)? = run.ending { return (.transfer, "transferred to flow \(id), which connect.flows does not hold") }
        if case .transferredToAgent(let agent)? = run.ending { return (.transfer, "transferred to agent \(agent)") }
        if case .transferredToNumber(let number)? = run.ending { return (.transfer, "transferred to \(number)") }
        if let answer = run.lexAnswer {
            if let named = services.configuration.connect.flow.branch(namedBy: answer) { return (named, note) }
            if answer.dialogActionType == "Close", answer.intentState == "Failed" { return (.failed, note) }
        }
        if run.ended { return (run.noMatch == nil ? .disconnect : .failed, note) }
        return (.continue, note)
    }
}

/// The contacts whose utterance is with the Lambda.
final class BusyContacts: Sendable {
    private let ids = Mutex<Set<String>>([])

    /// False when the contact is busy already.
    func claim(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }

    func release(_ id: String) { _ = ids.withLock { $0.remove(id) } }
}

extension ConnectController {
    /// The contact API (tdmock's own, for placing calls): the agent API's shape, body rule and token.
    package static func surface(token: String?) -> Surface {
        HarnessAPI.surface(prefix: prefix, token: token)
    }

    static let surface = surface(token: nil)
}
