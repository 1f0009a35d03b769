import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TDMockCore

/// Calls the bot's Lambda over the Lambda Invoke API (`POST …/2015-03-31/functions/NAME/invocations`), as
/// the Lambda Runtime Interface Emulator and `sam local start-lambda` serve it: the event is the body, the
/// function's return value is the answer, `X-Amz-Function-Error` says the function failed.
struct LambdaInvoker: Sendable {
    let url: String
    let timeout: Double
    let client: HTTPClient

    /// tdmock's own client for the Lambda: a refused connection fails at once (it is said, not retried).
    static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// What came of one call.
    struct Result: Sendable {
        var statusCode: Int?
        var functionError: String?
        var body: Data?
        /// The round trip, in seconds.
        var latency: Double
        /// Why there is no answer at all (unreachable, too slow).
        var failure: String?
    }

    /// The most of an answer that is read (Lambda's own limit for a synchronous answer is 6 MB).
    static let maximumAnswerBytes = 6 * 1024 * 1024

    func invoke(_ event: Data) async -> Result {
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
            let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
            return Result(
                statusCode: Int(response.status.code),
                functionError: response.headers.first(name: "x-amz-function-error"),
                body: Data(body.readableBytesView),
                latency: seconds()
            )
        } catch {
            return Result(latency: seconds(), failure: describe(error))
        }
    }

    private func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("deadlineExceeded") || text.contains("readTimeout") || text.contains("connectTimeout") {
            return "the Lambda did not answer within \(Self.seconds(timeout)) s (connect.lambda_timeout, --lambda-timeout)"
        }
        if text.contains("bodyLengthMismatch") || text.contains("responseBodyTooBig") || text.contains("tooManyBytes") {
            return "the Lambda's answer is over \(Self.maximumAnswerBytes) bytes"
        }
        let why = text.lowercased().contains("refused") ? "connection refused" : text
        return "cannot reach the Lambda at \(url): \(why) (is it running? --lambda-url points tdmock at it)"
    }

    static func seconds(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
