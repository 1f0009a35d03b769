import Foundation
public import Yams

/// A YAML config file as read: its node tree, with the line of every node, so that each refusal names
/// the file, the line and the key.
public struct ConfigDocument {
    public let path: String
    public let root: Node?

    /// A path the file names, as the file's own folder sees it.
    public func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: self.path).deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// Reads and parses the file; a file that cannot be read or is not YAML is refused.
    public static func load(path: String) throws(ConfigurationError) -> ConfigDocument {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(source: path, key: "--config", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> ConfigDocument {
        do {
            return ConfigDocument(path: file, root: try Yams.compose(yaml: text))
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ConfigurationError(source: file, key: "(file)", message: "not valid YAML: \(error)")
        }
    }

    /// A refusal at `node`'s line.
    public func error(_ node: Node, _ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(source: path, line: node.mark?.line, key: key, message: message)
    }

    /// The node at a dotted key (`callback.max_attempts`), through mappings; nil when the file has none.
    public func node(at key: String) -> Node? {
        var node = root
        for name in key.split(separator: ".") {
            guard let mapping = node?.mapping else { return nil }
            node = mapping[String(name)]
        }
        return node
    }

    /// Refuses every key that is not `known` or a section leading to one (`callback` for
    /// `callback.url`), within `section` (the whole file when empty): a typo never passes silently.
    /// A known key's value is not looked into here; whoever reads it checks it.
    public func checkKeys(_ known: Set<String>, in section: String = "") throws(ConfigurationError) {
        let start = section.isEmpty ? root : node(at: section)
        guard let start else { return }
        try checkKeys(start, path: section, known: known)
    }

    private func checkKeys(_ node: Node, path: String, known: Set<String>) throws(ConfigurationError) {
        let prefix = path.isEmpty ? "" : path + "."
        let here = Set(
            known.compactMap { key -> String? in
                guard key.hasPrefix(prefix) else { return nil }
                return key.dropFirst(prefix.count).split(separator: ".").first.map(String.init)
            }
        ).sorted()
        guard let mapping = node.mapping else {
            throw error(node, path, "expected a mapping of \(here.joined(separator: ", "))")
        }
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else { throw error(keyNode, path, "expected a key name") }
            let key = prefix + name
            guard here.contains(name) else {
                throw error(keyNode, key, "unknown key; expected one of \(here.joined(separator: ", "))")
            }
            if !known.contains(key) { try checkKeys(value, path: key, known: known) }
        }
    }

    private static func yamlError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = (context.map { "\($0.text) " } ?? "") + problem
            return ConfigurationError(source: file, line: mark.line, key: "(syntax)", message: "not valid YAML: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, _):
            let keys = duplicates.sorted().joined(separator: ", ")
            return ConfigurationError(source: file, key: keys, message: "the key is given twice")
        default:
            return ConfigurationError(source: file, key: "(file)", message: "not valid YAML: \(error)")
        }
    }
}
