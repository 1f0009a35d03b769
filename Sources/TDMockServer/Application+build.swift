import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import TDMockCore
import TDMockStore

/// Builds the `tdmock serve` application: the Talkdesk surface, the agent API, the question-response
/// API, the contact API and `/healthz`, on the configured address, with the callback deliverer as a service.
///
/// - Parameter onServerRunning: called with the bound port once the server listens (the real one for port 0).
public func buildApplication(
    _ configuration: ServeConfiguration, ids: IdentifierGenerator? = nil,
    clock: @escaping @Sendable () -> Date = Timestamp.now, logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let database = try AppServices.openDatabase(configuration.database)
    let ids = ids ?? configuration.seed.map(IdentifierGenerator.init(seed:)) ?? IdentifierGenerator()
    return buildApplication(
        AppServices(configuration: configuration, database: database, ids: ids, clock: clock), logger: logger,
        onServerRunning: onServerRunning)
}

/// The same application on services made beforehand: tests keep them, to look into the store, to move the
/// clock, or to start a second server on the same store.
public func buildApplication(
    _ services: AppServices, logger: Logger? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let logger = logger ?? Logger(label: "tdmock")
    let configuration = services.configuration
    let events = EventHub()
    let deliverer = CallbackDeliverer(services: services, events: events, logger: logger)
    return Application(
        router: buildRouter(services, events: events, deliverer: deliverer),
        server: httpServer(services, events: events, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: ServerIdentity.name),
        services: [deliverer],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The HTTP server of `tdmock serve`: the configured limits, and (unless `fastPath` is off) Send a Message
/// answered by `SendMessageFastPath` before the router when it can be. What the fast path answers never
/// reaches the router's middleware (`SurfaceErrorMiddleware`, the agent token's): a middleware that must
/// see every Send a Message needs `fastPath` off, or its check in the fast path too.
func httpServer(_ services: AppServices, events: EventHub, logger: Logger) -> HTTPServerBuilder {
    services.configuration.limits.http1(
        logger: logger, sendMessage: services.configuration.fastPath ? DigitalConnectController(services: services, events: events) : nil)
}

/// The routes of `tdmock serve`, the workspace's page at `/` among them. Middleware added here does not
/// see the Send a Message requests that `SendMessageFastPath` answers (see `httpServer`).
func buildRouter(_ services: AppServices, events: EventHub, deliverer: CallbackDeliverer) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: JournalMiddleware(journal: services.journal, clock: services.clock))
    router.add(middleware: SurfaceErrorMiddleware())
    router.get("/healthz") { _, _ in JSONResponse.make(status: .ok, body: ["status": "ok"]) }
    OAuthController(services: services).addRoutes(to: router)
    DigitalConnectController(services: services, events: events).addRoutes(to: router)
    AgentController(services: services, events: events, deliverer: deliverer).addRoutes(to: router)
    QuestionController(services: services, events: events, waiters: QuestionWaiters()).addRoutes(to: router)
    ConnectController(services: services, events: events).addRoutes(to: router)
    WorkspaceController(services: services).addRoutes(to: router)
    return router
}

/// The methods each path answers, for a 405 with `Allow` when another method is used (the router
/// itself only says 404). Kept beside the routes it describes; a test checks that each entry is served.
enum Routes {
    static let table: [(pattern: [Substring], methods: [String])] = [
        ("/", ["GET"]),
        ("/workspace/app.js", ["GET"]),
        ("/workspace/app.css", ["GET"]),
        ("/workspace/icon.svg", ["GET"]),
        ("/healthz", ["GET"]),
        ("/oauth/token", ["POST"]),
        ("/digital-connect/conversations", ["POST"]),
        ("/digital-connect/conversations/*", ["DELETE"]),
        ("/digital-connect/conversations/*/messages", ["POST"]),
        ("/tdmock/v1/info", ["GET"]),
        ("/tdmock/v1/conversations", ["GET"]),
        ("/tdmock/v1/conversations/*", ["GET"]),
        ("/tdmock/v1/conversations/*/assign", ["POST"]),
        ("/tdmock/v1/conversations/*/messages", ["POST"]),
        ("/tdmock/v1/conversations/*/close", ["POST"]),
        ("/tdmock/v1/callbacks", ["GET"]),
        ("/tdmock/v1/callbacks/*/redeliver", ["POST"]),
        ("/tdmock/v1/events", ["GET"]),
        ("/tdmock/v1/wait", ["GET"]),
        ("/tdmock/v1/reset", ["POST"]),
        ("/tdmock/v1/sign-in", ["POST"]),
        ("/tdmock/v1/sign-out", ["POST"]),
        ("/tdmock/v1/faults", ["GET", "POST", "DELETE"]),
        ("/tdmock/v1/requests", ["GET"]),
        ("/tdmock/v1/questions", ["GET"]),
        ("/tdmock/v1/questions/*", ["GET"]),
        ("/tdmock/v1/questions/*/answer", ["POST"]),
        ("/question-response/v1/questions", ["POST"]),
        ("/question-response/v1/questions/*", ["GET"]),
        ("/connect/v1/contacts", ["GET", "POST"]),
        ("/connect/v1/contacts/*", ["GET", "DELETE"]),
        ("/connect/v1/contacts/*/utterances", ["POST"]),
    ].map { ($0.0.split(separator: "/"), $0.1) }

