import AsyncHTTPClient
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import TDMockCore

/// Builds `tdmock bridge` (docs/chat-line.md): the integration's reference functions on the Lambda Invoke API,
/// `POST /2015-03-31/functions/{name}/invocations`, as a team following the seed architectures deploys
/// them: `escalate` (Lex's escalation intent), `chat_socket` (the WebSocket API's routes),
/// `chat_callback` (the callback REST API) and `fallback` (the question bot). They reach tdmock only
/// through the public APIs a deployed function would use: Digital Connect, the API Gateway Management
/// API and the question API.
public func buildBridge(
    _ configuration: BridgeConfiguration,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let logger = logger ?? Logger(label: "tdmock.bridge")
    let functions = ReferenceFunctions(configuration: configuration, logger: logger)
    let router = Router()
    router.get("/healthz") { _, _ in json(.ok, ["status": "ok"]) }
    router.post("/2015-03-31/functions/:name/invocations") { request, context -> Response in
        var request = request
        let name = try context.parameters.require("name")
        let data = Data((try await request.collectBody(upTo: 6 << 20)).readableBytesView)
        switch await functions.invoke(name, data) {
        case .none:
            var response = json(
                .notFound,
                [
                    "Type": "User",
                    "message": .string("Function not found: \(name) (the bridge has \(ReferenceFunctions.names.joined(separator: ", ")))"),
                ]
            )
            response.headers[HTTPField.Name("x-amzn-ErrorType")!] = "ResourceNotFoundException"
            return response
        case .returned(let value)?:
            return json(.ok, value)
        case .functionError(let type, let message)?:
            var response = json(.ok, ["errorType": .string(type), "errorMessage": .string(message)])
            response.headers[functionError] = "Unhandled"
            return response
        }
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tdmock-bridge"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

private func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONCoding.data(body))))
}

private let functionError = HTTPField.Name("X-Amz-Function-Error")!
