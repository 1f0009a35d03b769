import AsyncHTTPClient
import Foundation
import Logging
import TDMockCore

/// The reference functions (docs/chat-line.md), each a handler from an event to a return value.
struct ReferenceFunctions: Sendable {
    static let names = ["escalate", "chat_socket", "chat_callback", "fallback"]

    let configuration: BridgeConfiguration
    let logger: Logger
    let talkdesk: TalkdeskClient
    let management: ManagementClient
    let connections = Connections()
    let fallback: ReferenceLambda

    init(configuration: BridgeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        talkdesk = TalkdeskClient(configuration: configuration, client: TalkdeskClient.sharedClient)
        management = ManagementClient(client: TalkdeskClient.sharedClient)
        fallback = ReferenceLambda(
            questionsURL: configuration.questionsURL,
            apiKey: configuration.questionAPIKey,
            client: TalkdeskClient.sharedClient
        )
    }

    /// Runs the function `name` on an event; nil when the bridge has no such function.
    func invoke(_ name: String, _ data: Data) async -> ReferenceLambda.Outcome? {
        switch name {
        case "fallback": return await fallback.invoke(data)
        case "escalate", "chat_socket", "chat_callback":
            guard let event = JSONValue(parsing: data)?.objectValue else {
                return .functionError(type: "ValueError", message: "the event is not a JSON object")
            }
            switch name {
            case "escalate": return .returned(await escalate(event))
            case "chat_socket": return .returned(await chatSocket(event))
            default: return .returned(await chatCallback(event))
            }
        default: return nil
        }
    }

    // MARK: escalate

    /// Lex's escalation intent: starts a Talkdesk conversation and closes the intent with its id.
    func escalate(_ event: [String: JSONValue]) async -> JSONValue {
        let escalation: Lex.Escalation
        do {
            escalation = try Lex.escalation(from: event, touchpoint: configuration.touchpoint)
        } catch {
            // A Lex V2 answer still: the bot closes the intent as failed and says why, as a Lambda would.
            return Lex.response(
                sessionAttributes: Lex.sessionAttributes(of: event),
                intentName: Lex.intentName(of: event),
                conversationID: nil,
                message: "Sorry, I cannot connect you with an agent: \(error)"
            )
        }
        do {
            let id = try await talkdesk.startConversation(escalation.body)
            return Lex.response(
                sessionAttributes: escalation.sessionAttributes,
                intentName: escalation.intentName,
                conversationID: id,
                message: "Connecting you with an agent."
            )
        } catch {
            logger.warning("escalation failed", metadata: ["error": "\(error)"])
            return Lex.response(
                sessionAttributes: escalation.sessionAttributes,
                intentName: escalation.intentName,
                conversationID: nil,
                message: "Sorry, no agent can take the chat right now."
            )
        }
    }

    // MARK: chat_socket

