public import Hummingbird
import TDMockHTTP
import TDMockServices

/// A token service error in the OAuth 2.0 shape: `{"error", "error_description"}` (RFC 6749 §5.2).
public struct OAuthError: Error, HTTPResponseError, Sendable, Hashable {
    public struct Body: Codable, Sendable, Hashable {
        public var error: String
        public var errorDescription: String

        enum CodingKeys: String, CodingKey {
            case error
            case errorDescription = "error_description"
        }
    }

    public var status: HTTPResponse.Status
    public var body: Body
    /// Seconds for a `Retry-After` header (injected faults).
    public var retryAfter: Int?

    public init(status: HTTPResponse.Status, error: String, description: String) {
        self.status = status
        self.body = Body(error: error, errorDescription: description)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body: body)
        response.headers[.cacheControl] = "no-store"
        if status == .unauthorized { response.headers[.wwwAuthenticate] = #"Basic realm="tdmock""# }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    public static func invalidRequest(_ description: String) -> OAuthError {
        OAuthError(status: .badRequest, error: "invalid_request", description: description)
    }

    public static func invalidClient(_ description: String) -> OAuthError {
        OAuthError(status: .unauthorized, error: "invalid_client", description: description)
    }

    public static func unsupportedGrantType(_ grant: String) -> OAuthError {
        OAuthError(
            status: .badRequest,
            error: "unsupported_grant_type",
            description: "grant_type '\(grant)' is not supported; use client_credentials"
        )
    }

    public static func invalidScope(_ description: String) -> OAuthError {
        OAuthError(status: .badRequest, error: "invalid_scope", description: description)
    }
}

extension OAuthError: SurfaceShapedError {}
