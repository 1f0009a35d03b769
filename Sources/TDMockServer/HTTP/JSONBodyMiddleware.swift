import Foundation
import Hummingbird

/// State-changing calls of the agent API and the contact API take a JSON body: a `POST` without
/// `Content-Type: application/json` is refused (415) before it changes anything. A browser sends that
/// type to another site only after a CORS preflight, which tdmock never grants, so a form or a script
/// on another site cannot act as the agent.
struct JSONBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .post || request.method == .put || request.method == .patch {
            let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/json" else {
                throw AgentAPIError(
                    .unsupportedMediaType,
                    "unsupported_media_type",
                    "\(request.method.rawValue) \(request.uri.path) takes a JSON body: send Content-Type: application/json"
                        + (mediaType.map { " (not \($0))" } ?? "")
                )
            }
        }
        return try await next(request, context)
    }
}
