import AsyncHTTPClient
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdWebSocket
public import Logging
import NIOCore
import NIOWebSocket
import TDMockCore

/// Builds `tdmock bridge`: on one port, what the reference architecture builds from API Gateway (the
/// WebSocket API and the callback REST API), Lambda and DynamoDB, speaking the Lex Web UI's live-chat
/// protocol; and the question-response line's reference Lambda on the Lambda Invoke API.
public func buildBridge(
    _ configuration: BridgeConfiguration,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let logger = logger ?? Logger(label: "tdmock.bridge")
    let talkdesk = TalkdeskClient(configuration: configuration, client: TalkdeskClient.sharedClient)
    let connections = Connections()

    let router = Router()
    router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))) }

    /// A Builder callback's body pushed to the conversation's socket: nil, or why the body is not one.
    @Sendable func deliver(_ data: Data) async -> String? {
        guard let event = JSONValue(parsing: data), let type = event["event_type"]?.stringValue,
            let id = event["conversation_id"]?.stringValue
        else { return "expected a Builder callback body with event_type and conversation_id" }
        let payload = event["payload"]
        switch type {
        case "message_created", "conversation_ended":
            let frame: JSONValue = [
                "event_type": .string(type), "author_name": .string(payload?["author_name"]?.stringValue ?? "Agent"),
                "content": .string(payload?["content"]?.stringValue ?? ""),
            ]
            await connections.push(id, frame: frame.jsonText, close: type == "conversation_ended")
        default:
            break  // conversation_started: nothing for the customer to see.
        }
        return nil
    }

    // The callback REST API of its own, for `serve --callback-url …/callback`: x-api-key missing 401, wrong 403.
    router.post("/callback/**") { request, _ -> Response in
        var request = request
        guard let key = request.headers[xAPIKey] else { return json(.unauthorized, ["message": "x-api-key is missing"]) }
        guard let expected = configuration.apiKey, constantTimeEquals(key, expected) else {
            return json(.forbidden, ["message": "x-api-key is wrong"])
        }
        let data = Data((try await request.collectBody(upTo: 1 << 20)).readableBytesView)
        if let problem = await deliver(data) { return json(.badRequest, ["message": .string(problem)]) }
        return json(.ok, [:])
    }

    // chat_callback on the Lambda Invoke API, behind `serve`'s REST API (which checked the key): the proxy
    // event's body is the callback; the answer is the proxy integration's.
    router.post("/2015-03-31/functions/chat_callback/invocations") { request, _ -> Response in
        var request = request
        let data = Data((try await request.collectBody(upTo: 6 << 20)).readableBytesView)
        guard let event = JSONValue(parsing: data), let body = event["body"]?.stringValue else {
            return json(.ok, ["statusCode": 400, "body": #"{"message":"expected an API Gateway proxy event with a body"}"#])
        }
        let bytes = event["isBase64Encoded"] == .bool(true) ? Data(base64Encoded: body) ?? Data() : Data(body.utf8)
        if let problem = await deliver(bytes) {
            return json(.ok, ["statusCode": 400, "body": .string((["message": .string(problem)] as JSONValue).jsonText)])
        }
        return json(.ok, ["statusCode": 200, "body": "{}"])
    }

    // The fulfillment Lambda's escalation: a Lex V2 event in, a conversation started, a Lex V2 response out.
    router.post("/lex/fulfillment") { request, _ -> Response in
        var request = request
        let data = Data((try await request.collectBody(upTo: 1 << 20)).readableBytesView)
        guard let event = JSONValue(parsing: data)?.objectValue else {
            return json(.badRequest, ["message": "expected a Lex V2 Lambda input event: a JSON object"])
        }
        let escalation: Lex.Escalation
        do {
            escalation = try Lex.escalation(from: event, touchpoint: configuration.touchpoint)
        } catch {
            // A Lex V2 answer still: the bot closes the intent as failed and says why, as a Lambda would.
            return json(
                .ok,
                Lex.response(
                    sessionAttributes: Lex.sessionAttributes(of: event),
                    intentName: Lex.intentName(of: event),
                    conversationID: nil,
                    message: "Sorry, I cannot connect you with an agent: \(error)"
                )
            )
        }
        do {
            let id = try await talkdesk.startConversation(escalation.body)
            return json(
                .ok,
                Lex.response(
                    sessionAttributes: escalation.sessionAttributes,
                    intentName: escalation.intentName,
                    conversationID: id,
                    message: "Connecting you with an agent."
                )
            )
        } catch {
            logger.warning("escalation failed", metadata: ["error": "\(error)"])
            return json(
                .ok,
                Lex.response(
                    sessionAttributes: escalation.sessionAttributes,
                    intentName: escalation.intentName,
                    conversationID: nil,
                    message: "Sorry, no agent can take the chat right now."
                )
            )
        }
    }

    // The question-response line's reference Lambda, on the Lambda Invoke API's path.
    let lambda = ReferenceLambda(questionsURL: configuration.questionsURL, apiKey: configuration.questionAPIKey, client: TalkdeskClient.sharedClient)
    router.post("/2015-03-31/functions/fallback/invocations") { request, _ -> Response in
        var request = request
        let data = Data((try await request.collectBody(upTo: 6 << 20)).readableBytesView)
        switch await lambda.invoke(data) {
        case .returned(let value):
            return json(.ok, value)
        case .functionError(let type, let message):
            var response = json(.ok, ["errorType": .string(type), "errorMessage": .string(message)])
            response.headers[functionError] = "Unhandled"
            return response
        }
    }

    return Application(
        router: router,
        server: .http1WebSocketUpgrade { request, channel, logger in
            // Any path: the Lex Web UI appends `?conversationId=` to whatever endpoint it was given (an API
            // Gateway stage URL such as wss://…/prod, or this bridge's root).
            guard let id = conversationID(in: request.path ?? "") else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in
                let sniffer = await CloseFrameSniffer.install(on: channel)
                let key = ObjectIdentifier(sniffer ?? CloseFrameSniffer())
                let open = await connections.attach(id, key, outbound)
                if !open {
                    try? await outbound.close(.normalClosure, reason: "conversation ended")
                    await connections.detach(id, key)
                    return
                }
                do {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        guard let frame = JSONValue(parsing: Data(text.utf8)), frame["action"]?.stringValue == "onMessage",
                            let content = frame["message"]?.stringValue
                        else {
                            try? await outbound.write(
                                .text(#"{"content":"expected {\"action\":\"onMessage\",\"message\":\"...\"}","event_type":"error"}"#)
                            )
                            continue
                        }
                        do {
                            try await talkdesk.sendMessage(frame["conversationId"]?.stringValue ?? id, content: content)
                        } catch {
                            let frame: JSONValue = ["event_type": "error", "content": .string("\(error)")]
                            try? await outbound.write(.text(frame.jsonText))
                        }
                    }
                } catch {
                    logger.debug("websocket ended", metadata: ["error": "\(error)"])
                }
                await connections.detach(id, key)
                // Close code 4000 with reason conversationId:ID: the customer left; end the conversation.
                if let close = sniffer?.closeFrame, close.code == 4000 {
                    let target = close.reason.hasPrefix("conversationId:") ? String(close.reason.dropFirst("conversationId:".count)) : id
                    do {
                        try await talkdesk.endConversation(target.isEmpty ? id : target)
                    } catch {
                        logger.warning("ending the conversation failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tdmock-bridge"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// `conversationId` of `<any path>?conversationId=ID`.
func conversationID(in path: String) -> String? {
    guard let components = URLComponents(string: path) else { return nil }
    let value = components.queryItems?.first { $0.name == "conversationId" }?.value
    return value?.isEmpty == false ? value : nil
}

private func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONCoding.data(body))))
}

private let xAPIKey = HTTPField.Name("x-api-key")!
private let functionError = HTTPField.Name("X-Amz-Function-Error")!
