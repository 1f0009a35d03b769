import Foundation
import TDMockCore
import Yams

/// What a YAML config file sets. Unknown keys, wrong types and bad values are refused with the file,
/// the line and the key named.
struct ConfigFile: Sendable, Hashable {
    var host: String?
    var port: Int?
    var db: String?
    var inMemory: Bool?
    var fastPath: Bool?
    var tokenTTL: Int?
    var clients: [OAuthClient] = []
    var touchpoints: [Touchpoint] = []
    var callback = CallbackConfiguration()
    var seed: UInt64?
    var faults: [Fault] = []
    var agentToken: String?
    var limits = ServerLimits()
    var questionAPIKey: String?
    var connect = ConnectConfiguration()
    var journalSize: Int?

    static func load(path: String) throws(ConfigurationError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(source: path, key: "--config", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: String) throws(ConfigurationError) -> ConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.yamlError(error, file: file)
        } catch {
            throw ConfigurationError(source: file, key: "(file)", message: "not valid YAML: \(error)")
        }
        guard let root else { return ConfigFile() }
        var reader = NodeReader(file: file)
        return try reader.configFile(root)
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

/// Walks the YAML node tree, keeping the dotted key path for messages.
private struct NodeReader {
    let file: String

    func error(_ node: Node, _ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(source: file, line: node.mark?.line, key: key, message: message)
    }

    /// The pairs of a mapping, refusing keys not in `allowed`.
    func mapping(_ node: Node, _ key: String, allowed: [String]) throws(ConfigurationError) -> [(String, Node)] {
        guard let mapping = node.mapping else {
            throw error(node, key, "expected a mapping of \(allowed.joined(separator: ", "))")
        }
        var pairs: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else { throw error(keyNode, key, "expected a key name") }
            let path = key.isEmpty ? name : key + "." + name
            guard allowed.contains(name) else {
                throw error(keyNode, path, "unknown key; expected one of \(allowed.joined(separator: ", "))")
            }
            pairs.append((name, value))
        }
        return pairs
    }

    func string(_ node: Node, _ key: String) throws(ConfigurationError) -> String {
        guard let scalar = node.scalar, !scalar.string.isEmpty else { throw error(node, key, "expected a non-empty string") }
        return scalar.string
    }