    /// The methods of the route matching `path`; empty when none does.
    static func allowedMethods(_ path: String) -> [String] {
        let segments = path.split(separator: "/")
        for (pattern, methods) in table where pattern.count == segments.count {
            if zip(pattern, segments).allSatisfy({ $0 == "*" || $0 == $1 }) { return methods }
        }
        return []
    }
}

/// Renders the errors that are not already in a surface's own shape (unknown paths, wrong methods,
/// unexpected failures) in that shape: Digital Connect's under `/digital-connect`, OAuth's under `/oauth`.
struct SurfaceErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DigitalConnectError {
            throw error
        } catch let error as OAuthError {
            throw error
        } catch let error as AgentAPIError {
            throw error
        } catch {
            let path = request.uri.path
            var status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let allowed = status == .notFound || status == .methodNotAllowed ? Routes.allowedMethods(path) : []
            if !allowed.isEmpty { status = .methodNotAllowed }
            if status == .internalServerError {
                context.logger.error("request failed", metadata: ["path": .string(path), "error": .string(String(describing: error))])
            }
            let surfaceError: any HTTPResponseError
            if path.hasPrefix("/digital-connect") {
                surfaceError = Self.digitalConnect(status, request: request)
            } else if [AgentController.prefix, QuestionController.prefix, ConnectController.prefix].contains(where: { path.hasPrefix($0) }) {
                // The agent API, the question-response API and the contact API share one error shape.
                let kind = status == .notFound ? "not_found" : status == .internalServerError ? "internal" : "invalid_request"
                let message = switch status {
                case .notFound: "No operation at \(request.method.rawValue) \(path)"
                case .methodNotAllowed: "\(request.method.rawValue) is not allowed on \(path); use \(allowed.joined(separator: ", "))"
                default: status.reasonPhrase
                }
                surfaceError = AgentAPIError(status, kind, message)
            } else if path.hasPrefix("/oauth") {
                surfaceError = OAuthError(status: status, error: status == .internalServerError ? "server_error" : "invalid_request", description: status.reasonPhrase)
            } else if !allowed.isEmpty {
                surfaceError = HTTPError(.methodNotAllowed)
            } else {
                throw error
            }
            var response = try surfaceError.response(from: request, context: context)
            if !allowed.isEmpty { response.headers[.allow] = allowed.joined(separator: ", ") }
            return response
        }
    }

    static func digitalConnect(_ status: HTTPResponse.Status, request: Request) -> DigitalConnectError {
        switch status {
        case .notFound:
            DigitalConnectError(status: .notFound, code: DigitalConnectError.Code.notFound, message: "Not found",
                                description: "No Digital Connect operation at \(request.method.rawValue) \(request.uri.path)")
        case .methodNotAllowed:
            DigitalConnectError(status: .methodNotAllowed, code: DigitalConnectError.Code.methodNotAllowed, message: "Method not allowed",
                                description: "\(request.method.rawValue) is not allowed on \(request.uri.path)")
        case .contentTooLarge:
            .payloadTooLarge
        case .internalServerError:
            DigitalConnectError(status: .internalServerError, code: DigitalConnectError.Code.internalError, message: "Internal error",
                                description: "tdmock failed to handle the request; its log says why")
        default:
            DigitalConnectError(status: status, code: DigitalConnectError.Code.invalidRequest, message: status.reasonPhrase)
        }
    }
}
