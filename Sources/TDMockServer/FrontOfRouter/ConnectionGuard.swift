import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Synchronization
import TDMockHTTP
import TDMockServices

/// How many connections are open, against `ServerLimits.maxConnections`.
final class ConnectionCounter: Sendable {
    private let open = Mutex(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a place; false when all are taken (nothing taken then).
    func acquire() -> Bool {
        open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { open.withLock { $0 -= 1 } }
}

/// Enforces the per-connection limits: the connection limit (one connection too many is answered 503
/// at its first request and closed), the time a request's headers may take from its first byte (408
/// and closed: a client trickling a byte a second is cut off), the time its body may take after them
/// (closed), and the idle timeout (closed after that long without a byte either way, no answer owed).
///
/// Sits right after the HTTP decoder, on NIOHTTP1's parts (it sees request heads and ends and the
/// response's end), and puts a small observer at the front of the pipeline to learn when bytes arrive.
/// The deadlines are checked once a second by one repeated task per connection, so the hot path only
/// notes times. The idle timeout is here rather than in Hummingbird's connection handler because that
/// one only sees the requests the router answers, not those `SendMessageFastPath` answers before it: it
/// closed connections busy with Send a Message as idle.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ServerLimits
    private let counter: ConnectionCounter
    private let logger: Logger
    private var admitted = false
    private var released = false
    private var headStarted: NIODeadline?
    private var bodyStarted: NIODeadline?
    private var inRequest = false
    private var lastActivity = NIODeadline.now()
    private var responsesOwed = 0
    private var closing = false
    private var check: RepeatedTask?
    private var observer: FirstByteObserver?

    init(limits: ServerLimits, counter: ConnectionCounter, logger: Logger) {
        self.limits = limits
        self.counter = counter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        admitted = counter.acquire()
        let observer = FirstByteObserver(owner: self)
        self.observer = observer
        try? context.pipeline.syncOperations.addHandler(observer, position: .first)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let (handler, context) = bound.value
            handler.checkDeadlines(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    /// Takes the guard and its byte observer out of `pipeline` (a connection that became a WebSocket);
    /// the connection's place is given back.
    func leave(_ pipeline: ChannelPipeline) {
        let operations = pipeline.syncOperations
        if let observer = observer { operations.removeHandler(observer, promise: nil) }
        operations.removeHandler(self, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func finish() {
        check?.cancel()
        check = nil
        if admitted && !released {
            released = true
            counter.release()
        }
    }

    /// Bytes arrived: when no request is under way, they are the start of the next one's headers.
    fileprivate func bytesArrived() {
        lastActivity = .now()
        if !inRequest && headStarted == nil { headStarted = lastActivity }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head:
            headStarted = nil
            inRequest = true
            bodyStarted = .now()
            guard admitted else {
                refuse(
                    context,
                    status: .serviceUnavailable,
                    message: "tdmock has \(limits.maxConnections) connections open, its limit (limits.max_connections)"
                )
                return
            }
            responsesOwed += 1
        case .body:
            guard admitted else { return }
        case .end:
            inRequest = false
            bodyStarted = nil
            guard admitted else { return }
        }
        context.fireChannelRead(data)
    }

    /// The server is shutting down: a connection with no request under way closes now. (Hummingbird's
    /// connection state handler does the same, but it is added only with a connection's first request: a
    /// connection opened ahead of need, as browsers open them, would otherwise hold the shutdown up.)
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, !inRequest, responsesOwed <= 0, !closing {
            closing = true
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A request the decoder could not parse has been answered 400 (`HTTPServerProtocolErrorHandler`):
    /// the connection closes, as nothing after it can be read.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, !closing {
            closing = true
            context.close(promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesOwed -= 1
            lastActivity = .now()
        }
        context.write(data, promise: promise)
    }

    private func checkDeadlines(context: ChannelHandlerContext) {
        guard !closing else { return }
        let now = NIODeadline.now()
        if let started = headStarted, now - started > .nanoseconds(Int64(limits.headerTimeout * 1e9)), responsesOwed == 0 {
            logger.info("closing a connection whose request headers took too long", metadata: ["limit_seconds": "\(limits.headerTimeout)"])
            refuse(
                context,
                status: .requestTimeout,
                message: "the request's headers did not arrive within \(limits.headerTimeout) s (limits.header_timeout)"
            )
        } else if let started = bodyStarted, now - started > .nanoseconds(Int64(limits.bodyTimeout * 1e9)) {
            logger.info("closing a connection whose request body took too long", metadata: ["limit_seconds": "\(limits.bodyTimeout)"])
            closing = true
            context.close(promise: nil)
        } else if !inRequest, headStarted == nil, responsesOwed <= 0, now - lastActivity > .nanoseconds(Int64(limits.idleTimeout * 1e9)) {
            logger.debug("closing an idle connection", metadata: ["limit_seconds": "\(limits.idleTimeout)"])
            closing = true
            context.close(promise: nil)
        }
    }

    /// Answers with `status` and a one-line JSON body, then closes the connection.
    private func refuse(_ context: ChannelHandlerContext, status: HTTPResponseStatus, message: String) {
        guard !closing else { return }
        closing = true
        var body = ByteBuffer()
        body.writeString(#"{"error":"\#(status == .serviceUnavailable ? "unavailable" : "timeout")","message":"\#(message)"}"#)
        let head = HTTPResponseHead(
            version: .http1_1,
            status: status,
            headers: [
                "Content-Type": JSONResponse.contentType, "Content-Length": String(body.readableBytes), "Connection": "close",
            ]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// At the front of the pipeline: tells the guard that bytes arrived, and passes them on.
private final class FirstByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private weak var owner: ConnectionGuard?

    init(owner: ConnectionGuard) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.bytesArrived()
        context.fireChannelRead(data)
    }
}
