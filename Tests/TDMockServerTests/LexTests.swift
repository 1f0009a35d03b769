import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

@Suite struct LexTests {
    func configuration(_ base: String) -> ServeConfiguration {
        var configuration = FunctionHost.configuration(base)
        configuration.lex.bots[0].idleSessionTTL = 60
        configuration.lex.bots[0].intents.append(LexIntent(name: "Garbage", sampleUtterances: ["answer garbage"], fulfillment: "echo"))
        configuration.lex.bots[0].intents.append(LexIntent(name: "Down", sampleUtterances: ["call the down one"], fulfillment: "down"))
        return configuration
    }

    func say(_ client: some TestClientProtocol, _ text: String, session: String = "s-1") async throws -> TestResponse {
        try await client.execute(
            uri: "/bots/TDMOCKCHAT/botAliases/TSTALIASID/botLocales/en_US/sessions/\(session)/text",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"text":"\#(text)"}"#)
        )
    }

    @Test func aSessionLivesIdleSessionTTLAfterItsLastRequest() async throws {
        try await FunctionHost.run { base in
            let app = try TestApp(configuration(base))
            try await app.test { client in
                #expect(try await say(client, "hello").status == .ok)
                let path = "/bots/TDMOCKCHAT/botAliases/TSTALIASID/botLocales/en_US/sessions/s-1"
                #expect(try await client.execute(uri: path, method: .get).status == .ok)
                app.clock.advance(by: 61)
                let gone = try await client.execute(uri: path, method: .get)
                #expect(gone.status == .notFound)
                #expect(gone.headers[HTTPField.Name("x-amzn-ErrorType")!] == "ResourceNotFoundException")
            }
        }
    }

    @Test func anAnswerLexRefusesIsDependencyFailedNamingTheField() async throws {
        try await FunctionHost.run { base in
            try await TestApp(configuration(base)).test { client in
                let response = try await say(client, "answer garbage")
                #expect(response.status.code == 424)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "DependencyFailedException")
                #expect(
                    (try json(response)["message"] as? String)?.hasPrefix(
                        "Invalid Lambda Response: Received invalid response from Lambda: sessionState"
                    ) == true
                )
                let down = try await say(client, "call the down one")
                #expect(down.status.code == 424)
                #expect(
                    (try json(down)["message"] as? String)?.hasPrefix("Received error response from Lambda: cannot reach the function 'down'") == true
                )
                let journal = try await client.execute(uri: "/tdmock/v1/invocations?function=echo", method: .get)
                #expect(String(buffer: journal.body).contains(#""caller":"lex""#))
            }
        }
    }
}
