import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TDMockCore
import TDMockServer
import TDMockSettings
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServices
@testable import TDMockTalkdesk

/// Functions on the Lambda Invoke API, answering by their name: `echo` returns the event it got, `raise`
/// fails as a Python handler does, `slow` sleeps past a short limit, `garbage` answers what is not JSON.
struct FunctionHost {
    static func answer(_ name: String, _ event: Data) async -> Response {
        func json(_ data: Data, headers: HTTPFields = [:]) -> Response {
            var fields: HTTPFields = [.contentType: "application/json"]
            fields.append(contentsOf: headers)
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        switch name {
        case "raise":
            return json(
                Data(#"{"errorMessage":"'question'","errorType":"KeyError"}"#.utf8),
                headers: [HTTPField.Name("X-Amz-Function-Error")!: "Unhandled"]
            )
        case "slow":
            try? await Task.sleep(for: .seconds(5))
            return json(event)
        case "garbage": return json(Data("not json".utf8))
        case "status500": return Response(status: .internalServerError)
        case "proxy":
            // A REST API function: answers 201 with the event it got as the body.
            let answer: JSONValue = [
                "statusCode": 201, "headers": ["x-seen": "yes"], "multiValueHeaders": ["x-many": ["a", "b"]],
                "body": .string(String(decoding: event, as: UTF8.self)),
            ]
            return json(JSONCoding.data(answer))
        default: return json(Data(#"{"got":"#.utf8) + event + Data("}".utf8))
        }
    }

    /// Runs the host on a free port for the length of `body`, which gets its base URL.
    static func run<Value: Sendable>(_ body: @Sendable (_ base: String) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/2015-03-31/functions/:name/invocations") { request, context -> Response in
            var request = request
            let data = Data(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            return await answer(try context.parameters.require("name"), data)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in try await body("http://127.0.0.1:\(try #require(client.port))") }
    }

    static func configuration(_ base: String) -> ServeConfiguration {
        var configuration = ServeConfiguration(database: .inMemory)
        for name in ["echo", "raise", "slow", "garbage", "status500", "proxy"] {
            configuration.functions[name] = FunctionTable.invokeURL(base: base, name: name)
        }
        configuration.functions["down"] = "http://127.0.0.1:9/2015-03-31/functions/down/invocations"
        configuration.connect.lambdaTimeout = 1.5
        return configuration
    }
}

@Suite struct FunctionsTests {
    func invoke(
        _ client: some TestClientProtocol,
        _ name: String,
        _ body: String = #"{"a":1}"#,
        type: String? = nil
    ) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [:]
        if let type { headers[HTTPField.Name("X-Amz-Invocation-Type")!] = type }
        return try await client.execute(
            uri: "/2015-03-31/functions/\(name)/invocations",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: body)
        )
    }

    func journal(_ client: some TestClientProtocol, _ query: String = "") async throws -> [[String: Any]] {
        let response = try await client.execute(uri: "/tdmock/v1/invocations" + query, method: .get)
        #expect(response.status == .ok)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
    }

    @Test func theInvokeAPIForwardsByNameAndJournalsTheCall() async throws {
        try await FunctionHost.run { base in
            try await TestApp(FunctionHost.configuration(base)).test { client in
                var response = try await invoke(client, "echo")
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"got":{"a":1}}"#)
                #expect(response.headers[HTTPField.Name("X-Amz-Executed-Version")!] == "$LATEST")
                // An ARN names the same function.
                response = try await invoke(client, "arn:aws:lambda:us-east-1:123456789012:function:echo:prod", #"{"b":2}"#)
                #expect(String(buffer: response.body) == #"{"got":{"b":2}}"#)
                let entries = try await journal(client)
                #expect(entries.count == 2)
                #expect(entries[0]["function"] as? String == "echo")
                #expect(entries[0]["caller"] as? String == "invoke")
                #expect(entries[0]["event"] as? [String: Int] == ["b": 2])
                #expect((entries[0]["answer"] as? [String: Any])?["got"] as? [String: Int] == ["b": 2])
                #expect(entries[0]["failed"] as? Bool == false)
                #expect(entries[0]["status"] as? Int == 200)
                let waited = try await client.execute(uri: "/tdmock/v1/wait?event=function_invoked&count=2&timeout=5", method: .get)
                #expect(waited.status == .ok)
                #expect(String(buffer: waited.body).contains(#""function":"echo""#))
                // One by id; the event's invocation_id names it.
                let id = try #require(entries[0]["id"] as? Int)
                #expect(try await client.execute(uri: "/tdmock/v1/invocations/\(id)", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/tdmock/v1/invocations/99999", method: .get).status == .notFound)
            }
        }
    }

    @Test func failuresAreAnsweredAsLambdaAnswersThemAndJournalled() async throws {
        try await FunctionHost.run { base in
            try await TestApp(FunctionHost.configuration(base)).test { client in
                var response = try await invoke(client, "nosuch")
                #expect(response.status == .notFound)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "ResourceNotFoundException")
                #expect(try json(response)["message"] as? String == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nosuch")

                response = try await invoke(client, "raise")
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Amz-Function-Error")!] == "Unhandled")
                #expect(try json(response)["errorType"] as? String == "KeyError")

                response = try await invoke(client, "slow")
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Amz-Function-Error")!] == "Unhandled")
                #expect(try json(response)["errorType"] as? String == "Sandbox.Timedout")

                response = try await invoke(client, "down")
                #expect(response.status == .badGateway)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "ServiceException")

                response = try await invoke(client, "echo", "{not json")
                #expect(response.status == .badRequest)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "InvalidRequestContentException")

                response = try await invoke(client, "echo", type: "Sideways")
                #expect(response.status == .badRequest)
                #expect(try await invoke(client, "echo", type: "DryRun").status == .noContent)

                let failed = try await journal(client, "?failed=true")
                let errors = failed.compactMap { $0["error"] as? String }
                // An unknown name is refused before any call: the journal holds calls.
                #expect(failed.map { $0["function"] as? String } == ["down", "slow", "raise"])
                #expect(errors[0].contains("cannot reach the function 'down' at http://127.0.0.1:9/"))
                #expect(errors[1] == "the function 'slow' did not answer within 1.5 s (--lambda-timeout)")
                #expect(errors[2] == "the function failed (X-Amz-Function-Error: Unhandled): 'question'")
                #expect(try await journal(client, "?function=raise").count == 1)
                #expect(try await client.execute(uri: "/tdmock/v1/invocations?failed=maybe", method: .get).status == .badRequest)
                let reset = try await client.execute(
                    uri: "/tdmock/v1/reset",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                #expect(reset.status == .ok)
                #expect(try await journal(client).isEmpty)
            }
        }
    }

    @Test func anAsynchronousInvocationIsAcceptedAndMadeLater() async throws {
        try await FunctionHost.run { base in
            try await TestApp(FunctionHost.configuration(base)).test { client in
                #expect(try await invoke(client, "echo", type: "Event").status == .accepted)
                let waited = try await client.execute(uri: "/tdmock/v1/wait?event=function_invoked&timeout=5", method: .get)
                #expect(waited.status == .ok)
            }
        }
    }

    @Test func theFunctionsTableComesFromFlagsEnvironmentAndFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("functions-\(UUID().uuidString).yaml").path
        try "functions:\n  escalate: http://127.0.0.1:9001/2015-03-31/functions/escalate/invocations\n  mine: http://127.0.0.1:9002/x\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        var configuration = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["config": file, "function": "mine=http://127.0.0.1:9003/y"]),
            environment: ["TDMOCK_FUNCTIONS": "chat_socket=http://127.0.0.1:9004/z"]
        )
        #expect(configuration.functions["escalate"] == "http://127.0.0.1:9001/2015-03-31/functions/escalate/invocations")
        #expect(configuration.functions["mine"] == "http://127.0.0.1:9003/y")
        // A flag replaces the environment's list whole, as --touchpoint does.
        #expect(configuration.functions["chat_socket"] == FunctionTable.defaults["chat_socket"])
        configuration = try ServeConfiguration.resolve(
            flags: CommandLineFlags(["lambda-url": "http://127.0.0.1:3001/x"]),
            environment: ["TDMOCK_FUNCTIONS": "chat_socket=http://127.0.0.1:9004/z"]
        )
        #expect(configuration.functions["chat_socket"] == "http://127.0.0.1:9004/z")
        #expect(configuration.functions["fallback"] == "http://127.0.0.1:3001/x")
        #expect(configuration.functions["chat_callback"] == "http://127.0.0.1:8090/2015-03-31/functions/chat_callback/invocations")

        for (flags, environment, expected) in [
            (["nourl"], [:], "command line: --function: expected NAME=URL"),
            (["a b=http://x"], [:], "a function name is 1 to 64 letters"),
            ([], ["TDMOCK_FUNCTIONS": "x=ftp://y"], "environment: TDMOCK_FUNCTIONS: function 'x': expected an http:// or https:// URL"),
        ] as [([String], [String: String], String)] {
            #expect {
                try ServeConfiguration.resolve(
                    flags: CommandLineFlags(flags.flatMap { ["--function", $0] }, for: ServeSettings.table),
                    environment: environment
                )
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
        try "functions:\n  ok: ftp://nope\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            try ServeConfiguration.resolve(flags: CommandLineFlags(["config": file]), environment: [:])
        } throws: { error in
            "\(error)".contains(":2: functions.ok: function 'ok': expected an http:// or https:// URL")
        }
    }
}
