package import Foundation
import Hummingbird
import TDMockCore

extension Request {
    /// The body, refused with `tooLarge` when it is over `limit` bytes (by its Content-Length, or as it streams).
    package func collectBody<E: Error>(upTo limit: Int = BodyLimit.bytes, orThrow tooLarge: E) async throws -> Data {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            let buffer = try await body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }
}
