import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Synchronization
import TDMockAWS
import TDMockServices
import TDMockTalkdesk

/// Puts its handlers in front of Hummingbird's `HTTP1ToHTTPServerCodec` (which turns NIOHTTP1's parts
/// into HTTPTypes' and back), then leaves the pipeline. `HTTP1Channel` only adds handlers behind the
/// codec; in front of it, `SendMessageFastPath` answers without either conversion, nor the codec's parse
/// of the path through `URLComponents`.
final class InFrontOfCodec: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never
    private let handlers: [any RemovableChannelHandler]

    init(_ handlers: [any RemovableChannelHandler]) { self.handlers = handlers }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        do {
            let codec = try pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandlers(handlers, position: .before(codec.handler))
            pipeline.removeHandler(context: context, promise: nil)
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }
}

extension ServerLimits {
    /// The HTTP/1 server with these limits: header sizes in the decoder, the rest in a `ConnectionGuard`
    /// per connection; in front of the HTTPTypes codec, `SendMessageFastPath` when given the controller it
    /// serves from; and, with `webSockets`, API Gateway's WebSocket API on the same port (`ServeChannel`).
    func http1(logger: Logger, sendMessage controller: DigitalConnectController? = nil, webSockets: WebSocketAPI? = nil) -> HTTPServerBuilder {
        let counter = ConnectionCounter(limit: maxConnections)
        let limits = self
        return HTTPServerBuilder { responder in
            ServeChannel(
                responder: responder,
                limits: limits,
                counter: counter,
                logger: logger,
                sendMessage: controller,
                webSockets: webSockets
            )
        }
    }
}