    /// The WebSocket API's routes: `$connect` keeps conversation -> connection, `onMessage` frames become
    /// Send a Message, `$disconnect` with 4000 `conversationId:ID` becomes End a Conversation.
    func chatSocket(_ event: [String: JSONValue]) async -> JSONValue {
        let context = event["requestContext"]
        guard let connectionID = context?["connectionId"]?.stringValue, let type = context?["eventType"]?.stringValue else {
            return ["statusCode": 400, "body": "expected an API Gateway WebSocket event (requestContext.connectionId, eventType)"]
        }
        let endpoint = configuration.talkdeskURL + "/apigw/ws/" + (context?["stage"]?.stringValue ?? "prod")
        switch type {
        case "CONNECT":
            guard let conversation = event["queryStringParameters"]?["conversationId"]?.stringValue, !conversation.isEmpty else {
                return ["statusCode": 400, "body": "conversationId is required: connect with ?conversationId=ID"]
            }
            let connection = Connections.Connection(id: connectionID, endpoint: endpoint)
            let (frames, ended) = await connections.connected(conversation, connection)
            if !frames.isEmpty || ended {
                // The frames that came first go once the handshake completes (until then the connection is not open).
                let management = management
                Task {
                    await Self.deliverWhenOpen(frames, to: connection, close: ended, management: management)
                }
            }
            return ["statusCode": 200]
        case "MESSAGE":
            guard let body = event["body"]?.stringValue, let frame = JSONValue(parsing: Data(body.utf8)),
                let content = frame["message"]?.stringValue
            else {
                await push(
                    connectionID,
                    endpoint,
                    ["event_type": "error", "content": #"expected {"action":"onMessage","message":"...","conversationId":"ID"}"#]
                )
                return ["statusCode": 400]
            }
            let known = await connections.conversation(of: connectionID)
            guard let conversation = frame["conversationId"]?.stringValue ?? known else {
                await push(connectionID, endpoint, ["event_type": "error", "content": "no conversationId for this connection"])
                return ["statusCode": 400]
            }
            do {
                try await talkdesk.sendMessage(conversation, content: content)
            } catch {
                await push(connectionID, endpoint, ["event_type": "error", "content": .string("\(error)")])
            }
            return ["statusCode": 200]
        case "DISCONNECT":
            let conversation = await connections.disconnected(connectionID)
            let code = context?["disconnectStatusCode"]?.numberValue
            let reason = context?["disconnectReason"]?.stringValue ?? ""
            // The Lex Web UI ends the chat with close code 4000 and the reason conversationId:ID.
            if code == 4000 {
                let named = reason.hasPrefix("conversationId:") ? String(reason.dropFirst("conversationId:".count)) : ""
                if let target = named.isEmpty ? conversation : named {
                    do {
                        try await talkdesk.endConversation(target)
                    } catch {
                        logger.warning("ending the conversation failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            return ["statusCode": 200]
        default:
            return ["statusCode": 400, "body": .string("unknown eventType \(type)")]
        }
    }

    private func push(_ connectionID: String, _ endpoint: String, _ frame: JSONValue) async {
        _ = await management.post(endpoint, connectionID, frame.jsonText)
    }

    /// Frames for a connection whose `$connect` is still being answered: tried until it opens (5 s).
    static func deliverWhenOpen(_ frames: [String], to connection: Connections.Connection, close: Bool, management: ManagementClient) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        var remaining = frames[...]
        while clock.now < deadline {
            guard let frame = remaining.first else { break }
            switch await management.post(connection.endpoint, connection.id, frame) {
            case .sent: remaining = remaining.dropFirst()
            case .gone, .failed: try? await Task.sleep(for: .milliseconds(20))
            }
        }
        if close { _ = await management.delete(connection.endpoint, connection.id) }
    }

    // MARK: chat_callback

    /// Talkdesk's callbacks through the REST API: the agent's messages and the chat's end pushed to the
    /// customer's connection; a conversation with no connection yet keeps them for it.
    func chatCallback(_ event: [String: JSONValue]) async -> JSONValue {
        guard let text = event["body"]?.stringValue else {
            return ["statusCode": 400, "body": #"{"message":"expected an API Gateway proxy event with a body"}"#]
        }
        let data = event["isBase64Encoded"] == .bool(true) ? Data(base64Encoded: text) ?? Data() : Data(text.utf8)
        guard let callback = JSONValue(parsing: data), let type = callback["event_type"]?.stringValue,
            let conversation = callback["conversation_id"]?.stringValue
        else {
            return ["statusCode": 400, "body": #"{"message":"expected a Builder callback body with event_type and conversation_id"}"#]
        }
        guard type == "message_created" || type == "conversation_ended" else { return ["statusCode": 200, "body": "{}"] }
        let payload = callback["payload"]
        let frame: JSONValue = [
            "event_type": .string(type), "author_name": .string(payload?["author_name"]?.stringValue ?? "Agent"),
            "content": .string(payload?["content"]?.stringValue ?? ""),
        ]
        let ending = type == "conversation_ended"
        guard let connection = await connections.route(conversation, frame: frame.jsonText, ending: ending) else {
            return ["statusCode": 200, "body": "{}"]
        }
        switch await management.post(connection.endpoint, connection.id, frame.jsonText) {
        case .sent:
            if ending { _ = await management.delete(connection.endpoint, connection.id) }
        case .gone:
            await connections.keep(conversation, frame: frame.jsonText, for: connection)
        case .failed(let why):
            // A 5xx answer: Talkdesk retries the callback.
            return ["statusCode": 502, "body": .string((["message": .string("PostToConnection failed: \(why)")] as JSONValue).jsonText)]
        }
        return ["statusCode": 200, "body": "{}"]
    }
}