    func integer(_ node: Node, _ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let scalar = node.scalar, let value = Int(scalar.string), range.contains(value) else {
            throw error(node, key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found '\(node.scalar?.string ?? "a collection")'")
        }
        return value
    }

    func seconds(_ node: Node, _ key: String) throws(ConfigurationError) -> Double {
        guard let scalar = node.scalar, let value = Double(scalar.string), value > 0, value.isFinite else {
            throw error(node, key, "expected a number of seconds above 0, found '\(node.scalar?.string ?? "a collection")'")
        }
        return value
    }

    func boolean(_ node: Node, _ key: String) throws(ConfigurationError) -> Bool {
        guard let value = node.bool else { throw error(node, key, "expected true or false") }
        return value
    }

    func strings(_ node: Node, _ key: String) throws(ConfigurationError) -> [String] {
        guard let sequence = node.sequence else { throw error(node, key, "expected a list of strings") }
        var result: [String] = []
        for (index, item) in sequence.enumerated() { result.append(try string(item, "\(key)[\(index)]")) }
        return result
    }

    mutating func configFile(_ root: Node) throws(ConfigurationError) -> ConfigFile {
        var config = ConfigFile()
        let keys = [
            "host", "port", "db", "in_memory", "token_ttl", "client_id", "client_secret", "touchpoint",
            "callback_url", "callback_api_key", "clients", "touchpoints", "callback", "seed", "faults", "agent_token", "limits", "fast_path",
            "question_response", "connect", "journal_size",
            // `tdmock bridge` reads its own section; serve accepts and leaves it.
            "bridge",
        ]
        var single = (clientID: String?.none, clientSecret: String?.none, clientNode: Node?.none)
        for (key, value) in try mapping(root, "", allowed: keys) {
            switch key {
            case "host": config.host = try string(value, key)
            case "port": config.port = try integer(value, key, 0...65535)
            case "db": config.db = try string(value, key)
            case "in_memory": config.inMemory = try boolean(value, key)
            case "fast_path": config.fastPath = try boolean(value, key)
            case "token_ttl": config.tokenTTL = try integer(value, key, 1...Int(Int32.max))
            case "client_id":
                single.clientID = try string(value, key)
                single.clientNode = value
            case "client_secret": single.clientSecret = try string(value, key)
            case "touchpoint":
                let ids = value.sequence != nil ? try strings(value, key) : [try string(value, key)]
                config.touchpoints.append(contentsOf: ids.map { Touchpoint(id: $0) })
            case "callback_url": config.callback.url = try url(value, key)
            case "callback_api_key": config.callback.apiKey = try string(value, key)
            case "clients": config.clients = try clients(value)
            case "touchpoints": config.touchpoints.append(contentsOf: try touchpoints(value))
            case "callback": try callback(value, into: &config.callback)
            case "seed":
                guard let text = value.scalar?.string, let seed = UInt64(text) else { throw error(value, key, "expected a whole number from 0") }
                config.seed = seed
            case "faults": config.faults = try faults(value)
            case "agent_token": config.agentToken = try string(value, key)
            case "limits": try limits(value, into: &config.limits)
            case "question_response":
                for (name, field) in try mapping(value, key, allowed: ["api_key"]) where name == "api_key" {
                    config.questionAPIKey = try string(field, "question_response.api_key")
                }
            case "connect": try connect(value, into: &config.connect)
            case "journal_size": config.journalSize = try integer(value, key, 0...100_000)
            default: break
            }
        }
        if single.clientID != nil || single.clientSecret != nil {
            guard let id = single.clientID, let secret = single.clientSecret else {
                throw error(single.clientNode ?? root, single.clientID == nil ? "client_id" : "client_secret", "client_id and client_secret go together")
            }
            if let index = config.clients.firstIndex(where: { $0.id == id }) {
                config.clients[index].secret = secret
            } else {
                config.clients.append(OAuthClient(id: id, secret: secret))
            }
        }
        try checkReferences(config, root)
        return config
    }

    func url(_ node: Node, _ key: String) throws(ConfigurationError) -> String {
        let text = try string(node, key)
        guard ServeConfiguration.isHTTPURL(text) else { throw error(node, key, "expected an http:// or https:// URL, found '\(text)'") }
        return text
    }

    func clients(_ node: Node) throws(ConfigurationError) -> [OAuthClient] {
        guard let sequence = node.sequence else { throw error(node, "clients", "expected a list of clients") }
        var clients: [OAuthClient] = []
        for (index, item) in sequence.enumerated() {
            let key = "clients[\(index)]"
            var id: String?
            var secret: String?
            var scopes = [Scope.digitalConnectWrite]
            var touchpoints: [String]?
            for (name, value) in try mapping(item, key, allowed: ["id", "secret", "scopes", "touchpoints"]) {
                switch name {
                case "id": id = try string(value, key + ".id")
                case "secret": secret = try string(value, key + ".secret")
                case "scopes": scopes = try strings(value, key + ".scopes")
                case "touchpoints": touchpoints = try strings(value, key + ".touchpoints")
                default: break
                }
            }
            guard let id else { throw error(item, key + ".id", "every client needs an id") }
            guard let secret else { throw error(item, key + ".secret", "every client needs a secret") }
            if clients.contains(where: { $0.id == id }) { throw error(item, key + ".id", "client '\(id)' is listed twice") }
            clients.append(OAuthClient(id: id, secret: secret, scopes: scopes, touchpoints: touchpoints))
        }
        return clients
    }

    func touchpoints(_ node: Node) throws(ConfigurationError) -> [Touchpoint] {
        guard let sequence = node.sequence else { throw error(node, "touchpoints", "expected a list of touchpoints") }
        var touchpoints: [Touchpoint] = []
        for (index, item) in sequence.enumerated() {
            let key = "touchpoints[\(index)]"
            if item.scalar != nil {
                touchpoints.append(Touchpoint(id: try string(item, key)))
                continue
            }
            var id: String?
            var name: String?
            for (field, value) in try mapping(item, key, allowed: ["id", "name"]) {
                if field == "id" { id = try string(value, key + ".id") } else { name = try string(value, key + ".name") }
            }
            guard let id else { throw error(item, key + ".id", "every touchpoint needs an id") }
            if touchpoints.contains(where: { $0.id == id }) { throw error(item, key + ".id", "touchpoint '\(id)' is listed twice") }
            touchpoints.append(Touchpoint(id: id, name: name))
        }
        return touchpoints
    }

    func callback(_ node: Node, into callback: inout CallbackConfiguration) throws(ConfigurationError) {
        let keys = ["url", "api_key", "paths", "max_attempts", "timeout", "retry_initial", "retry_max"]
        for (name, value) in try mapping(node, "callback", allowed: keys) {
            switch name {
            case "max_attempts": callback.maxAttempts = try integer(value, "callback.max_attempts", 1...100)
            case "timeout": callback.timeout = try seconds(value, "callback.timeout")
            case "retry_initial": callback.retryInitial = try seconds(value, "callback.retry_initial")
            case "retry_max": callback.retryMax = try seconds(value, "callback.retry_max")
            case "url": callback.url = try url(value, "callback.url")
            case "api_key": callback.apiKey = try string(value, "callback.api_key")
            case "paths":
                let events = CallbackEvent.allCases.map(\.rawValue)
                for (eventName, pathNode) in try mapping(value, "callback.paths", allowed: events) {
                    let key = "callback.paths." + eventName
                    let path = try string(pathNode, key)
                    guard path.hasPrefix("/") else { throw error(pathNode, key, "a relative path starts with '/', found '\(path)'") }
                    if let event = CallbackEvent(rawValue: eventName) { callback.paths[event] = path }
                }
            default: break
            }
        }
    }

    func connect(_ node: Node, into connect: inout ConnectConfiguration) throws(ConfigurationError) {
        let keys = ["lambda_url", "lambda_timeout", "greeting", "error_prompt", "bot", "branch_attribute", "text_attribute", "branches"]
        for (name, value) in try mapping(node, "connect", allowed: keys) {
            let key = "connect." + name
            switch name {
            case "lambda_url": connect.lambdaURL = try url(value, key)
            case "lambda_timeout":
                connect.lambdaTimeout = try seconds(value, key)
                guard connect.lambdaTimeout <= 900 else { throw error(value, key, "expected at most 900 seconds (Lambda's own limit)") }
            case "greeting": connect.flow.greeting = try string(value, key)
            case "error_prompt": connect.flow.errorPrompt = try string(value, key)
            case "branch_attribute": connect.flow.branchAttribute = try string(value, key)
            case "text_attribute": connect.flow.textAttribute = try string(value, key)
            case "bot":
                let fields = ["id", "name", "alias_id", "alias_name", "locale_id", "version"]
                for (field, text) in try mapping(value, key, allowed: fields) {
                    let string = try string(text, key + "." + field)
                    switch field {
                    case "id": connect.flow.bot.id = string
                    case "name": connect.flow.bot.name = string
                    case "alias_id": connect.flow.bot.aliasID = string
                    case "alias_name": connect.flow.bot.aliasName = string
                    case "locale_id": connect.flow.bot.localeID = string
                    default: connect.flow.bot.version = string
                    }
                }
            case "branches":
                guard let pairs = value.mapping, !pairs.isEmpty else {
                    throw error(value, key, "expected a mapping of attribute value -> speak, disconnect or failed")
                }
                var branches: [String: CallBranch] = [:]
                for (valueNode, branchNode) in pairs {
                    let attributeValue = try string(valueNode, key)
                    let branchName = try string(branchNode, key + "." + attributeValue)
                    guard let branch = CallBranch(rawValue: branchName), [.speak, .disconnect, .failed].contains(branch) else {
                        throw error(branchNode, key + "." + attributeValue, "expected speak, disconnect or failed, found '\(branchName)'")
                    }
                    branches[attributeValue] = branch
                }
                connect.flow.branches = branches
            default: break
            }
        }
    }

    func limits(_ node: Node, into limits: inout ServerLimits) throws(ConfigurationError) {
        let keys = ["max_header_bytes", "max_connections", "header_timeout", "body_timeout", "idle_timeout"]
        for (name, value) in try mapping(node, "limits", allowed: keys) {
            let key = "limits." + name
            switch name {
            case "max_header_bytes": limits.maxHeaderBytes = try integer(value, key, 1024...(1 << 20))
            case "max_connections": limits.maxConnections = try integer(value, key, 1...100_000)
            case "header_timeout": limits.headerTimeout = try seconds(value, key)
            case "body_timeout": limits.bodyTimeout = try seconds(value, key)
            case "idle_timeout": limits.idleTimeout = try seconds(value, key)
            default: break
            }
        }
    }

    func faults(_ node: Node) throws(ConfigurationError) -> [Fault] {
        guard let sequence = node.sequence else { throw error(node, "faults", "expected a list of faults") }
        var faults: [Fault] = []
        for (index, item) in sequence.enumerated() {
            let key = "faults[\(index)]"
            var target: Fault.Target?
            var fault = Fault(id: "config-\(index + 1)", target: .token)
            for (name, value) in try mapping(item, key, allowed: ["target", "status", "count", "latency_ms", "retry_after"]) {
                switch name {
                case "target":
                    let text = try string(value, key + ".target")
                    guard let parsed = Fault.Target(rawValue: text) else {
                        throw error(value, key + ".target", "expected one of \(Fault.Target.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'")
                    }
                    target = parsed
                case "status":
                    let status = try integer(value, key + ".status", 200...599)
                    guard status == Fault.partialSuccess || status >= 400 else {
                        throw error(value, key + ".status", "expected an HTTP error status from 400 to 599, or 206 for send_message, found \(status)")
                    }
                    fault.status = status
                case "count":
                    let count = try integer(value, key + ".count", 0...1_000_000)
                    fault.remaining = count == 0 ? nil : count
                case "latency_ms": fault.latencyMs = try integer(value, key + ".latency_ms", 0...600_000)
                case "retry_after": fault.retryAfter = try integer(value, key + ".retry_after", 0...86_400)
                default: break
                }
            }
            guard let target else { throw error(item, key + ".target", "every fault needs a target") }
            fault.target = target
            if let problem = fault.problem { throw error(item, key, problem) }
            faults.append(fault)
        }
        return faults
    }

    func checkReferences(_ config: ConfigFile, _ root: Node) throws(ConfigurationError) {
        guard let sequence = root.mapping?["clients"]?.sequence else { return }
        let known = Set(config.touchpoints.map(\.id))
        for (index, client) in config.clients.enumerated() where index < sequence.count {
            for id in client.touchpoints ?? [] where !known.contains(id) {
                throw error(sequence[index], "clients[\(index)].touchpoints", "touchpoint '\(id)' is not listed under touchpoints")
            }
        }
    }
}
