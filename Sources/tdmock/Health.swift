import ArgumentParser
import Foundation
import NIOCore
import TDMockConsole
import TDMockServices

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that a tdmock server answers: exit 0 when GET /healthz does, 1 otherwise.",
        discussion: """
            For container health checks and scripts that wait for serve. Without --server it asks \
            TDMOCK_SERVER, else http://127.0.0.1:PORT with PORT from TDMOCK_PORT (else 8080), so inside \
            the container image it checks the server beside it.

              $ tdmock health
              $ tdmock health --server http://127.0.0.1:9000
              $ until tdmock health --quiet; do sleep 0.2; done
            """
    )

    @Option(help: "The tdmock server (default: TDMOCK_SERVER, else http://127.0.0.1:TDMOCK_PORT, else http://127.0.0.1:8080).")
    var server: String?
    @Option(help: "Seconds to wait for the answer.") var timeout: Int = 5
    @Flag(help: "Print nothing, only exit 0 or 1.") var quiet = false

    func validate() throws {
        if timeout < 1 || timeout > 300 { throw ValidationError("--timeout takes 1 to 300 seconds, not \(timeout)") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = environment["TDMOCK_PORT"].flatMap(Int.init) ?? ServeConfiguration.defaultPort
        let url = server ?? environment["TDMOCK_SERVER"] ?? "http://127.0.0.1:\(port)"
        do {
            try await AgentClient(server: url).health(timeout: .seconds(Int64(timeout)))
        } catch {
            if !quiet { FileHandle.standardError.write(Data("unhealthy: \(error)\n".utf8)) }
            throw ExitCode(1)
        }
        if !quiet { print("ok: \(url)") }
    }
}
