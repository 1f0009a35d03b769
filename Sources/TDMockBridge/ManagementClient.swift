import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// API Gateway's Management API (`@connections`), as a deployed function calls it with
/// `apigatewaymanagementapi`: PostToConnection and DeleteConnection.
struct ManagementClient: Sendable {
    let client: HTTPClient

    enum Outcome: Sendable, Equatable {
        case sent
        /// 410 GoneException: the connection is not open (yet, or any more).
        case gone
        case failed(String)
    }

    private func url(_ endpoint: String, _ connectionID: String) -> String {
        endpoint + "/@connections/" + (connectionID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? connectionID)
    }

    func post(_ endpoint: String, _ connectionID: String, _ frame: String) async -> Outcome {
        var request = HTTPClientRequest(url: url(endpoint, connectionID))
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: frame))
        return await execute(request)
    }

    func delete(_ endpoint: String, _ connectionID: String) async -> Outcome {
        var request = HTTPClientRequest(url: url(endpoint, connectionID))
        request.method = .DELETE
        return await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async -> Outcome {
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            switch response.status.code {
            case 200..<300: return .sent
            case 410: return .gone
            default: return .failed("HTTP \(response.status.code): \(String(buffer: body))")
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
