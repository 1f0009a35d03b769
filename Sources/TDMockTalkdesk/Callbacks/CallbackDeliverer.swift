public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization
import TDMockCore
public import TDMockServices
import TDMockStore

/// Delivers the outbox to the integration's callback API, as Talkdesk's Builder integration would.
///
/// One delivery at a time per conversation, in the order the agent acted: a later event waits until the
/// earlier one is delivered or has failed for good. Conversations are delivered in parallel. A 2xx is
/// success; a timeout, a connection failure, 408, 429 or 5xx is retried with exponential backoff and
/// jitter (a `Retry-After` is honoured up to `retryMax`); any other answer fails at once. Pending
/// deliveries are in the database, so a restarted server resumes them.
public final class CallbackDeliverer: Service, Sendable {
    private let services: AppServices
    private let events: EventHub
    private let httpClient: HTTPClient
    private let logger: Logger
    private let wake = WakeSignal()
    private let dispatch = Mutex(Dispatch())
    private let stopping = Atomic<Bool>(false)
    static let maxConcurrent = 64

    /// The deliverer's client: a refused connection is an attempt that failed (retried by the deliverer's own
    /// backoff), not something to retry silently until the timeout. It lives as long as the process.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConcurrent
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(
        services: AppServices,
        events: EventHub,
        httpClient: HTTPClient = CallbackDeliverer.sharedClient,
        logger: Logger = Logger(label: "tdmock.callbacks")
    ) {
        self.services = services
        self.events = events
        self.httpClient = httpClient
        self.logger = logger
    }

    private var configuration: CallbackConfiguration { services.configuration.callback }

    /// Something new is in the outbox.
    public func notify() { wake.signal() }

