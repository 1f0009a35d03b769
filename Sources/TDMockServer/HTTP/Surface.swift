import Foundation
import HTTPTypes
import Hummingbird
import TDMockCore

/// A surface of `serve` as the HTTP floor sees it: the paths it answers, the shape it answers errors in,
/// whether the request journal keeps its requests, what its bodies must be and who may call it. Each
/// surface declares itself beside its controller (`DigitalConnectController.surface`, …); the router
/// is built from the list of them (`SurfaceTable`), so the floor names none of them.
struct Surface: Sendable {
    /// What the floor tells a surface's error shape: the status, the request's method and path, the
    /// methods the path's route does take (for a 405), and the message, when there is one to give
    /// (a refused body says what is wrong with it).
    struct Failure: Sendable {
        var status: HTTPResponse.Status
        var method: String
        var path: String
        var allowed: [String] = []
        var message: String?
    }

    /// What a `POST`, `PUT` or `PATCH` must send.
    enum BodyRule: Sendable {
        /// Whatever the handler reads.
        case any
        /// `Content-Type: application/json` (415 otherwise, before anything changes): what keeps a form or
        /// a script on another site from acting as the agent, since a browser sends that type to another
        /// site only after a CORS preflight, which tdmock never grants.
        case jsonMediaType
    }

    /// A name for logs and docs ("Digital Connect").
    var name: String
    /// The paths it answers: each prefix itself and every path beneath it.
    var prefixes: [String]
    /// Requests no prefix owns that are the surface's by their headers (an AWS SDK's signature), if any.
    var recognizes: (@Sendable (HTTPFields) -> Bool)?
    /// Whether the request journal keeps its requests (`tdmock requests`).
    var journalled: Bool
    var bodyRule: BodyRule = .any
    /// Who may call it: throws the surface's refusal (an agent token asked and not given); runs on
    /// requests that have a route, before the body rule and the handler.
    var admission: (@Sendable (Request) throws -> Void)?
    /// The surface's answer to an error raised outside its own shape: no route (404), another method
    /// (405), a body refused (400, 413, 415), a failure (500). Nil: the floor's plain answer.
    var errors: (@Sendable (Failure) -> any HTTPResponseError)?

    /// Whether `path` is one of the surface's.
    func owns(path: String) -> Bool {
        prefixes.contains { path == $0 || (path.hasPrefix($0) && path.utf8.dropFirst($0.utf8.count).first == UInt8(ascii: "/")) }
    }

    /// The error for `failure` in the surface's shape; nil when it has none of its own.
    func error(_ failure: Failure) -> (any HTTPResponseError)? {
        errors?(failure)
    }
}

/// An error already in a surface's own shape: the floor passes it on as it is.
protocol SurfaceShapedError: HTTPResponseError {}

/// Every surface of `serve`, looked up by path (the longest prefix wins), then by headers.
struct SurfaceTable: Sendable {
    let surfaces: [Surface]

    init(_ surfaces: [Surface]) {
        // Longest prefix first, so that a surface inside another's paths wins for its own.
        self.surfaces = surfaces.sorted { ($0.prefixes.map(\.count).max() ?? 0) > ($1.prefixes.map(\.count).max() ?? 0) }
    }

    /// The surface a request belongs to, if any.
    func surface(path: String, headers: HTTPFields) -> Surface? {
        if let owner = surfaces.first(where: { $0.owns(path: path) }) { return owner }
        return surfaces.first { $0.recognizes?(headers) == true }
    }
}

/// The request's body as a JSON object, refused in the surface's shape: 400 naming what is wrong, 413
/// over `limit`; an empty body is an empty object when `emptyAllowed`.
extension Request {
    func jsonObject(of surface: Surface, emptyAllowed: Bool = false, limit: Int = BodyLimit.bytes) async throws -> [String: JSONValue] {
        func refusal(_ status: HTTPResponse.Status, _ message: String) -> any Error {
            surface.error(Surface.Failure(status: status, method: method.rawValue, path: uri.path, message: message))
                ?? HTTPError(status, message: message)
        }
        let data = try await collectBody(upTo: limit, orThrow: refusal(.contentTooLarge, "The request body is larger than \(limit) bytes"))
        if data.isEmpty && emptyAllowed { return [:] }
        switch data.withUnsafeBytes(JSONReader.read) {
        case .failure(let problem): throw refusal(.badRequest, "The body is not valid JSON: \(problem)")
        case .success(.object(let object)): return object
        case .success(let other): throw refusal(.badRequest, "The body must be a JSON object, not \(other.typeDescription)")
        }
    }
}
