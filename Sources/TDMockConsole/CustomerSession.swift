public import AsyncHTTPClient
import Foundation
public import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import TDMockCore

/// The customer's side of a chat through `tdmock bridge`: escalate from the bot, then chat over the
/// Lex Web UI's live-chat WebSocket.
public actor CustomerSession: LineSession {
    let name: String
    let conversationID: String
    let style: Style
    let output: any ConsoleOutput
    private var outbound: WebSocketOutboundWriter?
    private var pending: [String] = []
    /// Set once the agent has ended the chat.
    public private(set) var ended = false
    /// Set once the WebSocket is closed (both sides' close frames exchanged, or the connection gone).
    private var disconnected = false

    public init(name: String, conversationID: String, style: Style, output: any ConsoleOutput) {
        self.name = name
        self.conversationID = conversationID
        self.style = style
        self.output = output
    }

    public var prompt: String { "\(name)> " }
    public var completions: [String] { ["/help", "/leave", "/quit"] }

    /// The socket is open: lines typed before it opened go now.
    public func attach(_ outbound: WebSocketOutboundWriter) async {
        self.outbound = outbound
        for line in pending { await send(line) }
        pending.removeAll()
    }

    private func send(_ line: String) async {
        guard let outbound else {
            pending.append(line)
            return
        }
        let frame: [String: Any] = ["action": "onMessage", "message": line, "conversationId": conversationID]
        do {
            let data = try JSONSerialization.data(withJSONObject: frame, options: [.sortedKeys])
            try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
        } catch {
            output.show(style.error("error: the message was not sent: \(error)"))
        }
    }

    public func handle(line raw: String) async -> Bool {
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return true }
        switch line {
        case "/leave":
            // The Lex Web UI's way to leave: close code 4000 with the conversation's id.
            try? await outbound?.close(.unknown(4000), reason: "conversationId:\(conversationID)")
            await waitForDisconnection()
            output.show("You left the chat.")
            return false
        case "/quit":
            try? await outbound?.close(.normalClosure, reason: nil)
            await waitForDisconnection()
            return false
        case "/help":
            output.show(
                "Type a line to send it to the agent.\n  /leave  end the chat\n  /quit   close this window without ending the chat (Ctrl-D too)"
            )
            return true
        default:
            if line.hasPrefix("/") {
                output.show(style.error("error: unknown command \(line); /help lists them"))
                return true
            }
            if ended {
                output.show(style.warning("The chat has ended."))
                return true
            }
            await send(raw)
            return true
        }
    }

    /// A frame from the bridge: the agent's message, the end of the chat, or an error.
    public func receive(_ text: String) {
        guard let frame = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return }
        let author = Render.visible(frame["author_name"] as? String ?? "Agent")
        switch frame["event_type"] as? String {
        case "message_created":
            let time = Render.clock(Timestamp.string(from: Date()))
            output.show("\(style.dim(time))  \(style.agent(author)): \(Render.visible(frame["content"] as? String ?? ""))")
        case "conversation_ended":
            ended = true
            output.show(style.warning("\(author) ended the chat."))
        case "error":
            output.show(style.error("error: \(frame["content"] as? String ?? "")"))
        default:
            break
        }
    }

    /// Escalates from the bot through the bridge's Lex fulfillment: returns the conversation id and what
    /// the bot said.
    public static func escalate(bridge: String, name: String, email: String, client: HTTPClient) async throws -> (id: String, message: String) {
        let now = Date()
        let transcript: [[String: String]] = [
            [
                "type": "external", "content": "Hi! I'm the bank's assistant. How can I help?",
                "created_at": Timestamp.string(from: now.addingTimeInterval(-20)),
            ],
            ["type": "user", "content": "I can't log in", "created_at": Timestamp.string(from: now.addingTimeInterval(-15))],
            [
                "type": "external", "content": "Sorry to hear that. Shall I connect you with a person?",
                "created_at": Timestamp.string(from: now.addingTimeInterval(-10)),
            ],
        ]
        let transcriptText = String(decoding: try JSONSerialization.data(withJSONObject: transcript, options: [.sortedKeys]), as: UTF8.self)
        let event: [String: Any] = [
            "messageVersion": "1.0", "invocationSource": "FulfillmentCodeHook", "inputMode": "Text",
            "sessionId": UUID().uuidString, "inputTranscript": "Yes, let me talk to a person",
            "bot": ["id": "TDMOCKBOT", "name": "tdmock customer", "aliasId": "TSTALIASID", "localeId": "en_US", "version": "DRAFT"],
            "interpretations": [
                ["intent": ["name": "TalkToAgent", "state": "ReadyForFulfillment"], "sentimentResponse": ["sentiment": "NEGATIVE"]]
            ],
            "sessionState": [
                "intent": ["name": "TalkToAgent", "state": "ReadyForFulfillment", "confirmationState": "None", "slots": [String: String]()],
                "sessionAttributes": [
                    "customer_name": name, "customer_email": email, "intent_history": "Login", "transcript": transcriptText,
                ],
            ],
        ]
        var request = HTTPClientRequest(url: bridge + "/lex/fulfillment")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: event)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw ConsoleError("cannot reach the bridge at \(bridge): \(AgentClient.describe(error)) (start it with `tdmock bridge`)")
        }
        let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        let body = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let state = body["sessionState"] as? [String: Any]
        let message = (body["messages"] as? [[String: Any]])?.first?["content"] as? String ?? ""
        guard response.status == .ok, let id = (state?["sessionAttributes"] as? [String: Any])?["talkdesk_conversation_id"] as? String else {
            throw ConsoleError(
                "the escalation failed (\(response.status.code)): \(message.isEmpty ? String(decoding: data, as: UTF8.self) : message)"
            )
        }
        return (id, message)
    }

    /// Waits (up to 5 s) for the bridge's answer to our close frame, so that the process does not end
    /// while its close frame (and the code 4000 that ends the conversation) is still on its way: exiting
    /// with the bridge's reply unread made the kernel reset the connection, and the bridge then saw no
    /// close code at all (a flaky end-to-end test under load).
    private func waitForDisconnection() async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while !disconnected && clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }

    private func markDisconnected() { disconnected = true }

    /// The live chat: the WebSocket to the bridge, until either side closes it.
    public func connect(bridge: String, onEnd: @escaping @Sendable () -> Void) async {
        var url = bridge.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
        url += "/ws?conversationId=\(conversationID)"
        do {
            try await WebSocketClient.connect(url: url, logger: Logger(label: "tdmock.customer")) { inbound, outbound, _ in
                await self.attach(outbound)
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message { await self.receive(text) }
                    if await self.ended { break }
                }
            }
        } catch {
            output.show(style.error("The chat connection failed: \(error)"))
        }
        markDisconnected()
        onEnd()
    }
}
