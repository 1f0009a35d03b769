import ArgumentParser
import Foundation
import TDMockConsole
import TDMockSettings

/// The server and its agent token: what every command that talks to the agent API needs. Names and help
/// come from ConsoleSettings, where each setting is declared once.
struct ServerOption: ParsableArguments {
    private static let table = ConsoleSettings.table

    @Option(name: .customLong(table.server.flag!), help: .init(table.server.consoleHelp))
    var server: String?

    @Option(name: .customLong(table.agentToken.flag!), help: .init(table.agentToken.consoleHelp))
    var agentToken: String?

    var client: AgentClient { AgentClient(server: AgentContext.serverURL(server), token: AgentContext.agentToken(agentToken)) }
}

/// The options every agent command shares.
struct AgentOptions: ParsableArguments {
    @OptionGroup var connection: ServerOption

    @Option(name: .customLong(ConsoleSettings.table.agent.flag!), help: .init(ConsoleSettings.table.agent.consoleHelp))
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

extension Setting {
    /// A console option's help: what it is, then its environment variable and its default.
    var consoleHelp: String {
        summary + " (default: " + ([environment, shownDefault].compactMap { $0 }.joined(separator: ", else ")) + ")"
    }
}
