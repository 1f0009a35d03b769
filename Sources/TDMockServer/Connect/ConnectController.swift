import Foundation
import Hummingbird
import Synchronization
import TDMockCore
import TDMockStore

/// tdmock's Amazon Connect + Amazon Lex V2 (CONTRACT §8.2) under `/connect/v1`: a call is a contact, each
/// utterance one call of the bot's Lambda with a Lex V2 input event, the answer checked as Lex checks it,
/// and the contact flow's branch taken on its session attributes. On the agent API's footing: open on
/// loopback, the agent token beyond it.
struct ConnectController {
    static let prefix = "/connect/v1"
    let services: AppServices
    let events: EventHub
    /// The question bot (`connect.bot`) answers through Lex's runtime, as RecognizeText's bots do.
    let lex: LexRuntime
    /// Contacts whose utterance is with the Lambda: a second one meanwhile is refused (409).
    let busy = BusyContacts()

    private var flow: ContactFlow { services.configuration.connect.flow }

    func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group(RouterPath(Self.prefix))
        if let token = services.configuration.agentToken { group.add(middleware: AgentTokenMiddleware(token: token)) }
        group.add(middleware: JSONBodyMiddleware())
        group.post("contacts") { request, _ in try await start(request) }
        group.get("contacts") { _, _ in try await list() }
        group.get("contacts/:id") { _, context in try await show(try context.parameters.require("id")) }
        group.post("contacts/:id/utterances") { request, context in try await utterance(request, id: try context.parameters.require("id")) }
        group.delete("contacts/:id") { _, context in try await hangUp(try context.parameters.require("id")) }
    }

    private func start(_ request: Request) async throws -> Response {
        let body = try await request.jsonObject(emptyAllowed: true)
        func invalid(_ message: String) -> AgentAPIError { AgentAPIError(.badRequest, "invalid_request", message) }
        var caller: String?
        if let value = body["caller"], !value.isNull {
            guard let text = value.stringValue, !Blank.isBlank(text) else { throw invalid("caller must be a non-empty string (the caller's number)") }
            caller = text
        }
        // The contact's attributes, and nothing else, are the first turn's session attributes (CONTRACT §8.2).
        var attributes: [String: String] = [:]
        if let value = body["attributes"], !value.isNull {
            guard let object = value.objectValue else { throw invalid("attributes must be an object of strings, not \(value.typeDescription)") }
            for (key, item) in object {
                guard let text = item.stringValue else { throw invalid("attributes.\(key) must be a string, not \(item.typeDescription)") }
                attributes[key] = text
            }
        }
        let now = services.clock()
        let contact = Contact(id: Self.contactID(services.ids.identifier()), caller: caller, sessionAttributes: attributes, createdAt: now)
        try await services.database.startContact(contact)
        events.publish(.call(.callStarted, contactID: contact.id, time: now, content: caller))
        return JSONResponse.make(status: .created, body: ConnectWire.Created(contactID: contact.id, prompt: flow.greeting))
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
        let body = try await request.jsonObject()
        guard let value = body["text"] else { throw AgentAPIError(.badRequest, "invalid_request", "text is required: what the caller said") }
        guard let text = value.stringValue else {
            throw AgentAPIError(.badRequest, "invalid_request", "text must be a string, not \(value.typeDescription)")
        }
        guard !Blank.isBlank(text) else { throw AgentAPIError(.badRequest, "invalid_request", "text must not be empty: the caller said nothing") }
        // Claimed before the contact is read: an utterance right after one that ended the call reads it ended.
        guard busy.claim(id) else { throw AgentAPIError(InboxError.contactBusy(id)) }
        defer { busy.release(id) }
        guard let contact = try await services.database.contactHead(id) else { throw AgentAPIError(InboxError.contactNotFound(id)) }
        if let how = contact.endedBy { throw AgentAPIError(InboxError.contactEnded(id, how: how.rawValue)) }

        let started = services.clock()
        events.publish(.call(.callerUtterance, contactID: id, time: started, content: text))
        var outcome: ContactFlow.Outcome
        var attributes = contact.sessionAttributes
        var eventData = Data()
        var result: FunctionInvoker.Result?
        do {
            let (bot, _) = try lex.bot(flow.bot.id, alias: flow.bot.aliasID, locale: flow.bot.localeID)
            let turn = try await lex.turn(
                bot: bot,
                eventBot: flow.bot,
                sessionID: id,
                text: text,
                inputMode: "Speech",
                sessionAttributes: contact.sessionAttributes,
                requestAttributes: [:],
                caller: .connect
            )
            outcome = flow.outcome(of: turn.answer)
            attributes = turn.answer.sessionAttributes
            eventData = turn.event ?? Data()
            result = turn.result
            if turn.result == nil, outcome.note == nil {
                outcome.note = "the bot recognized \(turn.answer.intentName ?? "an intent") and closed it itself: no code hook"
            }
        } catch let failure as LexRuntime.DependencyFailed {
            outcome = flow.error(failure.cause)
            eventData = failure.event
            result = failure.result
        }
        let now = services.clock()
        let turn = CallTurn(
            utterance: text,
            event: String(decoding: eventData, as: UTF8.self),
            statusCode: result?.statusCode,
            functionError: result?.functionError,
            answer: result?.body.map { $0.prefix(64 * 1024) },
            latency: result?.latency ?? 0,
            branch: outcome.branch,
            prompt: outcome.prompt,
            ended: outcome.ended,
            note: outcome.note,
            at: now
        )
        try await services.database.record(turn: turn, contactID: id, sessionAttributes: attributes)
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
        if outcome.ended { published.append(.call(.callEnded, contactID: id, time: now, branch: outcome.branch.rawValue)) }
        events.publish(published)
        return JSONResponse.make(
            status: .ok,
            body: ConnectWire.TurnResult(
                branch: outcome.branch,
                prompt: outcome.prompt,
                ended: outcome.ended,
                sessionAttributes: attributes,
                error: outcome.branch == .error ? outcome.note : nil
            )
        )
    }
}

/// The contacts whose utterance is with the Lambda.
final class BusyContacts: Sendable {
    private let ids = Mutex<Set<String>>([])

    /// False when the contact is busy already.
    func claim(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }

    func release(_ id: String) { _ = ids.withLock { $0.remove(id) } }
}
