import Foundation
import TDMockSettings

extension ServeConfiguration {
    /// The agent token from `--agent-token-file` when no token is given: the file's first line, or a new
    /// random token written there (mode 0600) when the file does not exist yet. A container has no one at
    /// its terminal to choose a token, so the image points this at its volume: the first start makes one
    /// and prints it, later starts keep it. A token given itself wins over the file.
    mutating func readAgentTokenFile(_ sources: SettingSources) throws(ConfigurationError) {
        let setting = ServeSettings.table.agentTokenFile
        guard agentToken == nil, let path = try sources.optionalValue(setting) else { return }
        let origin = sources.origin(setting)
        let minimum = ServeSettings.minimumAgentTokenLength
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let trimmed = token.trimmingCharacters(in: .whitespaces)
            guard trimmed.count >= minimum else {
                throw sources.refusal(setting, origin, "\(path) holds \(trimmed.count) characters; an agent token needs at least \(minimum)")
            }
            agentToken = trimmed
            agentTokenSource = .file(path, made: false)
            return
        }
        if FileManager.default.fileExists(atPath: path) {
            throw sources.refusal(setting, origin, "cannot read \(path)")
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
        let made = FileManager.default.createFile(
            atPath: path,
            contents: Data((token + "\n").utf8),
            attributes: [.posixPermissions: 0o600]
        )
        guard made else {
            throw sources.refusal(setting, origin, "cannot write a new agent token to \(path) (does its folder exist, and may tdmock write there?)")
        }
        agentToken = token
        agentTokenSource = .file(path, made: true)
    }
}

/// Where the agent token came from, for what `serve` says at start.
public enum AgentTokenSource: Sendable, Hashable {
    case given
    /// Read from the file, or `made` there at this start.
    case file(String, made: Bool)
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
