import Foundation
public import NIOCore
public import TDMockCore

/// The caller's side of tdmock's Amazon Connect (`tdmock call`): each typed line is an utterance, each
/// answer's prompt is what Connect plays.
public actor CallerSession: LineSession {
    let client: AgentClient
    let contactID: String
    let style: Style
    let output: any ConsoleOutput
    let verbose: Bool
    /// How long an utterance may take: the Lambda's time-out on the server, and some.
    let timeout: TimeAmount
    /// How the call ended, once it has.
    public private(set) var ended: CallBranch?

    public init(client: AgentClient, contactID: String, verbose: Bool, style: Style, output: any ConsoleOutput, timeout: TimeAmount = .seconds(960)) {
        self.client = client
        self.contactID = contactID
        self.verbose = verbose
        self.style = style
        self.output = output
        self.timeout = timeout
    }

    public var prompt: String { "caller> " }
    public var completions: [String] { ["/hangup", "/silence", "/help"] }

    /// Starts a call: the contact and Connect's greeting.
    public static func start(
        client: AgentClient,
        caller: String?,
        attributes: [String: String],
        channel: String = "VOICE"
    ) async throws -> ConnectWire.Created {
        try await client.startCall(caller: caller, attributes: attributes, channel: channel)
    }

    public func handle(line raw: String) async -> Bool {
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return true }
        switch line {
        case "/hangup":
            await hangUp()
            return false
        case "/help":
            output.show(
                "Say something: type it and press Enter (at a DTMF prompt, type the digits). /silence says nothing until the "
                    + "prompt's time limit; /hangup (or Ctrl-D) hangs up."
            )
            return true
        case "/silence":
            break
        default:
            if line.hasPrefix("/") {
                output.show(style.error("error: unknown command \(line); /help lists them"))
                return true
            }
        }
        do {
            let result =
                line == "/silence"
                ? try await client.staySilent(contactID, timeout: timeout) : try await client.say(contactID, text: raw, timeout: timeout)
            if verbose { await showLastTurn() }
            if let error = result.error { output.show(style.error("error: \(Render.visible(error))")) }
            if !result.prompt.isEmpty { output.show("Connect: \(Render.visible(result.prompt))") }
            if result.ended {
                ended = result.branch
                output.show(style.warning("The call ended (\(result.branch.rawValue))."))
                return false
            }
        } catch {
            output.show(style.error("error: \(error)"))
        }
        return true
    }

    /// Hangs up a call that is still on (`/hangup`, Ctrl-D).
    public func hangUp() async {
        guard ended == nil else { return }
        do {
            try await client.hangUp(contactID)
            ended = .hangup
            output.show("You hung up.")
        } catch {
            output.show(style.error("error: \(error)"))
        }
    }

    private func showLastTurn() async {
        guard let turn = try? await client.contact(contactID).turns?.last else { return }
        if !turn.path.isEmpty { output.show(style.dim("Flow: ") + Render.path(turn.path, style: style)) }
        guard !turn.lexEvent.isNull else { return }
        output.show(style.dim("Lex event: ") + Render.visible(Render.json(turn.lexEvent)))
        let status = turn.lambda.statusCode.map { "HTTP \($0)" } ?? "no answer"
        output.show(
            style.dim("Lambda (\(status), \(String(format: "%.1f", turn.lambda.latencyMs)) ms): ")
                + Render.visible(turn.lambda.answer.map(Render.json) ?? "-")
        )
    }
}
