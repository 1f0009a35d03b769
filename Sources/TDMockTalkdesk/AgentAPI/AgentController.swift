import Foundation
import HTTPTypes
package import Hummingbird
import ServiceLifecycle
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// The agent API under `/tdmock/v1`: what `tdmock inbox`, `show`, `assign`, `reply`, `close`, `callbacks`,
/// `redeliver` and the consoles use. Apart from the Talkdesk paths, as a Talkdesk agent's browser is.
package struct AgentController {
    static let prefix = HarnessAPI.agentPrefix
    let services: AppServices
    let events: EventHub
    let deliverer: CallbackDeliverer

    package init(services: AppServices, events: EventHub, deliverer: CallbackDeliverer) {
        self.services = services
        self.events = events
        self.deliverer = deliverer
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group(RouterPath(Self.prefix))
        group.get("info") { _, _ in try await info() }
        group.get("conversations") { request, _ in try await list(request) }
        group.get("conversations/:id") { _, context in try await show(try context.parameters.require("id")) }
        group.post("conversations/:id/assign") { request, context in try await act(request, context) { _ in .assign } }
        group.post("conversations/:id/messages") { request, context in
            try await act(request, context, needsContent: true) { body in .reply(content: body.content ?? "") }
        }
        group.post("conversations/:id/close") { request, context in try await act(request, context) { _ in .close } }
        group.get("callbacks") { request, _ in try await callbacks(request) }
        group.post("callbacks/:id/redeliver") { _, context in try await redeliver(try context.parameters.require("id")) }
        group.get("events") { _, _ in stream() }
        group.get("wait") { request, _ in try await wait(request) }
        group.post("reset") { _, _ in try await reset() }
        group.get("faults") { _, _ in JSONResponse.make(status: .ok, body: services.faults.all) }
        group.get("requests") { request, _ in try requests(request) }
        group.get("invocations") { request, _ in try invocations(request) }
        group.get("invocations/:id") { _, context in try invocation(try context.parameters.require("id")) }
        group.get("attachments/:id/content") { _, context in try await attachmentContent(try context.parameters.require("id")) }
        group.post("faults") { request, _ in try await addFault(request) }
        group.delete("faults") { _, _ in
            services.faults.clear()
            return JSONResponse.make(status: .ok, body: services.faults.all)
        }
    }

    /// `GET /tdmock/v1/conversations` with `limit`, `offset` or `q`: one page of the inbox (the workspace's),
    /// its size in `X-Total-Count`. Without them the answer is the whole inbox.
    struct InboxPageQuery {
        static let totalCount = HTTPField.Name("X-Total-Count")!
        static let maximumLimit = 1000
        var limit = 100
        var offset = 0
        var search: String?

        init?(_ query: Hummingbird.Parameters) throws {
            guard query["limit"] != nil || query["offset"] != nil || query["q"] != nil else { return nil }
            if let text = query["limit"] {
                guard let number = Int(String(text)), (1...Self.maximumLimit).contains(number) else {
                    throw AgentAPIError(.badRequest, "invalid_request", "limit must be a whole number from 1 to \(Self.maximumLimit), not '\(text)'")
                }
                limit = number
            }
            if let text = query["offset"] {
                guard let number = QueryNumber.whole(text) else {
                    throw AgentAPIError(.badRequest, "invalid_request", "offset must be a whole number of at least 0, not '\(text)'")
                }
                offset = number
            }
            if let text = query["q"], !Blank.isBlank(String(text)) {
                search = String(text).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    private func info() async throws -> Response {
        let (pending, failed) = try await services.database.deliveryCounts()
        return JSONResponse.make(
            status: .ok,
            body: AgentWire.ServerInfo(
                callbackUrl: services.callbackBase,
                touchpoints: services.configuration.touchpoints.map(\.id),
                pendingCallbacks: pending,
                failedCallbacks: failed
            )
        )
    }

    private func list(_ request: Request) async throws -> Response {
        let statusText = request.uri.queryParameters["status"].map(String.init) ?? "all"
        let status: ConversationStatus?
        if statusText == "all" {
            status = nil
        } else if let parsed = ConversationStatus(rawValue: statusText) {
            status = parsed
        } else {
            throw AgentAPIError(.badRequest, "invalid_request", "status must be queued, assigned, ended or all, not '\(statusText)'")
        }
        if let page = try InboxPageQuery(request.uri.queryParameters) {
            let (conversations, total) = try await services.database.inboxPage(
                status: status,
                search: page.search,
                limit: page.limit,
                offset: page.offset
            )
            var response = JSONResponse.make(status: .ok, body: conversations.map(AgentWire.ConversationSummary.init))
            response.headers[InboxPageQuery.totalCount] = String(total)
            return response
        }
        let listing = try await InboxListing.read(services.database, status: status)
        return Response(
            status: .ok,
            headers: [.contentType: JSONResponse.contentType],
            body: ResponseBody(contentLength: listing.contentLength) { writer in
                // Written out in chunks of about 256 KB, each copied once from the listing's own buffers.
                var position = listing.start
                while position != listing.end {
                    var out = ByteBuffer()
                    out.reserveCapacity(256 * 1024 + 1024)
                    position = listing.chunk(from: position, maxBytes: 256 * 1024) { out.writeBytes($0) }
                    try await writer.write(out)
                }
                try await writer.finish(nil)
            }
        )
    }

    private func detail(_ id: String) async throws -> AgentWire.ConversationDetail {
        guard let (conversation, messages, deliveries) = try await services.database.conversationDetail(id) else {
            throw AgentAPIError(.conversationNotFound(id))
        }
        let url = services.callbackBase
        let callbacks = deliveries.map { AgentWire.DeliveryView($0.delivery, journal: $0.journal, callbackURL: url) }
        return AgentWire.ConversationDetail(conversation, messages: messages, callbacks: callbacks)
    }

    private func show(_ id: String) async throws -> Response {
        DetailJSON.response(try await detail(id))
    }

    /// Runs an agent action and its outbox writes in one transaction, then wakes the deliverer and tells the streams.
    private func act(
        _ request: Request,
        _ context: some RequestContext,
        needsContent: Bool = false,
        _ action: @escaping @Sendable (AgentWire.AgentActionRequest) -> AppDatabase.AgentAction
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try AgentWire.AgentActionRequest(
            try await request.jsonObject(of: Self.surface),
            needsContent: needsContent
        )
        guard !Blank.isBlank(body.agent) else {
            throw AgentAPIError(.badRequest, "invalid_request", "agent must not be empty")
        }
        if needsContent, Blank.isBlank(body.content ?? "") {
            throw AgentAPIError(.badRequest, "invalid_request", "content must not be empty")
        }
        // An agent's reply is held to what a Digital Connect message carries, as the contact's messages are.
        if let content = body.content, content.unicodeScalars.count > FieldLimits.content {
            throw AgentAPIError(
                .badRequest,
                "invalid_request",
                "content must be at most \(FieldLimits.content) characters (what a Digital Connect message carries), found \(content.unicodeScalars.count)"
            )
        }
        let now = services.clock()
        let ids = services.ids
        let result: AgentActionResult
        do {
            result = try await services.database.perform(action(body), conversationID: id, agent: body.agent, ids: ids, now: now)
        } catch let error as InboxError {
            throw AgentAPIError(error)
        }
        if !result.deliveries.isEmpty { deliverer.notify() }
        events.publish(
            result.deliveries.map { delivery in
                InboxEvent(
                    event: InboxEvent.Name(rawValue: delivery.eventType.rawValue) ?? .messageCreated,
                    conversationId: id,
                    time: now,
                    content: delivery.eventType == .messageCreated ? result.message?.content : nil,
                    authorName: body.agent,
                    messageId: delivery.eventType == .messageCreated ? result.message?.id : nil,
                    deliveryId: delivery.deliveryID
                )
            }
        )
        return DetailJSON.response(try await detail(id))
    }

    private func callbacks(_ request: Request) async throws -> Response {
        let statusText = request.uri.queryParameters["status"].map(String.init)
        var status: DeliveryStatus?
        if let statusText, statusText != "all" {
            guard let parsed = DeliveryStatus(rawValue: statusText) else {
                throw AgentAPIError(.badRequest, "invalid_request", "status must be pending, delivered, failed or all, not '\(statusText)'")
            }
            status = parsed
        }
        let conversation = request.uri.queryParameters["conversation_id"].map(String.init)
        let url = services.callbackBase
        let wanted = status
        let views = try await services.database.deliveries(conversationID: conversation, status: wanted).map {
            AgentWire.DeliveryView($0.delivery, journal: $0.journal, callbackURL: url)
        }
        return DetailJSON.response(views)
    }

    private func redeliver(_ id: String) async throws -> Response {
        let now = services.clock()
        let url = services.callbackBase
        let view: AgentWire.DeliveryView
        do {
            let (delivery, journal) = try await services.database.redeliver(id, now: now)
            view = AgentWire.DeliveryView(delivery, journal: journal, callbackURL: url)
        } catch let error as InboxError {
            throw AgentAPIError(error)
        }
        deliverer.notify()
        return DetailJSON.response(view)
    }

    /// Long-polls the event log: answers as soon as `count` events named `event` (of one conversation,
    /// question, session or contact, if given) have happened since start or reset, or 408 after `timeout` seconds.
    private func wait(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        guard let name = query["event"].map(String.init), let event = InboxEvent.Name(rawValue: name) else {
            let names = InboxEvent.Name.allCases.map(\.rawValue).joined(separator: ", ")
            throw AgentAPIError(.badRequest, "invalid_request", "event must be one of \(names)")
        }
        let conversation = query["conversation_id"].map(String.init)
        let question = query["question_id"].map(String.init)
        let session = query["session_id"].map(String.init)
        let contact = query["contact_id"].map(String.init)
        let count = query["count"].map { Int(String($0)) } ?? 1
        let timeout = query["timeout"].map { Double(String($0)) } ?? 30
        guard let count, count >= 1 else { throw AgentAPIError(.badRequest, "invalid_request", "count must be a whole number of at least 1") }
        guard let timeout, timeout >= 0, timeout <= 3600 else {
            throw AgentAPIError(.badRequest, "invalid_request", "timeout must be a number of seconds from 0 to 3600")
        }
        let found = await events.wait(count: count, timeout: .milliseconds(Int64(timeout * 1000))) { candidate in
            candidate.event == event && (conversation == nil || candidate.conversationId == conversation)
                && (question == nil || candidate.questionId == question) && (session == nil || candidate.sessionId == session)
                && (contact == nil || candidate.contactId == contact)
        }
        guard let found else {
            var message = "fewer than \(count) \(name) events within \(timeout) s"
            let (held, dropped) = events.logSize
            if dropped > 0 {
                message +=
                    " (the event log keeps the last \(events.logLimit) events of the past \(events.logAge.components.seconds / 60) minutes:"
                    + " it holds \(held), \(dropped) older ones were let go)"
            }
            throw AgentAPIError(.requestTimeout, "timeout", message)
        }
        return JSONResponse.make(status: .ok, body: found)
    }

    /// The request journal, newest first (`tdmock requests`): `?failed=true` for answers of 400 and above,
    /// `?limit=N` (default 100, at most the journal's size).
    private func requests(_ request: Request) throws -> Response {
        let query = try JournalQuery(request.uri.queryParameters, capacity: services.journal.capacity)
        return JSONResponse.make(status: .ok, body: services.journal.entries(failed: query.failed, limit: query.limit))
    }

    /// The invocations journal, newest first (`tdmock invocations`): `?function=NAME`, `?failed=true`,
    /// `?limit=N` (default 100).
    private func invocations(_ request: Request) throws -> Response {
        let parameters = request.uri.queryParameters
        let query = try JournalQuery(parameters, capacity: services.invocations.capacity)
        let function = parameters["function"].map { FunctionName.resolve(String($0)) }
        return JSONResponse.make(status: .ok, body: services.invocations.entries(function: function, failed: query.failed, limit: query.limit))
    }

    private func invocation(_ text: String) throws -> Response {
        guard let id = Int(text), let entry = services.invocations.entry(id) else {
            throw AgentAPIError(.notFound, "not_found", "The invocations journal holds no invocation '\(text)'")
        }
        return JSONResponse.make(status: .ok, body: entry)
    }

    /// `failed` and `limit` of a journal's listing.
    struct JournalQuery {
        var failed = false
        var limit = 100

        init(_ query: Hummingbird.Parameters, capacity: Int) throws {
            if let text = query["failed"] {
                guard let flag = Bool(String(text)) else {
                    throw AgentAPIError(.badRequest, "invalid_request", "failed must be true or false, not '\(text)'")
                }
                failed = flag
            }
            if let text = query["limit"] {
                guard let number = QueryNumber.whole(text), number >= 1 else {
                    throw AgentAPIError(.badRequest, "invalid_request", "limit must be a whole number of at least 1, not '\(text)'")
                }
                limit = min(number, max(capacity, 1))
            }
        }
    }

    /// A message's attached file, for the agent (the workspace's link): served as a download, with its
    /// own media type, `Content-Disposition: attachment` and `nosniff`, so that nothing a customer
    /// uploaded is rendered in the workspace's origin.
    private func attachmentContent(_ id: String) async throws -> Response {
        guard let file = try await services.database.attachmentContent(id: id) else {
            throw AgentAPIError(.notFound, "not_found", "No uploaded attachment has the id '\(id)'")
        }
        return AttachmentsController.download(file)
    }

    /// `tdmock reset`: an empty inbox, event log and request journal; a seeded id sequence starts again;
    /// the harness clock real, the queues as configured.
    private func reset() async throws -> Response {
        try await services.database.reset()
        services.ids.restart()
        events.resetLog()
        services.journal.reset()
        services.invocations.reset()
        services.coverage.reset()
        services.connect.reset()
        return JSONResponse.make(status: .ok, body: ["status": "reset"])
    }

    private func addFault(_ request: Request) async throws -> Response {
        var fault: Fault
        do {
            fault = try Fault(object: try await request.jsonObject(of: Self.surface))
        } catch let error as Fault.Invalid {
            throw AgentAPIError(.badRequest, "invalid_request", error.description)
        }
        if fault.id.isEmpty { fault.id = services.ids.identifier() }
        if let problem = fault.problem { throw AgentAPIError(.badRequest, "invalid_request", problem) }
        services.faults.add(fault)
        if fault.target.isCallback { deliverer.notify() }
        return JSONResponse.make(status: .created, body: fault)
    }

    /// Server-Sent Events: one `event: <name>` / `data: <json>` per inbox event, a comment every 15 s to keep
    /// the connection honest. Ends at server shutdown.
    private func stream() -> Response {
        let hub = events
        let subscription = hub.subscribe()
        let body = ResponseBody { writer in
            let (output, sink) = AsyncStream.makeStream(of: String.self)
            try await writer.write(ByteBuffer(string: ": tdmock events\n\n"))
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await event in subscription {
                            sink.yield("event: \(event.event.rawValue)\ndata: \(JSONCoding.text(event))\n\n")
                        }
                        sink.finish()
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            sink.yield(": keep-alive\n\n")
                        }
                    }
                    for await chunk in output { try await writer.write(ByteBuffer(string: chunk)) }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                hub.finishAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

extension AgentWire.AgentActionRequest {
    /// The request from its body, read once: a string `agent`, and a string `content` when the action needs one.
    init(_ object: [String: JSONValue], needsContent: Bool) throws {
        let wanted = "The body must be a JSON object with a string \"agent\"\(needsContent ? " and a string \"content\"" : "")"
        guard case .string(let agent)? = object["agent"] else { throw AgentAPIError(.badRequest, "invalid_request", wanted) }
        var content: String?
        switch object["content"] {
        case nil, .null?: content = nil
        case .string(let text)?: content = text
        default: throw AgentAPIError(.badRequest, "invalid_request", wanted)
        }
        self.init(agent: agent, content: content)
    }
}

extension AgentController {
    /// The agents' API: the harness's own shape, body rule and token (`HarnessAPI.surface`).
    package static func surface(token: String?) -> Surface { HarnessAPI.surface(prefix: prefix, token: token) }

    /// The body-reading rule of the agent API (the token does not matter to it).
    static let surface = surface(token: nil)
}
