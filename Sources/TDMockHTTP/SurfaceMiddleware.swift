import Foundation
import HTTPTypes
package import Hummingbird
import Logging
import Synchronization

/// The methods each path answers, read from the router's own routes once they are all added, for a 405
/// with `Allow` when another method is used (the router itself only says 404). Middleware is added
/// before the routes it wraps, so the table is filled after them (`fill(from:)`, in `buildRouter`).
package final class RouteTable: Sendable {
    package init() {}

    private let routes = Mutex<[(path: RouterPath, methods: [String])]>([])

    /// The order `Allow` lists methods in: reads first, then writes, as HTTP's own documents list them.
    private static let methodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

    /// Takes the router's routes, each path with its methods.
    package func fill(from router: Router<some RequestContext>) {
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
    package var all: [(path: RouterPath, methods: [String])] { routes.withLock { $0 } }

    /// The methods of the route matching `path`; empty when none does. Where several match (a literal
    /// segment and a parameter), the one with the most literal segments wins, as in the router.
    package func allowedMethods(_ path: String) -> [String] {
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

/// Applies each surface's declaration (`Surface`) to the requests it owns: its admission and its body
/// rule on the requests that have a route, and its error shape on every error raised outside that shape
/// (no route, another method, an unexpected failure). A request no surface owns gets the router's plain
/// answer, with `Allow` on a 405.
package struct SurfaceMiddleware<Context: RequestContext>: RouterMiddleware {
    package let surfaces: SurfaceTable
    package let routes: RouteTable

    package init(surfaces: SurfaceTable, routes: RouteTable) {
        self.surfaces = surfaces
        self.routes = routes
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let surface = surfaces.surface(path: path, headers: request.headers)
        do {
            if let surface { try admit(request, to: surface) }
            return try await next(request, context)
        } catch let error as any SurfaceShapedError {
            throw error
        } catch {
            var status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let allowed = status == .notFound || status == .methodNotAllowed ? routes.allowedMethods(path) : []
            if !allowed.isEmpty { status = .methodNotAllowed }
            if status == .internalServerError {
                context.logger.error("request failed", metadata: ["path": .string(path), "error": .string(String(describing: error))])
            }
            let failure = Surface.Failure(status: status, method: request.method.rawValue, path: path, allowed: allowed)
            let shaped: any HTTPResponseError
            if let own = surface?.error(failure) {
                shaped = own
            } else if !allowed.isEmpty {
                shaped = HTTPError(.methodNotAllowed)
            } else {
                throw error
            }
            var response = try shaped.response(from: request, context: context)
            if !allowed.isEmpty { response.headers[.allow] = allowed.joined(separator: ", ") }
            return response
        }
    }

    /// The surface's admission, then its body rule, for a request its routes take (one that has none is
    /// answered 404 or 405 first, as the router answers it).
    private func admit(_ request: Request, to surface: Surface) throws {
        let takesBody = request.method == .post || request.method == .put || request.method == .patch
        let bodyRuled = surface.bodyRule == .jsonMediaType && takesBody
        guard surface.admission != nil || bodyRuled, routes.allowedMethods(request.uri.path).contains(request.method.rawValue) else { return }
        try surface.admission?(request)
        guard bodyRuled else { return }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            let message =
                "\(request.method.rawValue) \(request.uri.path) takes a JSON body: send Content-Type: application/json"
                + (mediaType.map { " (not \($0))" } ?? "")
            let failure = Surface.Failure(status: .unsupportedMediaType, method: request.method.rawValue, path: request.uri.path, message: message)
            throw surface.error(failure) ?? HTTPError(.unsupportedMediaType, message: message)
        }
    }
}
