import Foundation
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// The customers' open WebSockets by conversation (what DynamoDB keeps in the reference architecture),
/// with the frames that arrived for a conversation before its customer connected.
actor Connections {
    private var sockets: [String: [ObjectIdentifier: WebSocketOutboundWriter]] = [:]
    private var waiting: [String: [String]] = [:]
    private var ended: Set<String> = []

    /// Registers a socket; sends the frames that waited for it. False when the conversation already ended
    /// (the socket should close after them).
    func attach(_ conversationID: String, _ key: ObjectIdentifier, _ outbound: WebSocketOutboundWriter) async -> Bool {
        sockets[conversationID, default: [:]][key] = outbound
        for frame in waiting.removeValue(forKey: conversationID) ?? [] {
            try? await outbound.write(.text(frame))
        }
        return !ended.contains(conversationID)
    }

    func detach(_ conversationID: String, _ key: ObjectIdentifier) {
        sockets[conversationID]?[key] = nil
        if sockets[conversationID]?.isEmpty == true { sockets[conversationID] = nil }
    }

    /// Sends a frame to the conversation's sockets (or keeps it for the first one); with `close`, the
    /// sockets are closed after it, as the conversation is over.
    func push(_ conversationID: String, frame: String, close: Bool) async {
        if close { ended.insert(conversationID) }
        guard let open = sockets[conversationID], !open.isEmpty else {
            waiting[conversationID, default: []].append(frame)
            return
        }
        for outbound in open.values {
            try? await outbound.write(.text(frame))
            if close { try? await outbound.close(.normalClosure, reason: "conversation ended") }
        }
    }
}

/// The close frame a client sent: hummingbird-websocket answers it but does not hand its code to the
/// handler, so a small channel handler, put right after NIO's frame decoder, notes it on its way.
final class CloseFrameSniffer: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    private let seen = Mutex<(code: UInt16, reason: String)?>(nil)

    var closeFrame: (code: UInt16, reason: String)? { seen.withLock { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .connectionClose {
            var payload = frame.unmaskedData
            if let code = payload.readInteger(as: UInt16.self) {
                let reason = payload.readString(length: payload.readableBytes) ?? ""
                seen.withLock { $0 = (code, reason) }
            }
        }
        context.fireChannelRead(data)
    }

    /// Puts the sniffer after the frame decoder of an upgraded channel.
    static func install(on channel: any Channel) async -> CloseFrameSniffer? {
        let sniffer = CloseFrameSniffer()
        do {
            try await channel.eventLoop.submit {
                let operations = channel.pipeline.syncOperations
                let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
                try operations.addHandler(sniffer, position: .after(decoder))
            }.get()
            return sniffer
        } catch {
            return nil
        }
    }
}
