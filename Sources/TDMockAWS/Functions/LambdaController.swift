import Foundation
import HTTPTypes
package import Hummingbird
import TDMockCore
package import TDMockHTTP
package import TDMockServices

/// The Lambda Invoke API on `serve` (docs/aws.md): `POST /2015-03-31/functions/{name}/invocations`
/// forwards the payload to the function of that name in the functions table and answers what it
/// answered, so a test or a function invokes one by name (boto3's `lambda` client with `endpoint_url`).
/// The name may be an ARN; `Qualifier` is taken and not used (one version of each function).
package struct LambdaController {
    static let prefix = "/2015-03-31/functions"
    let services: AppServices
    let functions: FunctionInvoker

    package init(services: AppServices, functions: FunctionInvoker) {
        self.services = services
        self.functions = functions
    }

    /// Lambda's limit on a synchronous invocation's payload.
    static let maximumPayloadBytes = 6 * 1024 * 1024
    static let invocationType = HTTPField.Name("X-Amz-Invocation-Type")!
    static let functionError = HTTPField.Name("X-Amz-Function-Error")!
    static let executedVersion = HTTPField.Name("X-Amz-Executed-Version")!

    package func addRoutes(to router: Router<some RequestContext>) {
        router.post(RouterPath(Self.prefix + "/:name/invocations")) { request, context in
            try await invoke(request, reference: try context.parameters.require("name"))
        }
    }

    private func invoke(_ request: Request, reference: String) async throws -> Response {
        let name = FunctionName.resolve(reference.removingPercentEncoding ?? reference)
        guard functions.has(name) else {
            throw AWSError(
                .notFound,
                "ResourceNotFoundException",
                "Function not found: arn:aws:lambda:\(AWSIdentity.region):\(AWSIdentity.account):function:\(name)",
                fault: "User"
            )
        }
        let tooLarge = AWSError(
            .contentTooLarge,
            "RequestTooLargeException",
            "Request must be smaller than \(Self.maximumPayloadBytes) bytes for the InvokeFunction operation",
            fault: "User"
        )
        var payload = try await request.collectBody(upTo: Self.maximumPayloadBytes, orThrow: tooLarge)
        if payload.isEmpty { payload = Data("{}".utf8) }
        if case .failure = payload.withUnsafeBytes(JSONReader.read) {
            throw AWSError(.badRequest, "InvalidRequestContentException", "Could not parse request body into json", fault: "User")
        }
        let type = request.headers[Self.invocationType] ?? "RequestResponse"
        let timeout = services.configuration.connect.lambdaTimeout
        switch type {
        case "RequestResponse":
            let result = await functions.invoke(name, event: payload, caller: .invoke, timeout: timeout, limitName: "--lambda-timeout")
            return answer(result, name: name, timeout: timeout)
        case "Event":
            // Queued, as Lambda's asynchronous invocation is: 202 now, the call journalled when it is made.
            Task { _ = await functions.invoke(name, event: payload, caller: .invoke, timeout: timeout, limitName: "--lambda-timeout") }
            return Response(status: .accepted)
        case "DryRun":
            return Response(status: .noContent)
        default:
            throw AWSError(
                .badRequest,
                "InvalidParameterValueException",
                "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, not '\(type)'",
                fault: "User"
            )
        }
    }

    /// What Lambda answers for a call: the return value with 200, `X-Amz-Function-Error` when the function
    /// failed (a time-out is one, as Lambda reports it); a function tdmock cannot reach, or whose host
    /// answers an HTTP error, is Lambda's `ServiceException`.
    private func answer(_ result: FunctionInvoker.Result, name: String, timeout: Double) -> Response {
        var headers: HTTPFields = [.contentType: "application/json", Self.executedVersion: "$LATEST"]
        if let failure = result.failure {
            guard result.timedOut else { return AWSError(.badGateway, "ServiceException", failure, fault: "Service").response }
            headers[Self.functionError] = "Unhandled"
            let body: JSONValue = [
                "errorType": "Sandbox.Timedout",
                "errorMessage": .string("Task timed out after \(FunctionInvoker.seconds(timeout)).00 seconds"),
            ]
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONCoding.data(body))))
        }
        let status = result.statusCode ?? 502
        guard (200..<300).contains(status) else {
            let message = "the function's host answered HTTP \(status)\(FunctionInvoker.Result.excerpt(result.body))"
            return AWSError(.badGateway, "ServiceException", message, fault: "Service").response
        }
        if let functionError = result.functionError { headers[Self.functionError] = functionError }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.body ?? Data())))
    }
}

extension LambdaController {
    /// Lambda's API (Invoke): journalled, its errors as Lambda writes them, with whose fault it was.
    package static let surface = Surface(
        prefixes: ["/2015-03-31"],
        journalled: true,
        errors: { failure in
            switch failure.status {
            case .notFound, .methodNotAllowed:
                AWSError(failure.status, "UnknownOperationException", "Unknown operation \(failure.method) \(failure.path)")
            case .internalServerError: AWSError(failure.status, "ServiceException", "tdmock failed to handle the request", fault: "Service")
            default: AWSError(failure.status, "InvalidRequestContentException", failure.message ?? failure.status.reasonPhrase, fault: "User")
            }
        }
    )
}
