package import Foundation
import Hummingbird
package import Logging
package import NIOCore
package import NIOHTTP1
package import NIOWebSocket
import ServiceLifecycle
import Synchronization
import TDMockCore
package import TDMockServices

/// API Gateway's WebSocket API (docs/aws.md) at `ws://HOST:PORT/apigw/ws/{stage}`: the handshake asks the
/// `$connect` route's function, each frame goes to the route its selection expression picks (else
/// `$default`), `$disconnect` is invoked once per connection however it ends, and the Management API
/// (`ManagementController`) pushes frames to a connection, describes it or closes it.
///
/// A connection is served by one task (`run`), which reads its frames in order and invokes their
/// functions one after the other, as a customer's messages must reach Talkdesk in the order typed. As a
/// `Service` it closes idle connections (1001), and on shutdown every connection is closed with 1001.
package final class WebSocketAPI: Service, Sendable {
    /// API Gateway's limit on a WebSocket message (and on a `PostToConnection` body).
    package static let maximumMessageBytes = 128 * 1024
    static let prefix = "/apigw/ws"

    let services: AppServices
    package let functions: FunctionInvoker
    let events: EventHub
    private let connections = Mutex<[String: Connection]>([:])
    private let counter = Atomic<UInt64>(0)

    private var api: APIGatewayConfiguration.WebSocketAPI { services.configuration.apiGateway.webSocket }

    package init(services: AppServices, functions: FunctionInvoker, events: EventHub) {
        self.services = services
        self.functions = functions
        self.events = events
    }

    // MARK: The handshake

    /// A handshake accepted: the connection's id and what API Gateway keeps of it.
    package struct Accepted: Sendable {
        let id: String
        let connectedAt: Date
        let identity: Identity
        let stage: String
        /// `requestContext.domainName`: what a function builds the Management API's endpoint from.
        let domainName: String
    }

    struct Identity: Sendable {
        var sourceIP: String
        var userAgent: String
    }

    /// A handshake refused: the status and body API Gateway answers.
    package struct Refusal: Sendable {
        package let status: Int
        package let body: Data
    }

    package enum Decision: Sendable {
        case accept(Accepted)
        case refuse(Refusal)
    }

    /// Whether a handshake's target is the WebSocket API's.
    package static func isHandshake(_ uri: String) -> Bool {
        uri == prefix || uri.hasPrefix(prefix + "/") || uri.hasPrefix(prefix + "?")
    }

    /// Takes or refuses a handshake as API Gateway does: an unknown stage 403; the `$connect` route's function
    /// answering a 2xx `statusCode` takes it, any other `statusCode` refuses it with that status, a failed
    /// invocation with 502; no `$connect` route takes it.
    package func decide(_ head: HTTPRequestHead, sourceIP: String) async -> Decision {
        let components = URLComponents(string: head.uri)
        let path = components?.path ?? head.uri
        let stage = path.dropFirst(Self.prefix.count).split(separator: "/").first.map(String.init) ?? ""
        guard stage == api.stage, path.split(separator: "/").count == 3 else {
            return .refuse(Refusal(status: 403, body: Data(#"{"message":"Forbidden"}"#.utf8)))
        }
        let now = services.clock()
        let accepted = Accepted(
            id: nextConnectionID(),
            connectedAt: now,
            identity: Identity(sourceIP: sourceIP, userAgent: head.headers.first(name: "user-agent") ?? ""),
            stage: stage,
            domainName: services.domainName(host: head.headers.first(name: "host"))
        )
        guard let function = api.routes["$connect"] else { return .accept(accepted) }
        let event = connectEvent(head, accepted, query: components?.queryItems ?? [], time: now)
        let result = await invoke(function, event, connection: accepted.id)
        let internalError = Refusal(status: 502, body: Data(#"{"message":"Internal server error"}"#.utf8))
        guard result.problem == nil, let answer = result.answer else { return .refuse(internalError) }
        // A Lambda proxy answer; anything without a whole statusCode is one API Gateway cannot use.
        guard let code = answer["statusCode"]?.numberValue, code == code.rounded(), (100...599).contains(code) else {
            return .refuse(internalError)
        }
        guard (200..<300).contains(Int(code)) else {
            let body = answer["body"]?.stringValue.map { Data($0.utf8) } ?? Data()
            return .refuse(Refusal(status: Int(code), body: body))
        }
        return .accept(accepted)
    }

    /// API Gateway's connection ids: 16 characters of base64, unique and never reused in a process's life
    /// (a counter in the first bytes, so `tdmock reset`'s restarted seed cannot repeat one).
    private func nextConnectionID() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var bytes = withUnsafeBytes(of: UInt32(truncatingIfNeeded: count).bigEndian) { Array($0) }
        bytes += services.ids.bytes(6)
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
    }

    // MARK: Events, as API Gateway's WebSocket Lambda proxy integration sends them

    /// One call of a route's function, journalled as the WebSocket API's, within its integration time-out.
    private func invoke(_ function: String, _ event: JSONValue, connection: String) async -> FunctionInvoker.Result {
        await functions.invoke(
            function,
            event: JSONCoding.data(event),
            caller: .apiGatewayWebSocket,
            timeout: api.timeout,
            limitName: "apigateway.websocket.timeout",
            connectionID: connection
        )
    }

    private func requestContext(
        route: String,
        type: String,
        accepted: Accepted,
        time: Date,
        extra: [String: JSONValue] = [:]
    ) -> [String: JSONValue] {
        let requestID = services.ids.identifier()
        var context: [String: JSONValue] = [
            "routeKey": .string(route),
            "eventType": .string(type),
            "extendedRequestId": .string(requestID),
            "requestTime": .string(APIGatewayTime.requestTime(time)),
            "messageDirection": "IN",
            "stage": .string(accepted.stage),
            "connectedAt": .number((accepted.connectedAt.timeIntervalSince1970 * 1000).rounded()),
            "requestTimeEpoch": .number((time.timeIntervalSince1970 * 1000).rounded()),
            "identity": ["sourceIp": .string(accepted.identity.sourceIP), "userAgent": .string(accepted.identity.userAgent)],
            "requestId": .string(requestID),
            "domainName": .string(accepted.domainName),
            "connectionId": .string(accepted.id),
            "apiId": .string(APIGatewayTime.apiID),
        ]
        context.merge(extra) { _, new in new }
        return context
    }

    private func connectEvent(_ head: HTTPRequestHead, _ accepted: Accepted, query: [URLQueryItem], time: Date) -> JSONValue {
        let headers = RESTAPIController.valueMaps(head.headers.map { ($0.name, $0.value) })
        let parameters = RESTAPIController.valueMaps(query.map { ($0.name, $0.value ?? "") })
        return [
            "headers": .object(headers.single),
            "multiValueHeaders": .object(headers.multiple),
            "queryStringParameters": parameters.single.isEmpty ? .null : .object(parameters.single),
            "multiValueQueryStringParameters": parameters.multiple.isEmpty ? .null : .object(parameters.multiple),
            "requestContext": .object(requestContext(route: "$connect", type: "CONNECT", accepted: accepted, time: time)),
            "isBase64Encoded": false,
        ]
    }

    // MARK: A connection's life

    /// An open connection, as the Management API and the idle sweep see it.
    final class Connection: Sendable {
        let accepted: Accepted
        let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
        let channel: any Channel
        private let state: Mutex<State>

        struct State {
            var lastActiveAt: Date
            /// The close the server started (DeleteConnection, idle, shutdown): its code and reason.
            var closing: (code: UInt16, reason: String)?
        }

        init(_ accepted: Accepted, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, channel: any Channel) {
            self.accepted = accepted
            self.outbound = outbound
            self.channel = channel
            self.state = Mutex(State(lastActiveAt: accepted.connectedAt))
        }

        var lastActiveAt: Date { state.withLock { $0.lastActiveAt } }
        var closing: (code: UInt16, reason: String)? { state.withLock { $0.closing } }

        func touch(_ now: Date) { state.withLock { $0.lastActiveAt = now } }

        /// Sends a text frame (a binary one for bytes that are not UTF-8).
        func send(_ bytes: ByteBuffer) async throws {
            let opcode: WebSocketOpcode = String(validating: bytes.readableBytesView, as: UTF8.self) == nil ? .binary : .text
            try await outbound.write(WebSocketFrame(fin: true, opcode: opcode, data: bytes))
        }

        /// Starts the server's close: a close frame with `code` and `reason`; the socket is closed a second
        /// later if the client does not answer. The first close wins.
        func close(code: UInt16, reason: String) {
            let first = state.withLock { state -> Bool in
                guard state.closing == nil else { return false }
                state.closing = (code, reason)
                return true
            }
            guard first else { return }
            var data = ByteBuffer()
            data.writeInteger(code)
            data.writeString(reason)
            let channel = channel
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }

    /// Serves one connection from its handshake to its `$disconnect`.
    package func run(_ frames: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, _ accepted: Accepted, logger: Logger) async {
        var closeCode: UInt16 = 1006
        var closeReason = ""
        do {
            try await frames.executeThenClose { inbound, outbound in
                let connection = Connection(accepted, outbound: outbound, channel: frames.channel)
                connections.withLock { $0[accepted.id] = connection }
                var opened = InboxEvent(event: .websocketConnected, time: accepted.connectedAt)
                opened.connectionId = accepted.id
                events.publish(opened)
                defer { _ = connections.withLock { $0.removeValue(forKey: accepted.id) } }
                await withGracefulShutdownHandler {
                    do {
                        for try await frame in inbound {
                            connection.touch(services.clock())
                            switch frame.opcode {
                            case .text, .binary:
                                await message(frame, on: connection)
                            case .ping:
                                try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                            case .connectionClose:
                                var data = frame.unmaskedData
                                let code = data.readInteger(as: UInt16.self) ?? 1005
                                let reason = data.readString(length: data.readableBytes) ?? ""
                                if let started = connection.closing {
                                    (closeCode, closeReason) = started
                                } else {
                                    (closeCode, closeReason) = (code, reason)
                                    var echo = ByteBuffer()
                                    echo.writeInteger(code == 1005 ? 1000 : code)
                                    try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo))
                                }
                                return
                            default:
                                continue
                            }
                        }
                        if let started = connection.closing { (closeCode, closeReason) = started }
                    } catch {
                        if let started = connection.closing {
                            (closeCode, closeReason) = started
                        } else if Self.isTooLarge(error) {
                            (closeCode, closeReason) = (1009, "Message too big")
                            var data = ByteBuffer()
                            data.writeInteger(UInt16(1009))
                            try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
                        }
                        logger.debug("a WebSocket connection ended", metadata: ["error": "\(error)"])
                    }
                } onGracefulShutdown: {
                    connection.close(code: 1001, reason: "Going away")
                }
            }
        } catch {
            logger.debug("a WebSocket connection failed", metadata: ["error": "\(error)"])
        }
        await disconnected(accepted, code: closeCode, reason: closeReason)
    }

    /// A frame, or a message's fragments together, over the limit (NIO's decoder and frame aggregator).
    private static func isTooLarge(_ error: any Error) -> Bool {
        switch error {
        case NIOWebSocketError.invalidFrameLength: true
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge, NIOWebSocketFrameAggregator.Error.tooManyFragments: true
        default: false
        }
    }

    /// A message frame: to its route's function, or `Forbidden` to the client when no route takes it.
    private func message(_ frame: WebSocketFrame, on connection: Connection) async {
        let data = frame.unmaskedData
        let text = frame.opcode == .text ? String(buffer: data) : nil
        let route = routeKey(of: text)
        let requestID = services.ids.identifier()
        func reply(_ message: String) async {
            let body: JSONValue = ["message": .string(message), "connectionId": .string(connection.accepted.id), "requestId": .string(requestID)]
            try? await connection.outbound.write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: body.jsonText)))
        }
        guard let route, let function = api.routes[route] else {
            await reply("Forbidden")
            return
        }
        let now = services.clock()
        var context = requestContext(
            route: route,
            type: "MESSAGE",
            accepted: connection.accepted,
            time: now,
            extra: ["messageId": .string(services.ids.identifier())]
        )
        context["requestId"] = .string(requestID)
        let event: JSONValue = [
            "requestContext": .object(context),
            "body": .string(text ?? Data(data.readableBytesView).base64EncodedString()),
            "isBase64Encoded": .bool(text == nil),
        ]
        let result = await invoke(function, event, connection: connection.accepted.id)
        if result.problem != nil { await reply("Internal server error") }
    }

    /// The route a frame's text selects: the value the selection expression (`$request.body.a.b`) picks
    /// when a route has that key, else `$default` when there is one.
    func routeKey(of text: String?) -> String? {
        var selected: String?
        let expression = api.routeSelectionExpression
        if expression.hasPrefix("$request.body."), let text, let body = JSONValue(parsing: Data(text.utf8)) {
            var value: JSONValue? = body
            for name in expression.dropFirst("$request.body.".count).split(separator: ".") { value = value?[String(name)] }
            selected = value?.stringValue
        }
        if let selected, api.routes[selected] != nil, !selected.hasPrefix("$") { return selected }
        return api.routes["$default"] != nil ? "$default" : nil
    }

    /// After the socket closed: `$disconnect` once, with the close's code and reason.
    private func disconnected(_ accepted: Accepted, code: UInt16, reason: String) async {
        let now = services.clock()
        if let function = api.routes["$disconnect"] {
            let context = requestContext(
                route: "$disconnect",
                type: "DISCONNECT",
                accepted: accepted,
                time: now,
                extra: ["disconnectStatusCode": .number(Double(code)), "disconnectReason": .string(reason)]
            )
            let event: JSONValue = ["requestContext": .object(context), "isBase64Encoded": false]
            _ = await invoke(function, event, connection: accepted.id)
        }
        var closed = InboxEvent(event: .websocketDisconnected, time: now)
        closed.connectionId = accepted.id
        closed.statusCode = Int(code)
        closed.content = reason
        events.publish(closed)
    }

    // MARK: The Management API's operations

    func connection(_ id: String) -> Connection? { connections.withLock { $0[id] } }

    /// How many connections are open.
    var openCount: Int { connections.withLock { $0.count } }

    // MARK: The idle sweep

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let limit = self.api.idleTimeout
                let now = self.services.clock()
                let idle = self.connections.withLock { $0.values.filter { now.timeIntervalSince($0.lastActiveAt) > limit } }
                for connection in idle { connection.close(code: 1001, reason: "Going away") }
            }
        }
    }
}
