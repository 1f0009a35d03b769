import Foundation
import Hummingbird
import TDMockCore

/// How a surface words the refusal of a body that is too large or is no JSON object (its error type).
protocol BodyRefusal: Error {
    static func refusingBody(_ status: HTTPResponse.Status, _ message: String) -> Self
}

extension Request {
    /// The body, refused with `tooLarge` when it is over `limit` bytes (by its Content-Length, or as it streams).
    func collectBody<E: Error>(upTo limit: Int = BodyLimit.bytes, orThrow tooLarge: E) async throws -> Data {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            let buffer = try await body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    /// The body as a JSON object, refused in the surface's own error shape (`Refusal`: the agent API's by
    /// default, which the question-response API and the contact API share): 400 naming what is wrong,
    /// 413 over `limit`; an empty body is an empty object when `emptyAllowed`.
    func jsonObject<Refusal: BodyRefusal>(
        emptyAllowed: Bool = false,
        limit: Int = BodyLimit.bytes,
        refusing _: Refusal.Type = AgentAPIError.self
    ) async throws
        -> [String: JSONValue]
    {
        let data = try await collectBody(
            upTo: limit,
            orThrow: Refusal.refusingBody(.contentTooLarge, "The request body is larger than \(limit) bytes")
        )
        if data.isEmpty && emptyAllowed { return [:] }
        switch data.withUnsafeBytes(JSONReader.read) {
        case .failure(let problem): throw Refusal.refusingBody(.badRequest, "The body is not valid JSON: \(problem)")
        case .success(.object(let object)): return object
        case .success(let other): throw Refusal.refusingBody(.badRequest, "The body must be a JSON object, not \(other.typeDescription)")
        }
    }
}

extension AgentAPIError: BodyRefusal {
    static func refusingBody(_ status: HTTPResponse.Status, _ message: String) -> Self {
        Self(status, status == .contentTooLarge ? "too_large" : "invalid_request", message)
    }
}
