import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import TDMockCore
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

@Suite struct RESTAPITests {
    func configuration(_ base: String) -> ServeConfiguration {
        var configuration = FunctionHost.configuration(base)
        configuration.apiGateway.rest.timeout = 1.5
        configuration.apiGateway.rest.apiKeys = ["k-1", "k-2"]
        configuration.apiGateway.rest.routes = [
            RESTRoute(method: "POST", path: "/callback/{proxy+}", function: "proxy", apiKeyRequired: true),
            RESTRoute(method: "GET", path: "/items/{id}", function: "proxy", apiKeyRequired: false),
            RESTRoute(method: "ANY", path: "/raise", function: "raise", apiKeyRequired: false),
            RESTRoute(method: "ANY", path: "/garbage", function: "garbage", apiKeyRequired: false),
            RESTRoute(method: "ANY", path: "/shape", function: "echo", apiKeyRequired: false),
            RESTRoute(method: "ANY", path: "/slow", function: "slow", apiKeyRequired: false),
            RESTRoute(method: "ANY", path: "/down", function: "down", apiKeyRequired: false),
        ]
        return configuration
    }

    func call(
        _ client: some TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ path: String,
        key: String? = nil,
        body: String? = nil
    )
        async throws -> TestResponse
    {
        var headers: HTTPFields = [.contentType: "application/json", .userAgent: "Talkdesk-Builder/1.0"]
        if let key { headers[HTTPField.Name("x-api-key")!] = key }
        return try await client.execute(uri: "/apigw/rest" + path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func message(_ response: TestResponse) throws -> String? { try json(response)["message"] as? String }

    @Test func theFunctionGetsTheProxyEventAndItsAnswerIsTheHTTPAnswer() async throws {
        try await FunctionHost.run { base in
            try await TestApp(configuration(base)).test { client in
                let response = try await call(
                    client,
                    .post,
                    "/prod/callback/message_created?x=1&x=2",
                    key: "k-2",
                    body: #"{"event_type":"message_created"}"#
                )
                #expect(response.status == .created)
                #expect(response.headers[HTTPField.Name("x-seen")!] == "yes")
                #expect(response.headers[values: HTTPField.Name("x-many")!] == ["a", "b"])
                let event = try json(response)
                #expect(event["resource"] as? String == "/callback/{proxy+}")
                #expect(event["path"] as? String == "/callback/message_created")
                #expect(event["httpMethod"] as? String == "POST")
                #expect(event["pathParameters"] as? [String: String] == ["proxy": "message_created"])
                #expect(event["queryStringParameters"] as? [String: String] == ["x": "2"])
                #expect(event["multiValueQueryStringParameters"] as? [String: [String]] == ["x": ["1", "2"]])
                #expect((event["headers"] as? [String: String])?["x-api-key"] == "k-2")
                #expect(event["body"] as? String == #"{"event_type":"message_created"}"#)
                #expect(event["isBase64Encoded"] as? Bool == false)
                #expect(event["stageVariables"] is NSNull)
                let context = try #require(event["requestContext"] as? [String: Any])
                #expect(context["stage"] as? String == "prod")
                #expect(context["path"] as? String == "/prod/callback/message_created")
                #expect(context["resourcePath"] as? String == "/callback/{proxy+}")
                #expect(context["requestTimeEpoch"] is NSNumber)
                #expect((context["requestTime"] as? String)?.contains("/") == true)
                let identity = try #require(context["identity"] as? [String: Any])
                #expect(identity["apiKey"] as? String == "k-2")
                #expect(identity["userAgent"] as? String == "Talkdesk-Builder/1.0")
                let item = try await call(client, .get, "/prod/items/a%20b")
                #expect(try json(item)["pathParameters"] as? [String: String] == ["id": "a b"])
                let journal = try await client.execute(uri: "/tdmock/v1/invocations?function=proxy", method: .get)
                #expect(String(buffer: journal.body).contains(#""caller":"apigateway-rest""#))
            }
        }
    }

    @Test func apiGatewaysOwnAnswers() async throws {
        try await FunctionHost.run { base in
            try await TestApp(configuration(base)).test { client in
                for (key, expected) in [(nil, "Forbidden"), ("wrong", "Forbidden")] as [(String?, String)] {
                    let response = try await call(client, .post, "/prod/callback/x", key: key, body: "{}")
                    #expect(response.status == .forbidden)
                    #expect(try message(response) == expected)
                }
                for path in ["/prod/nowhere", "/staging/callback/x", "/prod/callback", "/prod"] {
                    let response = try await call(client, .post, path, key: "k-1", body: "{}")
                    #expect(response.status == .forbidden, "\(path)")
                    #expect(try message(response) == "Missing Authentication Token", "\(path)")
                }
                #expect(try message(try await call(client, .get, "/prod/callback/x", key: "k-1")) == "Missing Authentication Token")
                for path in ["/prod/raise", "/prod/garbage", "/prod/shape", "/prod/down"] {
                    let response = try await call(client, .post, path, body: "{}")
                    #expect(response.status == .badGateway, "\(path)")
                    #expect(try message(response) == "Internal server error", "\(path)")
                }
                let large = try await call(client, .post, "/prod/raise", body: String(repeating: "x", count: 10 * 1024 * 1024 + 1))
                #expect(large.status == .contentTooLarge)
                #expect(try message(large) == "Request Too Long")
                let slow = try await call(client, .post, "/prod/slow", body: "{}")
                #expect(slow.status == .gatewayTimeout)
                #expect(try message(slow) == "Endpoint request timed out")
            }
        }
    }

    @Test func talkdesksCallbacksGoToTheRESTAPIWithItsFirstKeyByDefault() async throws {
        try await FunctionHost.run { base in
            var configuration = FunctionHost.configuration(base)
            configuration.functions["chat_callback"] = FunctionTable.invokeURL(base: base, name: "proxy")
            let app = try TestApp(configuration)
            try await app.test { client in
                let id = try await client.startConversation(token: try await client.token())
                let assigned = try await client.execute(
                    uri: "/tdmock/v1/conversations/\(id)/assign",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"agent":"Dana"}"#)
                )
                #expect(assigned.status == .ok)
                let waited = try await client.execute(uri: "/tdmock/v1/wait?event=callback_delivered&timeout=10", method: .get)
                #expect(waited.status == .ok)
                let journal = try await client.execute(uri: "/tdmock/v1/invocations?function=chat_callback", method: .get)
                let entries = try #require(try JSONSerialization.jsonObject(with: Data(buffer: journal.body)) as? [[String: Any]])
                let event = try #require(entries.first?["event"] as? [String: Any])
                #expect(event["path"] as? String == "/callback/conversation_started")
                #expect((event["headers"] as? [String: String])?["x-api-key"] == "tdmock-api-key")
                #expect((event["body"] as? String)?.contains(#""event_type":"conversation_started""#) == true)
            }
        }
    }

    @Test func anEventCarriesTheCallersAddress() throws {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: "10.1.2.3", port: 50_000)
        let context = ServeRequestContext(source: .init(channel: channel, logger: Logger(label: "test")))
        #expect(ServeRequestContext.sourceIP(context) == "10.1.2.3")
        #expect(
            ServeRequestContext.sourceIP(BasicRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "test")))) == "127.0.0.1"
        )
    }

    /// A function builds `https://{domainName}/{stage}`: the host the client asked for, at the TLS port when
    /// there is one.
    @Test func theDomainNameIsTheHostAtTheTLSPortWhenThereIsOne() throws {
        let services = try TestApp().services
        services.listening.set(8080)
        #expect(services.domainName(host: "localhost:8080") == "localhost:8080")
        #expect(services.domainName(host: nil) == "127.0.0.1:8080")
        services.listeningTLS.set(8443)
        #expect(services.domainName(host: "localhost:8080") == "localhost:8443")
        #expect(services.domainName(host: "[::1]:8080") == "[::1]:8443")
        #expect(services.domainName(host: "127.0.0.1") == "127.0.0.1:8443")
    }
}
