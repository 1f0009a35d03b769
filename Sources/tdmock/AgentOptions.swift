import ArgumentParser
import Foundation
import TDMockConsole

/// The server and its agent token: what every command that talks to the agent API needs.
struct ServerOption: ParsableArguments {
    @Option(help: "The tdmock server (default: TDMOCK_SERVER, else http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "The agent token of a server that asks for one (default: TDMOCK_AGENT_TOKEN).")
    var agentToken: String?

    var client: AgentClient { AgentClient(server: AgentContext.serverURL(server), token: AgentContext.agentToken(agentToken)) }
}

/// The options every agent command shares.
struct AgentOptions: ParsableArguments {
    @OptionGroup var connection: ServerOption

    @Option(help: "The agent's display name, the callbacks' author_name (default: TDMOCK_AGENT, else your login name).")
    var agent: String?

    var context: AgentContext { AgentContext.standard(server: connection.server, agent: agent, token: connection.agentToken) }
}

/// `--json` for commands whose output scripts read.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.")
    var json = false
}

extension ParsableArguments {
    /// Refuses an empty or blank id early, with a message that says which argument.
    static func validateID(_ id: String, name: String = "conversation id") throws {
        if id.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("the \(name) must not be empty") }
    }
}
