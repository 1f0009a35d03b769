import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TDMockHTTP
import TDMockServices
import TDMockStore

/// Serves Send a Message, the operation integrations call most, on the connection's event loop instead
/// of through the router: the request goes from the HTTP decoder to the store's group commit and its
/// answer back to the encoder, with no task per request (see "How Send a Message is served" in
/// docs/ARCHITECTURE.md), and in NIOHTTP1's parts, in front of the codec that turns them into HTTPTypes'
/// for the router (`InFrontOfCodec`).
///
/// It only answers the plain case (`DigitalConnectController.sendDirectly`: no fault in force, a token
/// held in memory, a valid body, a write the store accepts) and hands every other request, unchanged and
/// in order, to the router, which answers exactly as before. Requests wait for the answers owed before
/// them: one that arrives while the router owes an answer goes to the router too, and parts that arrive
/// while this handler is answering wait until it has.
package final class SendMessageFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// Reading the body of a request this handler may answer (since `started`, for the journal).
        case collecting(HTTPRequestHead, PlainSend, body: ByteBuffer, started: NIODeadline)
        /// Waiting for the store; later parts are queued.
        case answering(HTTPRequestHead, PlainSend, body: ByteBuffer, started: NIODeadline)
        /// Passing the current request's parts to the router.
        case passing
    }

    private let controller: DigitalConnectController
    private var state = State.idle
    /// Events that would have the handlers behind this one close the connection (a graceful shutdown's
    /// quiesce, the client closing its side after its last request), held while this handler has a
    /// request of its own under way: they have not seen that request, and would close before its answer.
    private var held: [Any] = []
    /// Answers the router owes for requests passed to it (its response ends come through `write`).
    private var routerOwes = 0
    private var queued: [HTTPServerRequestPart] = []

    package init(controller: DigitalConnectController) {
        self.controller = controller
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            queued.append(part)
        } else {
            handle(part, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch state {
        case .collecting, .answering:
            if event is ChannelShouldQuiesceEvent || (event as? ChannelEvent) == .inputClosed {
                held.append(event)
                return
            }
        case .idle, .passing:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only the router's writes come through here; this handler's own go to the next handler directly.
        if case .end = unwrapOutboundIn(data) { routerOwes -= 1 }
        context.write(data, promise: promise)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if routerOwes == 0, let send = Self.plainSend(head) {
                state = .collecting(head, send, body: context.channel.allocator.buffer(capacity: 0), started: .now())
            } else {
                pass(.head(head), context: context)
                state = .passing
            }
        case (.collecting(let head, let send, var body, let started), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= BodyLimit.bytes else {
                // Too large: the router refuses it (413) as it refuses every other.
                pass(.head(head), context: context)
                pass(.body(body), context: context)
                pass(.body(chunk), context: context)
                state = .passing
                return
            }
            body.writeBuffer(&chunk)
            state = .collecting(head, send, body: body, started: started)
        case (.collecting(let head, let send, let body, let started), .end):
            answer(head, send, body: body, started: started, context: context)
        case (.passing, .end):
            pass(part, context: context)
            state = .idle
        default:
            // The router's request (.passing), or parts out of order, which the router reports.
            pass(part, context: context)
        }
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if case .head = part { routerOwes += 1 }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func answer(_ head: HTTPRequestHead, _ send: PlainSend, body: ByteBuffer, started: NIODeadline, context: ChannelHandlerContext) {
        state = .answering(head, send, body: body, started: started)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let submitted = controller.sendDirectly(
            conversationID: send.conversationID,
            path: head.uri,
            authorization: send.authorization,
            idempotencyKey: send.idempotencyKey,
            body: body,
            on: EventLoopCompletions(loop: context.eventLoop)
        ) { response in
            let (handler, context) = bound.value
            handler.finish(response, context: context)
        }
        if !submitted { finish(nil, context: context) }
    }

    /// Writes the store's answer, or hands the request to the router; then takes up the queued parts.
    private func finish(_ response: StoredResponse?, context: ChannelHandlerContext) {
        guard case .answering(let head, let send, let body, let started) = state else { return }
        state = .idle
        if let response {
            controller.services.journal.record(
                method: "POST",
                path: head.uri,
                status: response.status,
                latency: Double((NIODeadline.now() - started).nanoseconds) / 1e9,
                authorization: send.authorization,
                requestBody: body,
                answer: response.body,
                time: controller.services.clock()
            )
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            let headers: HTTPHeaders = [
                "Content-Type": JSONResponse.contentType, "Content-Length": String(buffer.readableBytes),
                "Date": HTTPDate.now, "Server": ServerIdentity.name,
            ]
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            pass(.head(head), context: context)
            if body.readableBytes > 0 { pass(.body(body), context: context) }
            pass(.end(nil), context: context)
            context.fireChannelReadComplete()
        }
        let waiting = queued
        queued = []
        for (index, part) in waiting.enumerated() {
            if case .answering = state {
                queued.append(contentsOf: waiting[index...])
                return
            }
            handle(part, context: context)
        }
        if !waiting.isEmpty { context.fireChannelReadComplete() }
        switch state {
        case .idle, .passing:
            // Nothing of this handler's under way: the handlers behind may close once they have answered.
            let events = held
            held = []
            for event in events { context.fireUserInboundEventTriggered(event) }
        case .collecting, .answering:
            break
        }
    }

    /// What this handler needs of a Send a Message request it may answer.
    struct PlainSend: Equatable {
        var conversationID: String
        var authorization: String?
        var idempotencyKey: String?
    }

    /// The conversation of a Send a Message request this handler may answer: an HTTP/1.1 keep-alive POST
    /// to `/digital-connect/conversations/{id}/messages` with a plain id (letters, digits, `-`, `_`: no
    /// escapes to decode), no query, a body within the limit, no `Expect`, and none of the fields it reads
    /// given twice. Nil for anything else.
    static func conversationID(of head: HTTPRequestHead) -> String? { plainSend(head)?.conversationID }

    /// The request's conversation and the fields the answer depends on, read in one pass over the header
    /// fields (names compared without regard to case, as HTTP has them); nil unless the request is the
    /// plain case above.
    static func plainSend(_ head: HTTPRequestHead) -> PlainSend? {
        guard head.method == .POST, head.version == .http1_1 else { return nil }
        var connection: String?
        var contentLength: String?
        var authorization: String?
        var idempotencyKey: String?
        for (name, value) in head.headers {
            switch Field(name) {
            case .connection:
                guard connection == nil else { return nil }
                connection = value
            case .contentLength:
                guard contentLength == nil else { return nil }
                contentLength = value
            case .authorization:
                guard authorization == nil else { return nil }
                authorization = value
            case .idempotencyKey:
                guard idempotencyKey == nil else { return nil }
                idempotencyKey = value
            case .expect:
                return nil
            case nil:
                continue
            }
        }
        if let connection, connection.lowercased() != "keep-alive" { return nil }
        if let contentLength, (Int(contentLength) ?? Int.max) > BodyLimit.bytes { return nil }
        // On the path's bytes (`withUTF8` copies nothing for the parser's native strings).
        var path = head.uri
        let conversationID = path.withUTF8 { bytes -> String? in
            let (prefix, suffix) = (Self.pathPrefix, Self.pathSuffix)
            guard bytes.count > prefix.count + suffix.count, bytes.prefix(prefix.count).elementsEqual(prefix),
                bytes.suffix(suffix.count).elementsEqual(suffix)
            else { return nil }
            let id = UnsafeBufferPointer(rebasing: bytes[prefix.count..<(bytes.count - suffix.count)])
            guard
                id.allSatisfy({ byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
                })
            else { return nil }
            return String(decoding: id, as: UTF8.self)
        }
        guard let conversationID else { return nil }
        return PlainSend(conversationID: conversationID, authorization: authorization, idempotencyKey: idempotencyKey)
    }

    private static let pathPrefix = Array("/digital-connect/conversations/".utf8)
    private static let pathSuffix = Array("/messages".utf8)

    /// The header fields `plainSend` reads, by their lowercase names.
    private enum Field: String, CaseIterable {
        case connection
        case contentLength = "content-length"
        case authorization
        case idempotencyKey = "x-idempotency-key"
        case expect

        private static let names = allCases.map { ($0, Array($0.rawValue.utf8)) }

        /// The field named `name` in any case; nil for the others.
        init?(_ name: String) {
            var name = name
            let found = name.withUTF8 { bytes in
                Self.names.first { _, lowercase in
                    lowercase.count == bytes.count
                        && !zip(bytes, lowercase).contains { byte, expected in (0x41...0x5A ~= byte ? byte | 0x20 : byte) != expected }
                }?.0
            }
            guard let found else { return nil }
            self = found
        }
    }
}

/// Runs the store's completions for one event loop's connections together, on that loop.
struct EventLoopCompletions: CompletionExecutor {
    let loop: any EventLoop

    var identity: ObjectIdentifier { ObjectIdentifier(loop) }

    func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
}

/// The server's name, in the `Server` header of every response.
package enum ServerIdentity {
    package static let name = "tdmock"
}
