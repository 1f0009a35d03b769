import Foundation
import HTTPTypes
package import Hummingbird
package import TDMockCore

/// A surface of `serve` as the HTTP floor sees it: the paths it answers, the shape it answers errors in,
/// whether the request journal keeps its requests, what its bodies must be and who may call it. Each
/// surface declares itself beside its controller (`DigitalConnectController.surface`, …); the router
/// is built from the list of them (`SurfaceTable`), so the floor names none of them.
package struct Surface: Sendable {
    /// What the floor tells a surface's error shape: the status, the request's method and path, the
    /// methods the path's route does take (for a 405), and the message, when there is one to give
    /// (a refused body says what is wrong with it).
    package struct Failure: Sendable {
        package var status: HTTPResponse.Status
        package var method: String
        package var path: String
        package var allowed: [String] = []
        package var message: String?

        package init(status: HTTPResponse.Status, method: String, path: String, allowed: [String] = [], message: String? = nil) {
            self.status = status
            self.method = method
            self.path = path
            self.allowed = allowed
            self.message = message
        }
    }

    /// What a `POST`, `PUT` or `PATCH` must send.
    package enum BodyRule: Sendable {
        /// Whatever the handler reads.
        case any
        /// `Content-Type: application/json` (415 otherwise, before anything changes): what keeps a form or
        /// a script on another site from acting as the agent, since a browser sends that type to another
        /// site only after a CORS preflight, which tdmock never grants.
        case jsonMediaType
    }

    /// The paths it answers: each prefix itself and every path beneath it.
    package var prefixes: [String]
    /// Requests no prefix owns that are the surface's by their headers (an AWS SDK's signature), if any.
    package var recognizes: (@Sendable (HTTPFields) -> Bool)?
    /// Whether the request journal keeps its requests (`tdmock requests`).
    package var journalled: Bool
    package var bodyRule: BodyRule = .any
    /// Who may call it: throws the surface's refusal (an agent token asked and not given); runs on
    /// requests that have a route, before the body rule and the handler.
    package var admission: (@Sendable (Request) throws -> Void)?
    /// The surface's answer to an error raised outside its own shape: no route (404), another method
    /// (405), a body refused (400, 413, 415), a failure (500). Nil: the floor's plain answer.
    package var errors: (@Sendable (Failure) -> any HTTPResponseError)?

    package init(
        prefixes: [String],
        recognizes: (@Sendable (HTTPFields) -> Bool)? = nil,
        journalled: Bool,
        bodyRule: BodyRule = .any,
        admission: (@Sendable (Request) throws -> Void)? = nil,
        errors: (@Sendable (Failure) -> any HTTPResponseError)? = nil
    ) {
        self.prefixes = prefixes
        self.recognizes = recognizes
        self.journalled = journalled
        self.bodyRule = bodyRule
        self.admission = admission
        self.errors = errors
    }

    /// Whether `path` is one of the surface's.
    package func owns(path: String) -> Bool {
        prefixes.contains { path == $0 || (path.hasPrefix($0) && path.utf8.dropFirst($0.utf8.count).first == UInt8(ascii: "/")) }
    }

    /// The error for `failure` in the surface's shape; nil when it has none of its own.
    package func error(_ failure: Failure) -> (any HTTPResponseError)? {
        errors?(failure)
    }
}

/// An error already in a surface's own shape: the floor passes it on as it is.
package protocol SurfaceShapedError: HTTPResponseError {}

/// Every surface of `serve`, looked up by path (the longest prefix wins), then by headers.
package struct SurfaceTable: Sendable {
    package let surfaces: [Surface]

    package init(_ surfaces: [Surface]) {
        // Longest prefix first, so that a surface inside another's paths wins for its own.
        self.surfaces = surfaces.sorted { ($0.prefixes.map(\.count).max() ?? 0) > ($1.prefixes.map(\.count).max() ?? 0) }
    }

    /// The surface a request belongs to, if any.
    package func surface(path: String, headers: HTTPFields) -> Surface? {
        if let owner = surfaces.first(where: { $0.owns(path: path) }) { return owner }
        return surfaces.first { $0.recognizes?(headers) == true }
    }
}

/// The request's body as a JSON object, refused in the surface's shape: 400 naming what is wrong, 413
/// over `limit`; an empty body is an empty object when `emptyAllowed`.
extension Request {
    package func jsonObject(of surface: Surface, emptyAllowed: Bool = false, limit: Int = BodyLimit.bytes) async throws -> [String: JSONValue] {
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
