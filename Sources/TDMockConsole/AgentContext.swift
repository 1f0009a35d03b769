public import Foundation
import TDMockSettings

/// What an agent command works with: the server, the agent's name, colours and where its output goes.
/// Commands build the standard one; tests give their own API and capture the output.
public struct AgentContext: Sendable {
    public var api: any AgentAPI
    public var agent: String
    public var style: Style
    public var write: @Sendable (String) -> Void

    public init(api: any AgentAPI, agent: String, style: Style, write: @escaping @Sendable (String) -> Void) {
        self.api = api
        self.agent = agent
        self.style = style
        self.write = write
    }

    /// A console setting: its flag when given (and not empty), else its environment variable, else its
    /// default (`ConsoleSettings`).
    static func value(_ setting: Setting<String>, flag: String?, environment: [String: String]) -> String? {
        let given = flag.flatMap { $0.isEmpty ? nil : $0 }
        let flags = given.map { CommandLineFlags([setting.flag ?? "": $0]) } ?? CommandLineFlags()
        // Text settings refuse only an empty value, which neither source gives here.
        return (try? SettingSources(flags: flags, environment: environment, file: nil).optionalValue(setting)) ?? setting.defaultValue
    }

    /// The server: `--server`, else `TDMOCK_SERVER`, else `http://127.0.0.1:8080`.
    public static func serverURL(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        value(ConsoleSettings.table.server, flag: flag, environment: environment) ?? ConsoleSettings.table.server.byDefault
    }

    /// The agent token: `--agent-token`, else `TDMOCK_AGENT_TOKEN`, else none.
    public static func agentToken(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        value(ConsoleSettings.table.agentToken, flag: flag, environment: environment)
    }

    /// The agent's display name: `--agent`, else `TDMOCK_AGENT`, else the login name.
    public static func agentName(_ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let name = value(ConsoleSettings.table.agent, flag: flag, environment: environment) { return name }
        if let login = getlogin().map({ String(cString: $0) }), !login.isEmpty { return login }
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
        return "agent"
    }

    /// The context of a command run by a person: HTTP to the server, colour on a terminal, standard output.
    public static func standard(server: String?, agent: String?, token: String? = nil) -> AgentContext {
        AgentContext(
            api: AgentClient(server: serverURL(server), token: agentToken(token)),
            agent: agentName(agent),
            style: .forStandardOutput(),
            write: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
        )
    }
}
