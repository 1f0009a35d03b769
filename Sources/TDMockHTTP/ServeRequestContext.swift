public import Hummingbird
public import NIOCore

/// The request context of `serve`'s routes: Hummingbird's basic one, and the address the request came from
/// (API Gateway's events carry it as `identity.sourceIp`).
public struct ServeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection, asked for its peer only by the routes that want it (not on every request).
    private let channel: any Channel
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The caller's IP address: the request's peer, else loopback (a test's request has none).
    public static func sourceIP(_ context: some RequestContext) -> String {
        (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "127.0.0.1"
    }
}
