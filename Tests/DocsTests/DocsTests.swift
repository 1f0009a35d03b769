import Foundation
import TDMockBridge
import TDMockConsole
import TDMockCore
import TDMockServices
import TDMockSettings
import Testing

/// docs/configuration.md's settings tables are the settings tables themselves: each is written from its
/// `SettingsTable` (`markdownTable()`), and this test fails when one drifts from its table. Run it with
/// `TDMOCK_UPDATE_DOCS=1` to write them anew.
@Suite struct DocsTests {
    static let configuration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")

    static let blocks: [(name: String, table: String)] = [
        ("serve", ServeSettings.table.markdownTable()),
        ("bridge", BridgeSettings.table.markdownTable()),
        ("console", ConsoleSettings.table.markdownTable()),
    ]

    /// The text with the block between `<!-- BEGIN settings: NAME … -->` and `<!-- END settings: NAME -->`
    /// replaced by `table`; nil when the markers are missing.
    static func replacing(_ name: String, in text: String, with table: String) -> String? {
        guard let begin = text.range(of: "<!-- BEGIN settings: \(name) "),
            let beginEnd = text.range(of: "-->\n", range: begin.upperBound..<text.endIndex),
            let end = text.range(of: "<!-- END settings: \(name) -->", range: beginEnd.upperBound..<text.endIndex)
        else { return nil }
        return text.replacingCharacters(in: beginEnd.upperBound..<end.lowerBound, with: table + "\n")
    }

    @Test func theSettingsTablesAreTheTables() throws {
        let text = try String(contentsOf: Self.configuration, encoding: .utf8)
        var expected = text
        for (name, table) in Self.blocks {
            expected = try #require(Self.replacing(name, in: expected, with: table), "docs/configuration.md has no block for \(name)")
        }
        if ProcessInfo.processInfo.environment["TDMOCK_UPDATE_DOCS"] == "1" {
            try expected.write(to: Self.configuration, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            text == expected,
            "docs/configuration.md's settings tables are not the tables': run TDMOCK_UPDATE_DOCS=1 swift test --filter DocsTests"
        )
    }

    /// docs/contact-flows.md's table has every action type of the reference, each under its chapter.
    @Test func theFlowActionsTableHasEveryType() throws {
        let url = Self.configuration.deletingLastPathComponent().appendingPathComponent("contact-flows.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        for chapter in FlowActionType.Chapter.allCases {
            let heading = try #require(text.range(of: "### \(chapter.rawValue)\n"), "no section \(chapter.rawValue)")
            let end = text.range(of: "\n### ", range: heading.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
            let section = text[heading.upperBound..<end]
            for type in FlowActionType.allCases where type.chapter == chapter {
                #expect(section.contains("`\(type.rawValue)`"), "docs/contact-flows.md's \(chapter.rawValue) do not list \(type.rawValue)")
            }
        }
    }
}

extension DocsTests {
    /// The README and docs/ name the version being built wherever they name the image or the file
    /// (`tdmock:0.9.0`, `tdmock-0.9.0-linux-x86_64`): a version bump that forgets a page fails here.
    @Test func theDocsNameTheCurrentVersion() throws {
        let root = Self.configuration.deletingLastPathComponent().deletingLastPathComponent()
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        let pattern = try Regex(#"tdmock(?::|-)(\d+\.\d+\.\d+)"#)
        var named = 0
        for page in ["README.md"] + docs {
            let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
            for match in text.matches(of: pattern) {
                named += 1
                let version = String(text[match.output[1].range!])
                #expect(version == TDMockVersion.current, "\(page) names tdmock \(version), not \(TDMockVersion.current)")
            }
        }
        #expect(named > 0)
    }
}
