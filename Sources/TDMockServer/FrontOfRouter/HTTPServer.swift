import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Synchronization

/// Puts its handlers in front of Hummingbird's `HTTP1ToHTTPServerCodec` (which turns NIOHTTP1's parts
/// into HTTPTypes' and back), then leaves the pipeline. `HTTP1Channel` only adds handlers behind the
/// codec; in front of it, `SendMessageFastPath` answers without either conversion, nor the codec's parse
/// of the path through `URLComponents`.
private final class InFrontOfCodec: ChannelInboundHandler, RemovableChannelHandler {
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
    /// per connection; behind it, `SendMessageFastPath` when given the controller it serves from. Both
    /// sit in front of the HTTPTypes codec (`InFrontOfCodec`).
    func http1(logger: Logger, sendMessage controller: DigitalConnectController? = nil) -> HTTPServerBuilder {
        let counter = ConnectionCounter(limit: maxConnections)
        let limits = self
        return .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [
                    InFrontOfCodec(
                        [ConnectionGuard(limits: limits, counter: counter, logger: logger)]
                            + (controller.map { [SendMessageFastPath(controller: $0)] } ?? [])
                    )
                ],
                idleTimeout: nil,  // ConnectionGuard's: Hummingbird's does not see the fast path's requests
                httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes)
            )
        )
    }
}
