import Foundation
import Hummingbird
import HummingbirdTesting
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

@Suite struct TokenServiceTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func request(
        _ client: some TestClientProtocol,
        authorization: String?,
        body: String,
        contentType: String? = "application/x-www-form-urlencoded"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: "/oauth/token", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func grantsAllTheClientsScopesWhenNoneIsAsked() async throws {
        try await TestApp().test { client in
            let response = try await request(client, authorization: basic("tdmock-client", "tdmock-secret"), body: "grant_type=client_credentials")
            #expect(response.status == .ok)
            let body = try json(response)
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["expires_in"] as? Int == 3600)
            #expect(body["scope"] as? String == Scope.defaults.joined(separator: " "))
            let token = try #require(body["access_token"] as? String)
            #expect(token.count >= 43, "256 random bits in base64url")
            #expect(response.headers[.cacheControl] == "no-store")
        }
    }

    @Test func grantsTheScopesAsked() async throws {
        var configuration = ServeConfiguration(database: .inMemory, tokenTTL: 60)
        configuration.clients = [OAuthClient(id: "c", secret: "s", scopes: ["digital-connect:write", "digital-connect:read"])]
        try await TestApp(configuration).test { client in
            let response = try await request(
                client,
                authorization: basic("c", "s"),
                body: "grant_type=client_credentials&scope=digital-connect%3Aread"
            )
            let body = try json(response)
            #expect(body["scope"] as? String == "digital-connect:read")
            #expect(body["expires_in"] as? Int == 60)
            let both = try await request(
                client,
                authorization: basic("c", "s"),
                body: "grant_type=client_credentials&scope=digital-connect:write+digital-connect:read"
            )
            #expect(try json(both)["scope"] as? String == "digital-connect:write digital-connect:read")
        }
    }

    @Test func refusesUnknownClientsWrongSecretsAndBadHeaders() async throws {
        try await TestApp().test { client in
            for authorization in [
                basic("nobody", "tdmock-secret"), basic("tdmock-client", "wrong"), nil, "Bearer abc", "Basic !!!not-base64",
                "Basic " + Data("no-colon".utf8).base64EncodedString(),
            ] {
                let response = try await request(client, authorization: authorization, body: "grant_type=client_credentials")
                try expectOAuthError(response, status: .unauthorized, error: "invalid_client")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            }
        }
    }

    @Test func refusesMalformedRequests() async throws {
        try await TestApp().test { client in
            let auth = basic("tdmock-client", "tdmock-secret")
            try expectOAuthError(try await request(client, authorization: auth, body: ""), status: .badRequest, error: "invalid_request")
            try expectOAuthError(
                try await request(client, authorization: auth, body: "scope=digital-connect:write"),
                status: .badRequest,
                error: "invalid_request"
            )
            try expectOAuthError(
                try await request(client, authorization: auth, body: #"{"grant_type":"client_credentials"}"#, contentType: "application/json"),
                status: .badRequest,
                error: "invalid_request"
            )
            try expectOAuthError(
                try await request(client, authorization: auth, body: "grant_type=%ZZ"),
                status: .badRequest,
                error: "invalid_request"
            )
        }
    }

    @Test func refusesOtherGrantTypes() async throws {
        try await TestApp().test { client in
            let response = try await request(
                client,
                authorization: basic("tdmock-client", "tdmock-secret"),
                body: "grant_type=password&username=a&password=b"
            )
            try expectOAuthError(response, status: .badRequest, error: "unsupported_grant_type")
        }
    }

    @Test func refusesScopesTheClientDoesNotHave() async throws {
        try await TestApp().test { client in
            let response = try await request(
                client,
                authorization: basic("tdmock-client", "tdmock-secret"),
                body: "grant_type=client_credentials&scope=digital-connect:write%20admin"
            )
            try expectOAuthError(response, status: .badRequest, error: "invalid_scope")
            #expect(try json(response)["error_description"] as? String == "The client 'tdmock-client' may not ask for scope 'admin'")
        }
    }

    @Test func refusesBodiesOverOneMebibyte() async throws {
        try await TestApp().test { client in
            let big = "grant_type=client_credentials&scope=" + String(repeating: "a", count: 1 << 20)
            let response = try await request(client, authorization: basic("tdmock-client", "tdmock-secret"), body: big)
            try expectOAuthError(response, status: .contentTooLarge, error: "invalid_request")
        }
    }

    @Test func tokensExpireAfterTheirLifetime() async throws {
        let app = try TestApp(ServeConfiguration(database: .inMemory, tokenTTL: 60))
        try await app.test { client in
            let token = try await client.token()
            let body = try String(decoding: Fixtures.data("start-conversation.json"), as: UTF8.self)
            app.clock.advance(by: 59)
            let fresh = try await client.call(.post, "/digital-connect/conversations", token: token, body: body)
            #expect(fresh.status == .created)
            app.clock.advance(by: 1)
            let expired = try await client.call(.post, "/digital-connect/conversations", token: token, body: body)
            try expectDigitalConnectError(expired, status: .unauthorized, code: "3016001")
        }
    }
}
