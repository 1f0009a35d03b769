import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import Testing

/// A callback request as the integration's callback API received it.
struct ReceivedCallback: Sendable {
    var path: String
    var apiKey: String?
    var userAgent: String?
    var deliveryID: String
    var attempt: Int
    var body: [String: String]
    var payload: [String: String]
    var eventType: String { body["event_type"] ?? "" }
}

/// A local HTTP receiver playing the integration's callback REST API: it records every request and answers
/// with the status `answer` gives for the n-th request (1-based).
final class Receiver: Sendable {
    let port: Int
    private let state: ReceiverState
    private let task: Task<Void, any Error>

    private init(port: Int, state: ReceiverState, task: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.task = task
    }

    var received: [ReceivedCallback] { state.all }
    var url: String { "http://127.0.0.1:\(port)" }

    static func start(port: Int = 0, answer: @escaping @Sendable (Int) -> Int = { _ in 200 }) async throws -> Receiver {
        let state = ReceiverState()
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
            let callback = ReceivedCallback(
                path: request.uri.path,
                apiKey: request.headers[HTTPField.Name("x-api-key")!],
                userAgent: request.headers[.userAgent],
                deliveryID: request.headers[HTTPField.Name("x-tdmock-delivery-id")!] ?? "",
                attempt: Int(request.headers[HTTPField.Name("x-tdmock-attempt")!] ?? "") ?? 0,
                body: json.compactMapValues { $0 as? String },
                payload: (json["payload"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            )
            let count = state.record(callback)
            return Response(status: .init(code: answer(count)), body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver")
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        return Receiver(port: bound, state: state, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Waits (generously, for a slow machine) until `count` requests have arrived, and returns them all.
    func waitFor(_ count: Int, limit: Duration = .seconds(30)) async throws -> [ReceivedCallback] {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("expected \(count) callbacks, received \(received.count): \(received.map(\.path))")
        return received
    }
}

final class ReceiverState: Sendable {
    let log = Mutex<[ReceivedCallback]>([])

    func record(_ callback: ReceivedCallback) -> Int {
        log.withLock { log in
            log.append(callback)
            return log.count
        }
    }

    var all: [ReceivedCallback] { log.withLock { $0 } }
}
