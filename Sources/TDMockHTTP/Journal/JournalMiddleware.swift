package import Foundation
package import Hummingbird
package import NIOCore
import Synchronization
import TDMockCore

/// Records each request to a journalled surface (`Surface.journalled`) that goes through the
/// router: its body as the handler reads it (tee'd, not read twice), its status, and its error body.
/// Outermost, so that it sees the answer every other middleware made. (Send a Message's fast path
/// records its own answers: they never reach the router.)
package struct JournalMiddleware<Context: RequestContext>: RouterMiddleware {
    package let journal: RequestJournal
    package let surfaces: SurfaceTable
    package let clock: @Sendable () -> Date

    package init(journal: RequestJournal, surfaces: SurfaceTable, clock: @escaping @Sendable () -> Date) {
        self.journal = journal
        self.surfaces = surfaces
        self.clock = clock
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.string
        guard surfaces.surface(path: request.uri.path, headers: request.headers)?.journalled == true else { return try await next(request, context) }
        let started = ContinuousClock.now
        let capture = BodyCapture(limit: journal.bodyLimit)
        var request = request
        request.body = RequestBody(asyncSequence: CapturingBody(base: request.body, capture: capture))
        let method = request.method.rawValue
        let authorization = request.headers[.authorization]
        let journal = journal
        let clock = clock
        @Sendable func record(_ status: Int, _ answer: [UInt8]) {
            let elapsed = ContinuousClock.now - started
            journal.record(
                method: method,
                path: path,
                status: status,
                latency: Latency.seconds(elapsed),
                authorization: authorization,
                requestBody: ByteBuffer(bytes: capture.bytes),
                answer: answer,
                time: clock()
            )
        }
        do {
            var response = try await next(request, context)
            let status = Int(response.status.code)
            guard status >= 400 else {
                record(status, [])
                return response
            }
            // An error answer returned (not thrown): its body is kept as it is written.
            let body = response.body
            let answer = BodyCapture(limit: journal.bodyLimit)
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                try await body.write(CapturingWriter(base: writer, capture: answer))
                record(status, answer.bytes)
            }
            return response
        } catch let error as any HTTPResponseError {
            let response = try error.response(from: request, context: context)
            let answer = BodyCapture(limit: journal.bodyLimit)
            try? await response.body.write(CapturingWriter(base: DiscardingWriter(), capture: answer))
            record(Int(response.status.code), answer.bytes)
            return response
        }
    }
}

/// The first bytes of a body, as they pass.
package final class BodyCapture: Sendable {
    private let storage = Mutex<[UInt8]>([])
    package let limit: Int

    package init(limit: Int) { self.limit = limit }

    package func append(_ buffer: ByteBuffer) {
        storage.withLock { bytes in
            let room = limit - bytes.count
            guard room > 0 else { return }
            bytes.append(contentsOf: buffer.readableBytesView.prefix(room))
        }
    }

    package var bytes: [UInt8] { storage.withLock { $0 } }
}

/// A request body that keeps its first bytes in a `BodyCapture` as the handler reads it.
package struct CapturingBody: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer
    package let base: RequestBody
    package let capture: BodyCapture

    package struct AsyncIterator: AsyncIteratorProtocol {
        package var base: RequestBody.AsyncIterator
        package let capture: BodyCapture

        package mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            capture.append(buffer)
            return buffer
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), capture: capture) }
}

/// A response body writer that keeps the first bytes written.
package struct CapturingWriter: ResponseBodyWriter {
    package var base: any ResponseBodyWriter
    package let capture: BodyCapture

    package mutating func write(_ buffer: ByteBuffer) async throws {
        capture.append(buffer)
        try await base.write(buffer)
    }

    package consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }
}

/// Reads an error response's body into a capture without sending it anywhere.
package struct DiscardingWriter: ResponseBodyWriter {
    package mutating func write(_ buffer: ByteBuffer) async throws {}
    package consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
