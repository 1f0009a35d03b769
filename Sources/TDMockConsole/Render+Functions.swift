import Foundation
public import TDMockCore

extension Render {
    /// The invocations journal as a table, newest first; `verbose` adds each event and answer.
    public static func invocations(_ entries: [Invocation], verbose: Bool, style: Style) -> String {
        guard !entries.isEmpty else { return "No invocations yet (every call of a function of the functions table is kept)." }
        let rows = entries.map { entry in
            let status = entry.status.map(String.init) ?? "-"
            let result = entry.error.map { style.error(visible($0)) } ?? "ok"
            return [
                String(entry.id), clock(entry.time), visible(entry.function), entry.caller.rawValue, status, String(format: "%.1f", entry.latencyMs),
                result,
            ]
        }
        let summary = table(["ID", "TIME", "FUNCTION", "CALLER", "STATUS", "MS", "RESULT"], rows, style: style)
        guard verbose else { return summary }
        let details = entries.map { entry in
            var lines = [
                style.bold("#\(entry.id) \(visible(entry.function)) (\(entry.caller.rawValue))"), "  event:  " + visible(entry.event.jsonText),
            ]
            if let answer = entry.answer { lines.append("  answer: " + visible(answer.jsonText)) }
            if let error = entry.error { lines.append("  error:  " + style.error(visible(error))) }
            return lines.joined(separator: "\n")
        }
        return ([summary] + details).joined(separator: "\n\n")
    }
}
