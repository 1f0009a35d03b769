import Foundation
import Hummingbird
import TDMockCore
import TDMockServices

extension FaultInjector {
    /// Applies a fault of the Talkdesk surface: waits its latency, then throws its status in the surface's
    /// own error shape (OAuth for the token service, Digital Connect otherwise), with `Retry-After`. A
    /// partial success (206) is not an error: it comes back, for the request to go on and answer it.
    @discardableResult
    func inject(_ target: Fault.Target) async throws -> Fault? {
        guard let fault = take(target) else { return nil }
        if let latency = fault.latencyMs, latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        guard let code = fault.status else { return nil }
        if code == Fault.partialSuccess { return fault }
        let status = HTTPResponse.Status(code: code)
        if target == .token {
            let error = code == 503 ? "temporarily_unavailable" : code >= 500 ? "server_error" : "invalid_request"
            var oauth = OAuthError(status: status, error: error, description: "Injected fault: HTTP \(code) (tdmock fault \(fault.id))")
            oauth.retryAfter = fault.retryAfter
            throw oauth
        }
        let dcCode =
            code == 429
            ? DigitalConnectError.Code.tooManyRequests
            : code >= 500 ? DigitalConnectError.Code.internalError : DigitalConnectError.Code.invalidRequest
        var error = DigitalConnectError(
            status: status,
            code: dcCode,
            message: "Injected fault: HTTP \(code)",
            description: "tdmock fault \(fault.id) on \(target.rawValue)"
        )
        if let retryAfter = fault.retryAfter { error.headers[.retryAfter] = String(retryAfter) }
        throw error
    }
}
