import Foundation
import HTTPTypes
package import Hummingbird
import NIOCore
import TDMockCore
package import TDMockHTTP
package import TDMockServices

/// API Gateway's Management API for the WebSocket API (docs/aws.md), at the WebSocket API's base, for
/// boto3's `apigatewaymanagementapi` with `endpoint_url="http://HOST:PORT/apigw/ws/{stage}"`, and at
/// `/{stage}` (`https://{domainName}/{stage}`, as functions build it from their event):
/// `POST /@connections/{id}` sends a frame, `GET` describes the connection, `DELETE` closes it. A
/// connection that is not open is 410 `GoneException`.
package struct ManagementController {
    let services: AppServices
    let webSockets: WebSocketAPI

    package init(services: AppServices, webSockets: WebSocketAPI) {
        self.services = services
        self.webSockets = webSockets
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        // Under the WebSocket API's URL, and at `/{stage}/@connections`, where a function that builds its
        // endpoint as `https://{domainName}/{stage}` from the event posts.
        for path in [WebSocketAPI.prefix + "/:stage/@connections/:id", "/:stage/@connections/:id"] {
            router.post(RouterPath(path)) { request, context in
                try await post(request, try connection(context))
            }
            router.get(RouterPath(path)) { _, context in try describe(try connection(context)) }
            router.delete(RouterPath(path)) { _, context in
                try connection(context).close(code: 1000, reason: "")
                return Response(status: .noContent)
            }
        }
        // A plain GET of the WebSocket API's URL: it takes WebSocket handshakes only.
        router.get(RouterPath(WebSocketAPI.prefix + "/:stage")) { _, _ -> Response in
            throw AWSError(.upgradeRequired, "UpgradeRequired", "This is a WebSocket API: connect with a WebSocket client")
        }
    }

    private func connection(_ context: some RequestContext) throws -> WebSocketAPI.Connection {
        let stage = try context.parameters.require("stage")
        guard stage == services.configuration.apiGateway.webSocket.stage else { throw AWSError(.forbidden, "ForbiddenException", "Forbidden") }
        let id = try context.parameters.require("id")
        let decoded = id.removingPercentEncoding ?? id
        guard let connection = webSockets.connection(decoded), connection.closing == nil else {
            throw AWSError(.gone, "GoneException", "No connection '\(decoded)': it closed, or never opened")
        }
        return connection
    }

    private func post(_ request: Request, _ connection: WebSocketAPI.Connection) async throws -> Response {
        let tooLarge = AWSError(
            .contentTooLarge,
            "PayloadTooLargeException",
            "Message too long: at most \(WebSocketAPI.maximumMessageBytes) bytes"
        )
        let data = try await request.collectBody(upTo: WebSocketAPI.maximumMessageBytes, orThrow: tooLarge)
        do {
            try await connection.send(ByteBuffer(bytes: data))
        } catch {
            throw AWSError(.gone, "GoneException", "The connection '\(connection.accepted.id)' closed")
        }
        return Response(status: .ok)
    }

    private func describe(_ connection: WebSocketAPI.Connection) throws -> Response {
        let body: JSONValue = [
            "connectedAt": .string(Timestamp.string(from: connection.accepted.connectedAt)),
            "lastActiveAt": .string(Timestamp.string(from: connection.lastActiveAt)),
            "identity": ["sourceIp": .string(connection.accepted.identity.sourceIP), "userAgent": .string(connection.accepted.identity.userAgent)],
        ]
        return JSONResponse.make(status: .ok, body: body)
    }
}

extension ManagementController {
    /// The WebSocket API's URL and its Management API (`@connections`): journalled, API Gateway's errors
    /// (a path it does not know is 403 `ForbiddenException`, as API Gateway answers one).
    package static func surface(stage: String) -> Surface {
        var surface = Self.surface
        surface.prefixes.append("/\(stage)/@connections")
        return surface
    }

    package static let surface = Surface(
        prefixes: [WebSocketAPI.prefix],
        journalled: true,
        errors: { failure in
            switch failure.status {
            case .methodNotAllowed: AWSError(failure.status, "UnknownOperationException", "Unknown operation \(failure.method) \(failure.path)")
            case .internalServerError: AWSError(failure.status, "InternalServerErrorException", "Internal server error")
            default:
                failure.message.map { AWSError(failure.status, "BadRequestException", $0) } ?? AWSError(.forbidden, "ForbiddenException", "Forbidden")
            }
        }
    )
}
