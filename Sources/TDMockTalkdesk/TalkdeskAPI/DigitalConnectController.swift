import Foundation
package import Hummingbird
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// The Digital Connect API: start a conversation, send the contact's messages, end a conversation.
package struct DigitalConnectController {
    let services: AppServices
    let events: EventHub

    package init(services: AppServices, events: EventHub) {
        self.services = services
        self.events = events
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group("/digital-connect/conversations")
        group.post { request, context in try await startConversation(request, context: context) }
        group.post(":id/messages") { request, context in try await sendMessage(request, context: context) }
        group.delete(":id") { request, context in try await endConversation(request, context: context) }
    }

    /// The caller's client, or 401/403: the router's check. The token is looked up in memory, then in the
    /// store (a token issued before a restart).
    private func authorize(_ request: Request) async throws -> OAuthClient {
        let token = try Self.token(in: request.headers[.authorization])
        return try client(of: try await services.tokens.validate(token, now: services.clock()))
    }

    /// The token of an `Authorization` header, or the 401 that says what is wrong with the header.
    static func token(in header: String?) throws(DigitalConnectError) -> String {
        guard let header else { throw .unauthorized("The Authorization header is missing; send Bearer <access_token>") }
        guard let token = bearerToken(header) else { throw .unauthorized("The Authorization header must be Bearer <access_token>") }
        return token
    }

    /// The client a token's grant (nil: unknown or expired) speaks for, if the grant has the scope.
    private func client(of grant: AccessGrant?) throws(DigitalConnectError) -> OAuthClient {
        guard let grant, let client = services.tokens.client(id: grant.clientID) else {
            throw .unauthorized("The access token is unknown or has expired")
        }
        guard grant.scopes.contains(Scope.digitalConnectWrite) else {
            throw .forbidden("The access token lacks the scope \(Scope.digitalConnectWrite)")
        }
        return client
    }

    /// The token of an `Authorization: Bearer <token>` header; nil when the header has another shape.
    /// Read byte by byte, without Foundation's `trimmingCharacters`: it runs on every Send a Message.
    static func bearerToken(_ header: String) -> String? {
        let bytes = header.utf8
        let scheme = "bearer ".utf8
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ byte, expected in byte | 0x20 == expected })
        else { return nil }
        // The token, less the spaces and tabs around it.
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        var token = bytes.dropFirst(scheme.count)
        while let first = token.first, blank(first) { token = token.dropFirst() }
        while let last = token.last, blank(last) { token = token.dropLast() }
        return String(token)
    }

    /// The `x-idempotency-key` of a request, with what the request asked (method, path, canonical body).
    private func idempotencyKey(
        _ header: String?,
        method: HTTPRequest.Method,
        path: String,
        client: OAuthClient,
        body: [String: JSONValue]
    ) throws -> IdempotencyKey? {
        guard let key = header, !key.isEmpty else { return nil }
        if let problem = Self.keyProblem(key) {
            throw DigitalConnectError.invalidBody("The x-idempotency-key header is invalid", fields: [problem])
        }
        let fingerprint = "\(method.rawValue) \(path)\n" + RequestJSON.canonical(body)
        return IdempotencyKey(clientID: client.id, key: key, fingerprint: fingerprint)
    }

    private func allowedTouchpoints(_ client: OAuthClient) -> Set<String>? {
        client.touchpoints.map(Set.init)
    }

    /// What is wrong with an `x-idempotency-key`, if anything: Talkdesk takes 1 to 255 characters.
    static func keyProblem(_ key: String?) -> FieldError? {
        guard let key, !key.isEmpty else {
            return FieldError(name: "x-idempotency-key", description: "is required: 1 to 255 characters, the same for a retry of the same request")
        }
        guard key.unicodeScalars.count <= 255 else {
            return FieldError(name: "x-idempotency-key", description: "must be at most 255 characters, found \(key.unicodeScalars.count)")
        }
        return nil
    }

    func startConversation(_ request: Request, context: some RequestContext) async throws -> Response {
        try await services.faults.inject(.startConversation)
        let client = try await authorize(request)
        let json = try RequestJSON.object(from: try await request.collectBody(orThrow: DigitalConnectError.payloadTooLarge))
        // Talkdesk requires the key on Start a Conversation: its problem is named with the body's.
        let keyProblem = Self.keyProblem(request.headers[.idempotencyKey])
        let new: NewConversation
        do {
            new = try NewConversation(validating: json)
        } catch {
            var error = error
            if let keyProblem { error.body.fields = [keyProblem] + (error.body.fields ?? []) }
            throw error
        }
        if let keyProblem { throw DigitalConnectError.invalidBody("The request has invalid fields", fields: [keyProblem]) }
        guard let touchpoint = services.touchpoints[new.touchpointID] else {
            throw DigitalConnectError.touchpointNotFound(new.touchpointID)
        }
        guard touchpoint.active else { throw DigitalConnectError.touchpointInactive(new.touchpointID) }
        if let allowed = allowedTouchpoints(client), !allowed.contains(new.touchpointID) {
            throw DigitalConnectError(.touchpointNotAllowed(new.touchpointID))
        }
        let key = try idempotencyKey(
            request.headers[.idempotencyKey],
            method: request.method,
            path: request.uri.path,
            client: client,
            body: json
        )
        let now = services.clock()
        let ids = services.ids
        let (outcome, conversation): (IdempotentOutcome, Conversation?)
        do {
            (outcome, conversation) = try await services.database.startConversation(new, clientID: client.id, key: key, ids: ids, now: now) {
                StoredResponse(status: 201, body: JSONResponse.data(StartConversationResponse(id: $0.id)))
            }
        } catch let error as InboxError {
            throw DigitalConnectError(error)
        }
        let id = conversation?.id
        if let id {
            events.publish(
                InboxEvent(
                    event: .conversationCreated,
                    conversationId: id,
                    time: now,
                    authorName: new.contactPerson.name,
                    touchpointId: new.touchpointID
                )
            )
        }
        return JSONResponse.make(status: .init(code: outcome.response.status), data: outcome.response.body)
    }

    func sendMessage(_ request: Request, context: some RequestContext) async throws -> Response {
        let partial = try await services.faults.inject(.sendMessage)
        let client = try await authorize(request)
        let conversationID = try context.parameters.require("id")
        var plan = try planSend(
            conversationID: conversationID,
            body: try await request.collectBody(orThrow: DigitalConnectError.payloadTooLarge),
            idempotencyKey: request.headers[.idempotencyKey],
            path: request.uri.path,
            client: client
        )
        try await checkAttachments(&plan)
        if let partial { plan.response = plan.partialSuccess(reason: "Injected fault: part of the message failed (tdmock fault \(partial.id))") }
        let response = try await withCheckedThrowingContinuation { continuation in
            commitSend(plan, on: nil) { continuation.resume(with: $0) }
        }
        return JSONResponse.make(status: .init(code: response.status), data: response.body)
    }

    /// A Send a Message request that passed every check made before the store: what to write, and the
    /// answer to give once it is written (made beforehand, outside the store's transaction).
    struct SendPlan: Sendable {
        var conversationID: String
        var message: NewContactMessage
        var key: IdempotencyKey?
        var allowedTouchpoints: Set<String>?
        var now: Date
        var messageID: String
        var response: StoredResponse

        /// Talkdesk's 206: the 201 answer's fields and `partial_fail_reason`, the message stored all the same
        /// (and an idempotent replay answering the same).
        func partialSuccess(reason: String) -> StoredResponse {
            var body = response.body.withUnsafeBytes(JSONReader.object) ?? [:]
            body["partial_fail_reason"] = .string(reason)
            return StoredResponse(status: Fault.partialSuccess, body: JSONCoding.data(JSONValue.object(body)))
        }
    }

    /// The most attachments a message takes; those past it fail.
    static let maximumAttachments = 10

    /// Checks a message's attachments against the Attachments API, as Talkdesk does: one that is not an
    /// attachment, has not finished uploading, or whose size is not its file's fails, and so do those
    /// past the tenth. When some fail, the message keeps the others and the answer is 206 with
    /// `partial_fail_reason`; when all fail, 400 `3016012` and nothing is stored.
    func checkAttachments(_ plan: inout SendPlan) async throws {
        let attachments = plan.message.attachments
        guard !attachments.isEmpty else { return }
        let found = try await services.database.attachments(ids: attachments.prefix(Self.maximumAttachments).compactMap(\.id))
        var kept: [Attachment] = []
        var reasons: [String] = []
        for (index, attachment) in attachments.enumerated() {
            let name = "attachment(id:\(attachment.id ?? ""),name:\(attachment.name ?? ""))"
            guard index < Self.maximumAttachments else {
                reasons.append("the quantity of the attachments exceeds the \(Self.maximumAttachments)")
                break
            }
            guard let stored = attachment.id.flatMap({ found[$0] }) else {
                reasons.append("the \(name) does not exist")
                continue
            }
            guard stored.state == .published, let size = stored.size else {
                reasons.append("the \(name) has not finished uploading")
                continue
            }
            guard attachment.size == size else {
                reasons.append("the size of the \(name) is not its file's (\(size) bytes)")
                continue
            }
            kept.append(attachment)
        }
        guard !reasons.isEmpty else { return }
        let reason = reasons.joined(separator: "; ")
        guard !kept.isEmpty else {
            throw DigitalConnectError(
                status: .badRequest,
                code: DigitalConnectError.Code.attachmentsFailed,
                message: "All attachments failed",
                description: "The all attachments send failed, reason: \(reason)"
            )
        }
        plan.message.attachments = kept
        plan.response = plan.partialSuccess(reason: "Message send success, but the partial attachments send failed, reason: \(reason)")
    }

    /// Validates a Send a Message body (and its idempotency key) from `client`.
    func planSend(conversationID: String, body: Data, idempotencyKey header: String?, path: String, client: OAuthClient) throws -> SendPlan {
        try planSend(conversationID: conversationID, json: try RequestJSON.object(from: body), idempotencyKey: header, path: path, client: client)
    }

    func planSend(
        conversationID: String,
        json: [String: JSONValue],
        idempotencyKey header: String?,
        path: String,
        client: OAuthClient
    ) throws
        -> SendPlan
    {
        let message = try NewContactMessage(validating: json)
        let key = try idempotencyKey(header, method: .post, path: path, client: client, body: json)
        let now = services.clock()
        let messageID = services.ids.identifier()
        let response = SendMessageResponse(id: conversationID, messageId: messageID, createdAt: Timestamp.string(from: now))
        return SendPlan(
            conversationID: conversationID,
            message: message,
            key: key,
            allowedTouchpoints: allowedTouchpoints(client),
            now: now,
            messageID: messageID,
            response: StoredResponse(status: 201, body: response.json)
        )
    }

    /// Stores the message (or finds an idempotent replay's answer) and announces it once committed.
    /// `completion` gets the response to give, on `executor` (the writer's queue when nil).
    func commitSend(
        _ plan: SendPlan,
        on executor: (any CompletionExecutor)?,
        completion: @escaping @Sendable (Result<StoredResponse, any Error>) -> Void
    ) {
        let events = events
        services.database.submitContactMessage(
            plan.message,
            conversationID: plan.conversationID,
            messageID: plan.messageID,
            allowedTouchpoints: plan.allowedTouchpoints,
            key: plan.key,
            now: plan.now,
            response: plan.response,
            on: executor
        ) { result in
            switch result {
            case .success((let outcome, let messageID)):
                if let messageID {
                    var event = InboxEvent(
                        event: .contactMessage,
                        conversationId: plan.conversationID,
                        time: plan.now,
                        content: plan.message.content,
                        messageId: messageID
                    )
                    if !plan.message.attachments.isEmpty { event.attachments = plan.message.attachments }
                    events.publish(event)
                }
                completion(.success(outcome.response))
            case .failure(let error as InboxError):
                completion(.failure(DigitalConnectError(error)))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// Send a Message for `SendMessageFastPath`, when nothing about the request needs the router: no fault
    /// in force, a token held in memory with the scope, a body that `JSONReader` reads as an object and that passes
    /// validation. Returns false, having done nothing, otherwise. When true, `completion` (on `executor`)
    /// gets the response, or nil when the store refused the write (unknown or ended conversation, reused
    /// key...): a refused write leaves nothing behind, so the router can then answer the request, in the
    /// surface's own error shape.
    func sendDirectly(
        conversationID: String,
        path: String,
        authorization: String?,
        idempotencyKey: String?,
        body: ByteBuffer,
        on executor: any CompletionExecutor,
        completion: @escaping @Sendable (StoredResponse?) -> Void
    ) -> Bool {
        // The router's checks, on the tokens held in memory only: any refusal, or a token only the store
        // knows, is the router's to answer.
        guard !services.faults.isArmed(.sendMessage),
            let token = try? Self.token(in: authorization),
            let client = try? client(of: services.tokens.cachedGrant(token, now: services.clock())),
            let json = body.withUnsafeReadableBytes(JSONReader.object),
            let plan = try? planSend(conversationID: conversationID, json: json, idempotencyKey: idempotencyKey, path: path, client: client),
            // Attachments are checked against the store, which the router does.
            plan.message.attachments.isEmpty
        else { return false }
        commitSend(plan, on: executor) { completion(try? $0.get()) }
        return true
    }

    func endConversation(_ request: Request, context: some RequestContext) async throws -> Response {
        try await services.faults.inject(.endConversation)
        let client = try await authorize(request)
        let conversationID = try context.parameters.require("id")
        let now = services.clock()
        let allowed = allowedTouchpoints(client)
        do {
            try await services.database.endConversation(conversationID, by: .contact, allowedTouchpoints: allowed, now: now)
        } catch let error as InboxError {
            throw DigitalConnectError(error)
        }
        events.publish(InboxEvent(event: .contactLeft, conversationId: conversationID, time: now))
        return Response(status: .noContent)
    }
}

extension DigitalConnectController {
    /// Digital Connect: journalled, its errors as `{code, message, description}`.
    package static let surface = Surface(
        prefixes: ["/digital-connect"],
        journalled: true,
        errors: { failure in DigitalConnectError.unrouted(failure) }
    )
}
