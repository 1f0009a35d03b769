public import AsyncHTTPClient
import Foundation
public import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import TDMockCore

/// The customer in a terminal, doing what the Lex Web UI does (docs/chat-line.md): each line goes to the chat
/// bot with RecognizeText (the customer's name and email as session attributes, the chat so far as
/// `transcript`); once the bot's session attributes carry `talkdesk_conversation_id`, the live chat opens
/// on the WebSocket API with `?conversationId=ID` and each line is an `onMessage` frame.
public actor CustomerSession: LineSession {
    /// The chat bot, as the Lex Web UI's config names it.
    public struct Bot: Sendable {
        public var id: String
        public var aliasID: String
        public var localeID: String

        public init(id: String = "TDMOCKCHAT", aliasID: String = "TSTALIASID", localeID: String = "en_US") {
            self.id = id
            self.aliasID = aliasID
            self.localeID = localeID
        }
    }

    let name: String
    let email: String
    let server: String
    let bot: Bot
    let webSocketEndpoint: String
    let client: HTTPClient
    let style: Style
    let output: any ConsoleOutput
    let onEnd: @Sendable () -> Void
    let sessionID = UUID().uuidString.lowercased()
    private var attributes: [String: String]
    private var transcript: [JSONValue] = []
    /// Set once the bot escalated.
    public private(set) var conversationID: String?
    private var outbound: WebSocketOutboundWriter?
    private var pending: [String] = []
    /// Set once the agent has ended the chat.
    public private(set) var ended = false
    /// Set once the WebSocket is closed (both sides' close frames exchanged, or the connection gone).
    private var disconnected = false

    public init(
        name: String,
        email: String,
        server: String,
        bot: Bot = Bot(),
        stage: String = "prod",
        client: HTTPClient,
        style: Style,
        output: any ConsoleOutput,
        onEnd: @escaping @Sendable () -> Void
    ) {
        self.name = name
        self.email = email
        self.server = server
        self.bot = bot
        self.webSocketEndpoint =
            server.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://") + "/apigw/ws/\(stage)"
        self.client = client
        self.style = style
        self.output = output
        self.onEnd = onEnd
        self.attributes = ["customer_name": name, "customer_email": email]
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
        let frame: [String: Any] = ["action": "onMessage", "message": line, "conversationId": conversationID ?? ""]
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
            guard let conversationID else {
                output.show("You left.")
                return false
            }
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
                "Type a line to send it to the bot, then, once it hands you over, to the agent.\n  /leave  end the chat\n  /quit   close this window without ending the chat (Ctrl-D too)"
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
            guard conversationID != nil else {
                await ask(raw)
                return true
            }
            await send(raw)
            return true
        }
    }

    /// A frame pushed to the live chat: the agent's message, the end of the chat, or an error.
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

    /// One line to the bot (RecognizeText): its messages shown; the live chat opened once it escalated.
    func ask(_ text: String) async {
        let now = Timestamp.string(from: Date())
        var body: [String: JSONValue] = ["text": .string(text)]
        body["sessionState"] = ["sessionAttributes": .object(attributes.mapValues(JSONValue.string))]
        let path = "/bots/\(bot.id)/botAliases/\(bot.aliasID)/botLocales/\(bot.localeID)/sessions/\(sessionID)/text"
        var request = HTTPClientRequest(url: server + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONCoding.data(JSONValue.object(body))))
        let answer: JSONValue
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            answer = JSONValue(parsing: data) ?? .null
            guard response.status == .ok else {
                output.show(
                    style.error(
                        "error: the bot failed (\(response.status.code)): \(answer["message"]?.stringValue ?? String(decoding: data, as: UTF8.self))"
                    )
                )
                return
            }
        } catch {
            output.show(style.error("error: cannot reach tdmock at \(server): \(AgentClient.describe(error)) (start it with `tdmock serve`)"))
            return
        }
        transcript.append(["type": "user", "content": .string(text), "created_at": .string(now)])
        for message in answer["messages"]?.arrayValue ?? [] {
            guard let content = message["content"]?.stringValue else { continue }
            output.show("Bot: \(Render.visible(content))")
            transcript.append(["type": "external", "content": .string(content), "created_at": .string(Timestamp.string(from: Date()))])
        }
        if let returned = answer["sessionState"]?["sessionAttributes"]?.objectValue {
            attributes = returned.compactMapValues(\.stringValue)
        }
        attributes["transcript"] = JSONValue.array(transcript).jsonText
        guard let id = attributes["talkdesk_conversation_id"] else { return }
        conversationID = id
        output.show("Conversation \(id). Type a line to send it; /leave ends the chat.")
        let onEnd = onEnd
        Task { await self.connect(onEnd: onEnd) }
    }

    /// Waits (up to 5 s) for the server's answer to our close frame, so that the process does not end
    /// while its close frame (and the code 4000 that ends the conversation) is still on its way: exiting
    /// with the reply unread made the kernel reset the connection, and the server then saw no close code
    /// at all (a flaky end-to-end test under load).
    private func waitForDisconnection() async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while !disconnected && clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }

    private func markDisconnected() { disconnected = true }

    /// The live chat: the WebSocket API, as the Lex Web UI opens it, until either side closes it.
    func connect(onEnd: @escaping @Sendable () -> Void) async {
        guard let conversationID else { return }
        let url =
            webSocketEndpoint + "?conversationId=" + (conversationID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? conversationID)
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
