import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The methods each path answers, read from the router's own routes once they are all added, for a 405
/// with `Allow` when another method is used (the router itself only says 404). Middleware is added
/// before the routes it wraps, so the table is filled after them (`fill(from:)`, in `buildRouter`).
final class RouteTable: Sendable {
    private let routes = Mutex<[(path: RouterPath, methods: [String])]>([])

    /// The order `Allow` lists methods in: reads first, then writes, as HTTP's own documents list them.
    private static let methodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

    /// Takes the router's routes, each path with its methods.
    func fill(from router: Router<some RequestContext>) {
        var table: [(path: RouterPath, methods: [String])] = []
        for route in router.routes {
            let method = route.method.rawValue
            if let index = table.firstIndex(where: { $0.path == route.path }) {
                table[index].methods.append(method)
            } else {
                table.append((route.path, [method]))
            }
        }
        for index in table.indices {
            table[index].methods.sort { (Self.methodOrder.firstIndex(of: $0) ?? 99) < (Self.methodOrder.firstIndex(of: $1) ?? 99) }
        }
        routes.withLock { $0 = table }
    }

    /// Every path with its methods.
    var all: [(path: RouterPath, methods: [String])] { routes.withLock { $0 } }

    /// The methods of the route matching `path`; empty when none does. Where several match (a literal
    /// segment and a parameter), the one with the most literal segments wins, as in the router.
    func allowedMethods(_ path: String) -> [String] {
        let segments = path.split(separator: "/")
        var best: (literals: Int, methods: [String]) = (-1, [])
        for (pattern, methods) in all where pattern.components.count == segments.count {
            guard zip(pattern.components, segments).allSatisfy({ $0 ~= $1 }) else { continue }
            let literals = zip(pattern.components, segments).filter { $0 == $1 }.count
            if literals > best.literals { best = (literals, methods) }
        }
        return best.methods
    }
}

/// Renders the errors that are not already in a surface's own shape (unknown paths, wrong methods,
/// unexpected failures) in that shape: Digital Connect's under `/digital-connect`, OAuth's under `/oauth`.
struct SurfaceErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DigitalConnectError {
            throw error
        } catch let error as OAuthError {
            throw error
        } catch let error as AgentAPIError {
            throw error
        } catch let error as AttachmentsAPIError {
            throw error
        } catch let error as AWSError {
            throw error
        } catch {
            let path = request.uri.path
            var status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let allowed = status == .notFound || status == .methodNotAllowed ? routes.allowedMethods(path) : []
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
                let message =
                    switch status {
                    case .notFound: "No operation at \(request.method.rawValue) \(path)"
                    case .methodNotAllowed: "\(request.method.rawValue) is not allowed on \(path); use \(allowed.joined(separator: ", "))"
                    default: status.reasonPhrase
                    }
                surfaceError = AgentAPIError(status, kind, message)
            } else if path.hasPrefix("/attachments") {
                surfaceError =
                    switch status {
                    case .notFound:
                        AttachmentsAPIError(
                            .notFound,
                            AttachmentsAPIError.Code.notFound,
                            "No Attachments API operation at \(request.method.rawValue) \(path)"
                        )
                    case .internalServerError: AttachmentsAPIError(status, "2320100", "Internal error while processing the request")
                    default: AttachmentsAPIError(status, AttachmentsAPIError.Code.badRequest, status.reasonPhrase)
                    }
            } else if path.hasPrefix(WebSocketAPI.prefix) {
                surfaceError =
                    status == .methodNotAllowed
                    ? AWSError(status, "UnknownOperationException", "Unknown operation \(request.method.rawValue) \(path)")
                    : status == .internalServerError
                        ? AWSError(status, "InternalServerErrorException", "Internal server error")
                        : AWSError(.forbidden, "ForbiddenException", "Forbidden")
            } else if path.hasPrefix(LexController.prefix + "/") {
                surfaceError =
                    switch status {
                    case .notFound, .methodNotAllowed:
                        AWSError(status, "ResourceNotFoundException", "No Lex V2 runtime operation at \(request.method.rawValue) \(path)")
                    case .internalServerError: AWSError(status, "InternalServerException", "tdmock failed to handle the request")
                    default: AWSError(status, "ValidationException", status.reasonPhrase)
                    }
            } else if path.hasPrefix(LambdaController.prefix) {
                surfaceError =
                    switch status {
                    case .notFound, .methodNotAllowed:
                        AWSError(status, "UnknownOperationException", "Unknown operation \(request.method.rawValue) \(path)")
                    case .internalServerError: AWSError(status, "ServiceException", "tdmock failed to handle the request", fault: "Service")
                    default: AWSError(status, "InvalidRequestContentException", status.reasonPhrase, fault: "User")
                    }
            } else if path.hasPrefix("/oauth") {
                surfaceError = OAuthError(
                    status: status,
                    error: status == .internalServerError ? "server_error" : "invalid_request",
                    description: status.reasonPhrase
                )
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
            DigitalConnectError(
                status: .notFound,
                code: DigitalConnectError.Code.notFound,
                message: "Not found",
                description: "No Digital Connect operation at \(request.method.rawValue) \(request.uri.path)"
            )
        case .methodNotAllowed:
            DigitalConnectError(
                status: .methodNotAllowed,
                code: DigitalConnectError.Code.methodNotAllowed,
                message: "Method not allowed",
                description: "\(request.method.rawValue) is not allowed on \(request.uri.path)"
            )
        case .contentTooLarge:
            .payloadTooLarge
        case .internalServerError:
            DigitalConnectError(
                status: .internalServerError,
                code: DigitalConnectError.Code.internalError,
                message: "Internal error",
                description: "tdmock failed to handle the request; its log says why"
            )
        default:
            DigitalConnectError(status: status, code: DigitalConnectError.Code.invalidRequest, message: status.reasonPhrase)
        }
    }
}
