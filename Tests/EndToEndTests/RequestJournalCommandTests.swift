import Foundation
import Testing

@Suite struct RequestJournalCommandTests {
    @Test func tdmockRequestsShowsWhatTheIntegrationSentAndWhatWasRefused() async throws {
        let server = try await Server.start(["--in-memory"])
        let token = try await HTTP.token(server.url)
        let id = try await startConversation(server, token: token)
        _ = try await HTTP.json(.POST, server.url + "/digital-connect/conversations/\(id)/messages", token: token, body: #"{"content":""}"#)
        _ = try await HTTP.json(.POST, server.url + "/digital-connect/conversations/\(id)/messages", token: "not-a-token", body: #"{"content":"hi"}"#)

        let table = try await tdmock(["requests", "--server", server.url, "--failed"])
        #expect(table.status == 0, "\(table.errors)")
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("TIME") == true)
        #expect(lines.count == 3, "\(table.output)")
        #expect(lines[1].contains("401"))
        #expect(lines[2].contains("400"))

        let json = try await tdmock(["requests", "--server", server.url, "--json", "--limit", "10"])
        let entries = try #require(json.json as? [[String: Any]])
        #expect(entries.compactMap { $0["status"] as? Int } == [401, 400, 201, 200])
        #expect(entries[0]["authorization"] as? String == "Bearer ***")
        #expect(!json.output.contains("not-a-token"))
        #expect(entries[1]["request_body"] as? String == #"{"content":""}"#)

        _ = try await tdmock(["reset", "--server", server.url])
        let empty = try await tdmock(["requests", "--server", server.url])
        #expect(empty.output.hasPrefix("No requests journalled"))
        server.process.signal(SIGTERM)
    }
}