    /// Delivers until a graceful shutdown or a cancellation: the group of services is cancelled when one of
    /// them fails (serve's port taken, say), and a loop waiting for its next delivery must end then too.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    while !stopping.load(ordering: .acquiring) {
                        let next = await startDueDeliveries(in: &group)
                        await wake.wait(timeout: next)
                    }
                }
            } onCancel: {
                self.stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    private func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Which conversations have an attempt under way, and which finished one since the outbox was last read.
    ///
    /// A conversation whose attempt finished after the read began may be listed by that read as it was
    /// before the attempt was recorded; starting it again from there would send the same delivery twice
    /// (seen in the outage test). It waits for the next read, which the finished attempt wakes.
    private struct Dispatch {
        var running: Set<String> = []
        var finishedSinceRead: Set<String> = []
    }

    /// Starts every delivery whose turn and time have come; returns how long until the next one is due.
    private func startDueDeliveries(in group: inout DiscardingTaskGroup) async -> Duration? {
        dispatch.withLock { $0.finishedSinceRead.removeAll(keepingCapacity: true) }
        let heads: [CallbackDelivery]
        do {
            heads = try await services.database.deliveryHeads()
        } catch {
            logger.error("cannot read the callback outbox", metadata: ["error": "\(error)"])
            return .seconds(1)
        }
        let now = services.clock()
        var soonest: TimeInterval?
        for head in heads {
            let due = head.nextAttemptAt.timeIntervalSince(now)
            if due > 0 {
                soonest = min(soonest ?? due, due)
                continue
            }
            guard services.callbackBase != nil else { return nil }  // the server's own REST API, once it listens
            let started = dispatch.withLock { dispatch -> Bool in
                guard dispatch.running.count < Self.maxConcurrent, !dispatch.running.contains(head.conversationID),
                    !dispatch.finishedSinceRead.contains(head.conversationID)
                else { return false }
                dispatch.running.insert(head.conversationID)
                return true
            }
            guard started else { continue }
            group.addTask {
                await self.attempt(head)
                self.dispatch.withLock { dispatch in
                    dispatch.running.remove(head.conversationID)
                    dispatch.finishedSinceRead.insert(head.conversationID)
                }
                self.wake.signal()
            }
        }
        return soonest.map { .milliseconds(Int64(($0 * 1000).rounded(.up)) + 1) }
    }

    /// The URL an event is posted to: the base path and the event's relative path.
    public static func url(base: String, path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }

    private func attempt(_ delivery: CallbackDelivery) async {
        guard let base = services.callbackBase else { return }
        let number = delivery.attempts + 1
        var request = HTTPClientRequest(url: Self.url(base: base, path: configuration.path(for: delivery.eventType)))
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        // A webhook sender names itself; a REST API event's identity.userAgent shows it.
        request.headers.add(name: "user-agent", value: Self.userAgent)
        if let key = services.callbackAPIKey { request.headers.add(name: "x-api-key", value: key) }
        request.headers.add(name: "x-tdmock-delivery-id", value: delivery.deliveryID)
        request.headers.add(name: "x-tdmock-attempt", value: String(number))
        request.body = .bytes(ByteBuffer(bytes: delivery.body))

        let startedAt = services.clock()
        let clock = ContinuousClock()
        let start = clock.now
        var statusCode: Int?
        var failure: String?
        var retryAfter: Double?
        if let delay = services.faults.take(.callbackDelay), let latency = delay.latencyMs {
            try? await Task.sleep(for: .milliseconds(latency))
        }
        let sends = services.faults.take(.callbackDuplicate) != nil ? 2 : 1
        if let failing = services.faults.take(.callbackFail) {
            statusCode = failing.status
            failure = "answered \(failing.status ?? 0) by fault injection (callback:fail): not sent"
        } else if services.faults.take(.callbackDrop) != nil {
            failure = "dropped by fault injection (callback:drop)"
        } else {
            for _ in 0..<sends {
                do {
                    let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(configuration.timeout * 1000)))
                    statusCode = Int(response.status.code)
                    retryAfter = response.headers.first(name: "retry-after").flatMap(Double.init)
                    failure = nil
                    // Read (and drop) the answer so the connection can be reused.
                    _ = try? await response.body.collect(upTo: 1 << 20)
                } catch {
                    statusCode = nil
                    failure = Self.describe(error)
                }
            }
        }
        let elapsed = clock.now - start
        let latency = Latency.seconds(elapsed)

        let outcome = decide(statusCode: statusCode, retryAfter: retryAfter, attemptsSoFar: delivery.attemptsSinceRedelivery + 1)
        let journal = CallbackAttempt(
            deliveryID: delivery.deliveryID,
            attempt: number,
            startedAt: startedAt,
            statusCode: statusCode,
            error: failure,
            latency: latency
        )
        do {
            try await services.database.record(journal, outcome: outcome)
        } catch InboxError.deliveryNotFound {
            return  // `tdmock reset` emptied the outbox meanwhile.
        } catch {
            logger.error("cannot record a callback attempt", metadata: ["delivery": "\(delivery.deliveryID)", "error": "\(error)"])
            return
        }
        let name: InboxEvent.Name
        switch outcome {
        case .delivered: name = .callbackDelivered
        case .failed: name = .callbackFailed
        case .retry: return
        }
        events.publish(
            InboxEvent(
                event: name,
                conversationId: delivery.conversationID,
                time: services.clock(),
                deliveryId: delivery.deliveryID,
                eventType: delivery.eventType,
                attempt: number,
                statusCode: statusCode,
                error: failure
            )
        )
    }

    /// Success, another try (when), or failure for good.
    func decide(statusCode: Int?, retryAfter: Double?, attemptsSoFar: Int) -> DeliveryOutcome {
        if let statusCode, (200..<300).contains(statusCode) { return .delivered }
        let retryable = statusCode.map { $0 == 408 || $0 == 429 || (500..<600).contains($0) } ?? true
        guard retryable, attemptsSoFar < configuration.maxAttempts else { return .failed }
        var delay = Self.backoff(attempt: attemptsSoFar, initial: configuration.retryInitial, max: configuration.retryMax)
        if let retryAfter, retryAfter > delay { delay = min(retryAfter, configuration.retryMax) }
        return .retry(at: services.clock().addingTimeInterval(delay))
    }

    /// The wait before retry `attempt + 1`: `initial · 2^(attempt-1)`, at most `max`, less up to half as jitter.
    public static func backoff(attempt: Int, initial: Double, max: Double, jitter: Double = Double.random(in: 0...1)) -> Double {
        let exponential = Swift.min(max, initial * pow(2, Double(Swift.max(0, attempt - 1))))
        return exponential * (1 - 0.5 * jitter)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timeout"
            default: return String(describing: error)
            }
        }
        if error is NIOConnectionError || error is IOError { return "connection failed: \(error)" }
        return String(describing: error)
    }
}

extension CallbackDeliverer {
    /// The `User-Agent` of Talkdesk's callbacks as tdmock sends them.
    package static let userAgent = "tdmock-webhooks/1.0 (Talkdesk Digital Connect callbacks)"
}
