public import TDMockSettings

/// The settings of the agent's commands (`inbox`, `reply`, `console`, … and `customer`, `call`), each
/// declared once: its flag, its environment variable, its default and its help. The commands' options
/// take their names and help from here; `AgentContext` reads them flag > environment > default.
public struct ConsoleSettings: SettingsTable, Sendable {
    public static let table = ConsoleSettings()

    public let server = Setting<String>(
        flag: "server",
        environment: "TDMOCK_SERVER",
        default: "http://127.0.0.1:8080",
        .text,
        "The tdmock server"
    )
    public let agentToken = Setting<String>(
        flag: "agent-token",
        environment: "TDMOCK_AGENT_TOKEN",
        .text,
        "The agent token of a server that asks for one"
    )
    public let agent = Setting<String>(
        flag: "agent",
        environment: "TDMOCK_AGENT",
        .text,
        "The agent's display name, the callbacks' author_name (none given: your login name)"
    )
    public let history = Setting<String>(
        environment: "TDMOCK_HISTORY",
        .text,
        "The file the console keeps the lines you sent in, for Up and Down (none given: ~/.tdmock_history)"
    )
}
