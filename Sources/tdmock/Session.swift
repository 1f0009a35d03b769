import TDMockConsole

/// Runs a line-editing session (reply or console) in this terminal.
enum Session {
    static func run(mode: AgentSession.Mode, context: AgentContext) async throws {
        let editor = LineEditor(historyPath: LineEditor.defaultHistoryPath())
        let session = AgentSession(api: context.api, agent: context.agent, mode: mode, style: context.style, output: editor)
        try await session.start()
        let events = try await context.api.events()
        await editor.run(session, events: events)
    }
}
