package import Foundation
package import Hummingbird
import TDMockCore

/// How large a request body may be.
public enum BodyLimit {
    public static let bytes = 1 << 20
}

/// JSON answers, written by `JSONCoding.encoder` (snake_case by the wire structs' CodingKeys), for
/// handlers and error types that build their `Response` themselves.
package enum JSONResponse {
    package static func data(_ value: some Encodable) -> Data { JSONCoding.data(value) }

    /// The `Content-Type` of every JSON answer, whichever handler writes it.
    package static let contentType = "application/json; charset=utf-8"

    package static func make(status: HTTPResponse.Status, data: Data) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    package static func make(status: HTTPResponse.Status, body: some Encodable) -> Response {
        make(status: status, data: data(body))
    }
}
