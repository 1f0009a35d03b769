import Foundation
import Hummingbird
import TDMockCore
import GRDB
import TDMockStore

/// The Digital Connect API: start a conversation, send the contact's messages, end a conversation.
struct DigitalConnectController {
    let services: AppServices
    let events: EventHub

    func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group("/digital-connect/conversations")
        group.post { request, context in try await startConversation(request, context: context) }
        group.post(":id/messages") { request, context in try await sendMessage(request, context: context) }
        group.delete(":id") { request, context in try await endConversation(request, context: context) }
    }

    /// The caller's token and client, or 401/403.
    private func authorize(_ request: Request) async throws -> OAuthClient {
        guard let header = request.headers[.authorization] else {
            throw DigitalConnectError.unauthorized("The Authorization header is missing; send Bearer <access_token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw DigitalConnectError.unauthorized("The Authorization header must be Bearer <access_token>")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard let grant = try await services.tokens.validate(token, now: services.clock()),
            let client = services.tokens.client(id: grant.clientID)
        else {
            throw DigitalConnectError.unauthorized("The access token is unknown or has expired")
        }
        guard grant.scopes.contains(Scope.digitalConnectWrite) else {
            throw DigitalConnectError.forbidden("The access token lacks the scope \(Scope.digitalConnectWrite)")
        }
        return client
    }

    private func body(_ request: Request) async throws -> [String: JSONValue] {
        let data = try await request.collectBody(orThrow: DigitalConnectError.payloadTooLarge)
        return try RequestJSON.object(from: data)
    }

    private func idempotencyKey(_ request: Request, client: OAuthClient, body: [String: JSONValue]) throws -> IdempotencyKey? {
        guard let key = request.headers[.idempotencyKey], !key.isEmpty else { return nil }
        guard key.utf8.count <= 255 else {
            throw DigitalConnectError.invalidBody(
                "The x-idempotency-key header is longer than 255 bytes",
                fields: [FieldError(name: "x-idempotency-key", description: "must be at most 255 bytes")])
        }
        let fingerprint = "\(request.method.rawValue) \(request.uri.path)\n" + RequestJSON.canonical(body)
        return IdempotencyKey(clientID: client.id, key: key, fingerprint: fingerprint)
    }

    private func allowedTouchpoints(_ client: OAuthClient) -> Set<String>? {
        client.touchpoints.map(Set.init)
    }

    func startConversation(_ request: Request, context: some RequestContext) async throws -> Response {
        try await services.faults.inject(.startConversation)
        let client = try await authorize(request)
        let json = try await body(request)
        let new = try NewConversation(validating: json)
        guard services.touchpointIDs.contains(new.touchpointID) else {
            throw DigitalConnectError.touchpointNotFound(new.touchpointID)
        }
        if let allowed = allowedTouchpoints(client), !allowed.contains(new.touchpointID) {
            throw DigitalConnectError(.touchpointNotAllowed(new.touchpointID))
        }
        let key = try idempotencyKey(request, client: client, body: json)
        let now = services.clock()
        let ids = services.ids
        let (outcome, id) = try await perform(key, now: now) { db in
            let conversation = try Inbox.startConversation(db, new, clientID: client.id, ids: ids, now: now)
            return (StoredResponse(status: 201, body: JSONResponse.data(StartConversationResponse(id: conversation.id))), conversation.id)
        }
        if let id {
            events.publish(
                InboxEvent(event: .conversationCreated, conversationId: id, time: now, authorName: new.contactPerson.name, touchpointId: new.touchpointID))
        }
        return JSONResponse.make(status: .init(code: outcome.response.status), data: outcome.response.body)
    }

    func sendMessage(_ request: Request, context: some RequestContext) async throws -> Response {
        try await services.faults.inject(.sendMessage)
        let client = try await authorize(request)
        let conversationID = try context.parameters.require("id")
        let json = try await body(request)
        let new = try NewContactMessage(validating: json)
        let key = try idempotencyKey(request, client: client, body: json)
        let now = services.clock()
        let ids = services.ids
        let allowed = allowedTouchpoints(client)
        let (outcome, messageID) = try await perform(key, now: now) { db in
            let message = try Inbox.addContactMessage(db, conversationID: conversationID, new, allowedTouchpoints: allowed, ids: ids, now: now)
            let body = SendMessageResponse(id: conversationID, messageId: message.id, createdAt: Timestamp.string(from: message.createdAt))
            return (StoredResponse(status: 201, body: JSONResponse.data(body)), message.id)
        }
        if let messageID {
            events.publish(InboxEvent(event: .contactMessage, conversationId: conversationID, time: now, content: new.content, messageId: messageID))
        }
        return JSONResponse.make(status: .init(code: outcome.response.status), data: outcome.response.body)
    }

    func endConversation(_ request: Request, context: some RequestContext) async throws -> Response {
        try await services.faults.inject(.endConversation)
        let client = try await authorize(request)
        let conversationID = try context.parameters.require("id")
        let now = services.clock()
        let allowed = allowedTouchpoints(client)
        do {
            _ = try await services.database.write { db in
                try Inbox.endConversation(db, conversationID: conversationID, by: .contact, allowedTouchpoints: allowed, now: now)
            }
        } catch let error as InboxError {
            throw DigitalConnectError(error)
        }
        events.publish(InboxEvent(event: .contactLeft, conversationId: conversationID, time: now))
        return Response(status: .noContent)
    }

    private func perform(
        _ key: IdempotencyKey?, now: Date, _ operation: @escaping @Sendable (GRDB.Database) throws -> (StoredResponse, String)
    ) async throws -> (IdempotentOutcome, String?) {
        do {
            return try await services.database.idempotentWrite(key, now: now, operation)
        } catch let error as InboxError {
            throw DigitalConnectError(error)
        }
    }
}
