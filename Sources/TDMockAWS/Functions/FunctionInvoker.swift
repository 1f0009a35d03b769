package import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TDMockCore
import TDMockHTTP
package import TDMockServices

/// Calls the functions of the functions table (docs/aws.md) over the Lambda Invoke API
/// (`POST …/2015-03-31/functions/NAME/invocations`, as the Lambda Runtime Interface Emulator,
/// `sam local start-lambda` and `tdmock bridge` serve it): the event is the body, the function's return
/// value is the answer, `X-Amz-Function-Error` says the function failed. Every call is kept in the
/// invocations journal and published as `function_invoked`, whoever made it.
package struct FunctionInvoker: Sendable {
    let functions: [String: String]
    let journal: InvocationJournal
    let events: EventHub
    let clock: @Sendable () -> Date
    let client: HTTPClient

    package init(services: AppServices, events: EventHub, client: HTTPClient = FunctionInvoker.sharedClient) {
        self.functions = services.configuration.functions
        self.journal = services.invocations
        self.events = events
        self.clock = services.clock
        self.client = client
    }

    /// tdmock's own client for the functions: a refused connection fails at once (it is said, not retried).
    static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The most of an answer that is read (Lambda's own limit for a synchronous answer is 6 MB).
    static let maximumAnswerBytes = 6 * 1024 * 1024

    /// What came of one call.
    struct Result: Sendable {
        var statusCode: Int?
        var functionError: String?
        var body: Data?
        /// The round trip, in seconds.
        var latency: Double
        /// Why there is no answer at all (no such function, unreachable, too slow).
        var failure: String?
        /// The failure is the caller's time limit (each AWS service answers that one its own way).
        var timedOut = false
        /// The answer as JSON, when it is.
        var answer: JSONValue?
        /// Why the body is not JSON, when it is not.
        var notJSON: String?
        /// The call's id in the invocations journal.
        var invocationID: Int = 0

        /// Why the call failed, whichever way it did; nil when the function returned a JSON value.
        var problem: String? {
            if let failure { return failure }
            let status = statusCode ?? 0
            guard (200..<300).contains(status) else { return "the function answered HTTP \(status)\(Self.excerpt(body))" }
            if let functionError {
                let message = answer?["errorMessage"]?.stringValue.map { ": " + $0 } ?? Self.excerpt(body)
                return "the function failed (X-Amz-Function-Error: \(functionError))\(message)"
            }
            if answer == nil {
                guard let body, !body.isEmpty else { return "the function's answer is empty, not JSON" }
                if let notJSON { return "the function's answer is not JSON: \(notJSON)" }
            }
            return nil
        }

        /// The start of a body, for an error message.
        static func excerpt(_ body: Data?) -> String {
            guard let body, !body.isEmpty else { return "" }
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return ": " + text + (body.count > 200 ? "…" : "")
        }
    }

    /// Whether the table has a function of that name.
    func has(_ name: String) -> Bool { functions[name] != nil }

    /// Calls `name` with `event`, within `timeout` seconds (the caller's limit, named by `limitName` in the
    /// message when it is passed), and journals the call.
    func invoke(
        _ name: String,
        event: Data,
        caller: InvocationCaller,
        timeout: Double,
        limitName: String,
        connectionID: String? = nil
    ) async -> Result {
        var result: Result
        if let url = functions[name] {
            result = await call(url: url, name: name, event: event, timeout: timeout, limitName: limitName)
        } else {
            result = Result(latency: 0, failure: "no function named '\(name)' is configured (functions, --function NAME=URL)")
        }
        let now = clock()
        let problem = result.problem
        result.invocationID = journal.record(
            function: name,
            caller: caller,
            event: event,
            status: result.statusCode,
            functionError: result.functionError,
            answer: result.body,
            latency: result.latency,
            problem: problem,
            time: now
        )
        var published = InboxEvent(event: .functionInvoked, time: now)
        published.function = name
        published.caller = caller
        published.invocationId = result.invocationID
        published.failed = problem != nil
        published.statusCode = result.statusCode
        published.error = problem
        published.connectionId = connectionID
        events.publish(published)
        return result
    }

    private func call(url: String, name: String, event: Data, timeout: Double, limitName: String) async -> Result {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-amz-invocation-type", value: "RequestResponse")
        request.body = .bytes(ByteBuffer(bytes: event))
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        func seconds() -> Double { Latency.seconds(clock.now - start) }
        do {
            let response = try await client.execute(request, deadline: deadline)
            let body = Data(try await response.body.collect(upTo: Self.maximumAnswerBytes).readableBytesView)
            var result = Result(
                statusCode: Int(response.status.code),
                functionError: response.headers.first(name: "x-amz-function-error"),
                body: body,
                latency: seconds()
            )
            switch body.withUnsafeBytes(JSONReader.read) {
            case .success(let value): result.answer = value
            case .failure(let problem): result.notJSON = problem.description
            }
            return result
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            let message = "the function '\(name)' did not answer within \(Self.seconds(timeout)) s (\(limitName))"
            return Result(latency: seconds(), failure: message, timedOut: true)
        } catch is NIOTooManyBytesError {
            return Result(latency: seconds(), failure: "the function's answer is over \(Self.maximumAnswerBytes) bytes")
        } catch {
            return Result(latency: seconds(), failure: unreachable(error, name: name, url: url))
        }
    }

    private func unreachable(_ error: any Error, name: String, url: String) -> String {
        let text = String(describing: error)
        let why = text.lowercased().contains("refused") ? "connection refused" : text
        return "cannot reach the function '\(name)' at \(url): \(why) (is it running? --function \(name)=URL points tdmock at it)"
    }

    static func seconds(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
