import Foundation
import Hummingbird
import TDMockCore

extension Request {
    /// The body, refused with `tooLarge` when it is over `BodyLimit.bytes` (by its Content-Length, or as it streams).
    func collectBody<E: Error>(orThrow tooLarge: E) async throws -> Data {
        if let length = headers[.contentLength].flatMap(Int.init), length > BodyLimit.bytes { throw tooLarge }
        do {
            let buffer = try await body.collect(upTo: BodyLimit.bytes)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    /// The body as a JSON object, for the APIs that answer in the agent API's error shape (the agent
    /// API's questions, the question-response API, the contact API): 400 naming what is wrong otherwise,
    /// 413 over the body limit; an empty body is an empty object when `emptyAllowed`.
    func jsonObject(emptyAllowed: Bool = false) async throws -> [String: JSONValue] {
        let data = try await collectBody(
            orThrow: AgentAPIError(.contentTooLarge, "too_large", "The request body is larger than \(BodyLimit.bytes) bytes")
        )
        if data.isEmpty && emptyAllowed { return [:] }
        switch data.withUnsafeBytes(JSONReader.read) {
        case .failure(let problem): throw AgentAPIError(.badRequest, "invalid_request", "The body is not valid JSON: \(problem)")
        case .success(.object(let object)): return object
        case .success(let other): throw AgentAPIError(.badRequest, "invalid_request", "The body must be a JSON object, not \(other.typeDescription)")
        }
    }
}
