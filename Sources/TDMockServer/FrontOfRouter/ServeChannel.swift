import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import TDMockAWS
import TDMockServices
import TDMockTalkdesk

/// The child channel of `tdmock serve`: HTTP/1 as Hummingbird's `HTTP1Channel` sets it up (with the
/// limits' `ConnectionGuard` and, in front of the codec, `SendMessageFastPath`), where a connection's
/// first request may also be a WebSocket handshake for API Gateway's WebSocket API (`/apigw/ws/…`).
///
/// Hummingbird's own `HTTP1WebSocketUpgradeChannel` is not used because it installs the channel handlers
/// only once the first request is known not to upgrade (the connection guard would not see that request's
/// headers arrive, so a client trickling them would never be cut off), and because it refuses every
/// handshake with 400, where API Gateway answers a refused `$connect` with the status its function gave.
struct ServeChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A WebSocket handshake refused: the answer is written, then the connection closed.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, WebSocketAPI.Refusal)
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, WebSocketAPI.Accepted)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let limits: ServerLimits
    let counter: ConnectionCounter
    let logger: Logger
    let sendMessage: DigitalConnectController?
    let webSockets: WebSocketAPI?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let decision = NIOLoopBoundBox<WebSocketAPI.Decision?>(nil, eventLoop: channel.eventLoop)
            let connectionGuard = ConnectionGuard(limits: limits, counter: counter, logger: self.logger)
            let webSockets = self.webSockets
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: WebSocketAPI.maximumMessageBytes,
                shouldUpgrade: { channel, head in
                    guard let webSockets, WebSocketAPI.isHandshake(head.uri) else { return channel.eventLoop.makeSucceededFuture(nil) }
                    let promise = channel.eventLoop.makePromise(of: WebSocketAPI.Decision.self)
                    let sourceIP = channel.remoteAddress?.ipAddress ?? "127.0.0.1"
                    promise.completeWithTask { await webSockets.decide(head, sourceIP: sourceIP) }
                    return promise.futureResult.map { made in
                        decision.value = made
                        guard case .accept = made else { return nil }
                        // From here the connection carries frames: the HTTP limits' guard leaves it.
                        connectionGuard.leave(channel.pipeline)
                        return HTTPHeaders()
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .accept(let accepted) = decision.value else { throw ChannelError.inappropriateOperationForState }
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0,
                                maxAccumulatedFrameCount: 1024,
                                maxAccumulatedFrameSize: WebSocketAPI.maximumMessageBytes
                            )
                        )
                        let frames = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return Negotiated.webSocket(frames, accepted)
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        if let sendMessage {
                            try channel.pipeline.syncOperations.addHandler(InFrontOfCodec([SendMessageFastPath(controller: sendMessage)]))
                        }
                        // The idle timeout is the connection guard's: Hummingbird's does not see the fast path's requests.
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if case .refuse(let refusal) = decision.value { return .refused(http, refusal) }
                        return .http(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
            configuration.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            // A request the decoder cannot parse (headers over the limit) is answered 400 and the connection
            // closed by NIO's handler: the first request's error never reaches Hummingbird, which answers the rest.
            configuration.enableErrorHandling = true
            configuration.enableResponseHeaderValidation = false  // HTTPTypes validates
            configuration.decoderConfiguration.maxHeaderFieldSize = limits.maxHeaderBytes
            configuration.decoderConfiguration.maxHeaderListSize = limits.maxHeaderBytes
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            // The guard sees each request head after the decoder and its error handler, before the upgrader.
            let errors = try channel.pipeline.syncOperations.context(handlerType: HTTPServerProtocolErrorHandler.self)
            try channel.pipeline.syncOperations.addHandler(connectionGuard, position: .after(errors.handler))
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http(let http): await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let refusal): await Self.write(refusal, to: http, logger: logger)
            case .webSocket(let frames, let accepted): await webSockets?.run(frames, accepted, logger: logger)
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("the connection closed before its first request")
        } catch {
            logger.debug("a connection ended before its first request was answered", metadata: ["error": "\(error)"])
        }
    }

    /// A refused handshake: API Gateway's status and body, then the connection closed.
    private static func write(_ refusal: WebSocketAPI.Refusal, to http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                let body = ByteBuffer(bytes: refusal.body)
                let head = HTTPResponse(
                    status: .init(code: refusal.status),
                    headerFields: [.connection: "close", .contentLength: String(body.readableBytes), .contentType: "application/json"]
                )
                try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
            }
        } catch {
            logger.trace("the refused handshake's client left first", metadata: ["error": "\(error)"])
        }
    }
}
