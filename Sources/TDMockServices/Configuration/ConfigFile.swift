import Foundation
import TDMockCore
import TDMockSettings
import Yams

/// The lists and maps of a YAML config file, which `ServeSettings`' scalar table does not hold:
/// `clients` (and the single `client_id` / `client_secret`), `touchpoints` (and `touchpoint`), `faults`,
/// `callback.paths`, `connect.branches`, `connect.flows`, `connect.modules`, `connect.hours` and
/// `connect.queues`. Unknown keys, wrong types and bad values are refused with
/// the file, the line and the key named.
struct ConfigFile {
    var clients: [OAuthClient] = []
    var touchpoints: [Touchpoint] = []
    var callbackPaths: [CallbackEvent: String] = [:]
    var faults: [Fault] = []
    var branches: [String: CallBranch]?
    /// `connect.flows`: flow id -> its file, and where the file names it (for refusals).
    var flows: [String: (path: String, place: ConfigurationError)] = [:]
    /// `connect.modules`: module id -> its file, and where the file names it.
    var modules: [String: (path: String, place: ConfigurationError)] = [:]
    /// `connect.hours` and `connect.queues`.
    var hours: [String: HoursOfOperation] = [:]
    var queues: [String: QueueMetrics] = [:]
    /// `functions: {NAME: URL}`.
    var functions: [String: String] = [:]
    /// `apigateway.rest.api_keys` and `apigateway.rest.routes`: each replaces the default whole.
    var restAPIKeys: [String]?
    var restRoutes: [RESTRoute]?
    /// `apigateway.websocket.routes`: route key -> function, replacing the defaults whole.
    var webSocketRoutes: [String: String]?
    /// `lex.bots`, replacing the defaults whole.
    var lexBots: [LexBot]?
    /// What would keep an imported bot from working as the seed expects: said at start, not refused.
    var warnings: [String] = []

    /// The keys this reader takes; `bridge` is `tdmock bridge`'s section, which serve leaves to it.
    static let keys: Set<String> = [
        "client_id", "client_secret", "clients", "touchpoint", "touchpoints", "faults", "callback.paths", "connect.branches", "connect.flows",
        "connect.modules", "connect.hours", "connect.queues", "bridge",
        "functions", "apigateway.rest.api_keys", "apigateway.rest.routes", "apigateway.websocket.routes", "lex.bots",
    ]

    /// Checks every key of the file against the table's and these, then reads these.
    static func read(_ document: ConfigDocument?) throws(ConfigurationError) -> ConfigFile {
        guard let document else { return ConfigFile() }
        try document.checkKeys(ServeSettings.table.configKeys.union(keys))
        var reader = NodeReader(document: document)
        return try reader.read()
    }
}

/// Walks the file's lists and maps, keeping the dotted key path for messages.
private struct NodeReader {
    let document: ConfigDocument

    func error(_ node: Node, _ key: String, _ message: String) -> ConfigurationError {
        document.error(node, key, message)
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
            throw error(
                node,
                key,
                "expected a whole number from \(range.lowerBound) to \(range.upperBound), found '\(node.scalar?.string ?? "a collection")'"
            )
        }
        return value
    }

    /// A mapping of non-empty strings to non-empty strings, in the file's order, with the nodes for refusals.
    func stringPairs(
        _ node: Node,
        _ key: String,
        _ what: String
    ) throws(ConfigurationError) -> [(name: String, value: String, nameNode: Node, valueNode: Node)] {
        guard let mapping = node.mapping else { throw error(node, key, "expected a mapping of \(what)") }
        var pairs: [(name: String, value: String, nameNode: Node, valueNode: Node)] = []
        for (nameNode, valueNode) in mapping {
            let name = try string(nameNode, key)
            pairs.append((name, try string(valueNode, key + "." + name), nameNode, valueNode))
        }
        return pairs
    }

    func strings(_ node: Node, _ key: String) throws(ConfigurationError) -> [String] {
        guard let sequence = node.sequence else { throw error(node, key, "expected a list of strings") }
        var result: [String] = []
        for (index, item) in sequence.enumerated() { result.append(try string(item, "\(key)[\(index)]")) }
        return result
    }

    mutating func read() throws(ConfigurationError) -> ConfigFile {
        var config = ConfigFile()
        if let node = document.node(at: "clients") { config.clients = try clients(node) }
        if let node = document.node(at: "touchpoint") {
            let ids = node.sequence != nil ? try strings(node, "touchpoint") : [try string(node, "touchpoint")]
            config.touchpoints.append(contentsOf: ids.map { Touchpoint(id: $0) })
        }
        if let node = document.node(at: "touchpoints") { config.touchpoints.append(contentsOf: try touchpoints(node)) }
        if let node = document.node(at: "callback.paths") { config.callbackPaths = try callbackPaths(node) }
        if let node = document.node(at: "connect.branches") { config.branches = try branches(node) }
        if let node = document.node(at: "connect.flows") { config.flows = try flows(node) }
        if let node = document.node(at: "connect.modules") { config.modules = try files(node, "connect.modules", "module id -> Flow Language file") }
        if let node = document.node(at: "connect.hours") { config.hours = try hours(node) }
        if let node = document.node(at: "connect.queues") { config.queues = try queues(node) }
        if let node = document.node(at: "faults") { config.faults = try faults(node) }
        if let node = document.node(at: "functions") { config.functions = try functions(node) }
        if let node = document.node(at: "apigateway.rest.api_keys") {
            config.restAPIKeys = try strings(node, "apigateway.rest.api_keys")
            if config.restAPIKeys?.isEmpty == true { throw error(node, "apigateway.rest.api_keys", "expected at least one API key") }
        }
        if let node = document.node(at: "apigateway.rest.routes") { config.restRoutes = try restRoutes(node) }
        if let node = document.node(at: "lex.bots") { config.lexBots = try lexBots(node, warnings: &config.warnings) }
        if let node = document.node(at: "apigateway.websocket.routes") {
            let pairs = try stringPairs(node, "apigateway.websocket.routes", "route key -> function")
            config.webSocketRoutes = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { _, new in new })
        }
        try singleClient(into: &config)
        try checkReferences(config)
        return config
    }

    /// `client_id` and `client_secret` at the top: one client, added to `clients` or overriding its secret there.
    func singleClient(into config: inout ConfigFile) throws(ConfigurationError) {
        let id: String
        let secret: String
        switch (document.node(at: "client_id"), document.node(at: "client_secret")) {
        case (nil, nil): return
        case (let idNode?, let secretNode?):
            id = try string(idNode, "client_id")
            secret = try string(secretNode, "client_secret")
        case (let idNode?, nil): throw error(idNode, "client_secret", "client_id and client_secret go together")
        case (nil, let secretNode?): throw error(secretNode, "client_id", "client_id and client_secret go together")
        }
        if let index = config.clients.firstIndex(where: { $0.id == id }) {
            config.clients[index].secret = secret
        } else {
            config.clients.append(OAuthClient(id: id, secret: secret))
        }
    }

    func clients(_ node: Node) throws(ConfigurationError) -> [OAuthClient] {
        guard let sequence = node.sequence else { throw error(node, "clients", "expected a list of clients") }
        var clients: [OAuthClient] = []
        for (index, item) in sequence.enumerated() {
            let key = "clients[\(index)]"
            var id: String?
            var secret: String?
            var scopes = Scope.defaults
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
            var active = true
            for (field, value) in try mapping(item, key, allowed: ["id", "name", "active"]) {
                switch field {
                case "id": id = try string(value, key + ".id")
                case "name": name = try string(value, key + ".name")
                default:
                    guard let flag = value.bool else { throw error(value, key + ".active", "expected true or false") }
                    active = flag
                }
            }
            guard let id else { throw error(item, key + ".id", "every touchpoint needs an id") }
            if touchpoints.contains(where: { $0.id == id }) { throw error(item, key + ".id", "touchpoint '\(id)' is listed twice") }
            touchpoints.append(Touchpoint(id: id, name: name, active: active))
        }
        return touchpoints
    }

    func callbackPaths(_ node: Node) throws(ConfigurationError) -> [CallbackEvent: String] {
        var paths: [CallbackEvent: String] = [:]
        for (eventName, pathNode) in try mapping(node, "callback.paths", allowed: CallbackEvent.allCases.map(\.rawValue)) {
            let key = "callback.paths." + eventName
            let path = try string(pathNode, key)
            guard path.hasPrefix("/") else { throw error(pathNode, key, "a relative path starts with '/', found '\(path)'") }
            if let event = CallbackEvent(rawValue: eventName) { paths[event] = path }
        }
        return paths
    }

    /// `connect.flows: {ID: FILE}`, each file as the config file's folder sees it.
    func flows(_ node: Node) throws(ConfigurationError) -> [String: (path: String, place: ConfigurationError)] {
        let key = "connect.flows"
        var flows: [String: (path: String, place: ConfigurationError)] = [:]
        for pair in try stringPairs(node, key, "flow id -> Flow Language file") {
            guard pair.name != "main" else {
                throw error(pair.nameNode, key + ".main", "'main' is connect.flow's id: give this flow its own (the id at the end of its ARN)")
            }
            flows[pair.name] = (resolve(pair.value), error(pair.valueNode, key + "." + pair.name, ""))
        }
        return flows
    }

    /// A mapping of ids to files, each file as the config file's folder sees it.
    func files(_ node: Node, _ key: String, _ what: String) throws(ConfigurationError) -> [String: (path: String, place: ConfigurationError)] {
        var files: [String: (path: String, place: ConfigurationError)] = [:]
        for pair in try stringPairs(node, key, what) { files[pair.name] = (resolve(pair.value), error(pair.valueNode, key + "." + pair.name, "")) }
        return files
    }

    /// `connect.hours: {ID or NAME: {time_zone, days: {MON: "09:00-17:00", …}}}`.
    func hours(_ node: Node) throws(ConfigurationError) -> [String: HoursOfOperation] {
        let key = "connect.hours"
        guard let entries = node.mapping else { throw error(node, key, "expected a mapping of hours id or name -> {time_zone, days}") }
        var all: [String: HoursOfOperation] = [:]
        for (nameNode, value) in entries {
            let name = try string(nameNode, key)
            let path = key + "." + name
            var zone = TimeZone(identifier: "UTC") ?? .current
            var open: [String: [Range<Int>]] = [:]
            var spill: [String: [Range<Int>]] = [:]
            for (field, fieldNode) in try mapping(value, path, allowed: ["time_zone", "days"]) {
                if field == "time_zone" {
                    let text = try string(fieldNode, path + ".time_zone")
                    guard let found = TimeZone(identifier: text) else {
                        throw error(fieldNode, path + ".time_zone", "'\(text)' is not an IANA time zone (such as America/New_York or UTC)")
                    }
                    zone = found
                    continue
                }
                for (day, dayNode) in try mapping(fieldNode, path + ".days", allowed: HoursOfOperation.days.rotated()) {
                    let dayKey = path + ".days." + day
                    let texts = dayNode.sequence != nil ? try strings(dayNode, dayKey) : [try string(dayNode, dayKey)]
                    guard let stretches = HoursOfOperation.stretches(texts.joined(separator: ",")) else {
                        throw error(dayNode, dayKey, "expected HH:MM-HH:MM (such as 09:00-17:00; several with commas), 24h or closed")
                    }
                    open[day, default: []].append(contentsOf: stretches.today)
                    let index = HoursOfOperation.days.firstIndex(of: day) ?? 0
                    spill[HoursOfOperation.days[(index + 1) % 7], default: []].append(contentsOf: stretches.tomorrow)
                }
            }
            for (day, stretches) in spill { open[day, default: []].append(contentsOf: stretches) }
            all[name] = HoursOfOperation(timeZone: zone, open: open)
        }
        return all
    }

    /// `connect.queues: {ID or NAME: {agents_online, agents_available, contacts_in_queue, oldest_contact_age, hours}}`.
    func queues(_ node: Node) throws(ConfigurationError) -> [String: QueueMetrics] {
        let key = "connect.queues"
        guard let entries = node.mapping else { throw error(node, key, "expected a mapping of queue id or name -> its metrics") }
        var all: [String: QueueMetrics] = [:]
        for (nameNode, value) in entries {
            let name = try string(nameNode, key)
            var metrics = QueueMetrics()
            for (field, fieldNode) in try mapping(value, key + "." + name, allowed: QueueMetrics.keys + ["hours"]) {
                if field == "hours" {
                    metrics.hours = try string(fieldNode, key + "." + name + ".hours")
                } else {
                    _ = metrics.set(field, try integer(fieldNode, key + "." + name + "." + field, 0...1_000_000))
                }
            }
            all[name] = metrics
        }
        return all
    }

    func branches(_ node: Node) throws(ConfigurationError) -> [String: CallBranch] {
        let key = "connect.branches"
        guard let pairs = node.mapping, !pairs.isEmpty else {
            throw error(node, key, "expected a mapping of attribute value -> speak, disconnect or failed")
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
        return branches
    }

    func functions(_ node: Node) throws(ConfigurationError) -> [String: String] {
        var functions: [String: String] = [:]
        for pair in try stringPairs(node, "functions", "function name -> Lambda Invoke API URL") {
            if let problem = FunctionTable.problem(name: pair.name, url: pair.value) {
                throw error(pair.valueNode, "functions." + pair.name, problem)
            }
            functions[pair.name] = pair.value
        }
        return functions
    }

    func restRoutes(_ node: Node) throws(ConfigurationError) -> [RESTRoute] {
        guard let sequence = node.sequence else { throw error(node, "apigateway.rest.routes", "expected a list of routes") }
        var routes: [RESTRoute] = []
        for (index, item) in sequence.enumerated() {
            let key = "apigateway.rest.routes[\(index)]"
            var route = RESTRoute(method: "", path: "", function: "", apiKeyRequired: false)
            for (name, value) in try mapping(item, key, allowed: ["method", "path", "function", "api_key_required"]) {
                switch name {
                case "method": route.method = try string(value, key + ".method").uppercased()
                case "path": route.path = try string(value, key + ".path")
                case "function": route.function = try string(value, key + ".function")
                default:
                    guard let flag = value.bool else { throw error(value, key + ".api_key_required", "expected true or false") }
                    route.apiKeyRequired = flag
                }
            }
            for (field, value) in [("method", route.method), ("path", route.path), ("function", route.function)] where value.isEmpty {
                throw error(item, key + "." + field, "every route needs a \(field)")
            }
            if let problem = route.problem { throw error(item, key, problem) }
            routes.append(route)
        }
        return routes
    }

    func lexBots(_ node: Node, warnings: inout [String]) throws(ConfigurationError) -> [LexBot] {
        guard let sequence = node.sequence, !sequence.isEmpty else { throw error(node, "lex.bots", "expected a list of bots") }
        var bots: [LexBot] = []
        for (index, item) in sequence.enumerated() {
            let key = "lex.bots[\(index)]"
            var id: String?
            var name: String?
            var aliases: [LexBot.Alias]?
            var locales: [String]?
            var ttl: Double?
            var intents: [LexIntent] = []
            var imported: (path: String, node: Node)?
            var hooks: [String: String] = [:]
            for (field, value) in try mapping(
                item,
                key,
                allowed: ["id", "name", "aliases", "locales", "idle_session_ttl", "intents", "import", "functions"]
            ) {
                let path = key + "." + field
                switch field {
                case "id":
                    let text = try string(value, path)
                    guard LexBot.isValidID(text) else { throw error(value, path, "a bot id is 10 letters and digits, as AWS's are; found '\(text)'") }
                    id = text
                case "name": name = try string(value, path)
                case "aliases": aliases = try lexAliases(value, path)
                case "locales": locales = try strings(value, path)
                case "idle_session_ttl": ttl = Double(try integer(value, path, 60...86_400))
                case "import": imported = (try string(value, path), value)
                case "functions":
                    for (hook, function) in try mapping(value, path, allowed: ["fulfillment", "dialog"]) {
                        hooks[hook] = try string(function, path + "." + hook)
                    }
                default: intents = try lexIntents(value, path)
                }
            }
            if let imported {
                guard intents.isEmpty else { throw error(item, key + ".intents", "a bot is either imported or has intents, not both") }
                let export: LexBotExport
                do {
                    export = try LexBotExport.read(resolve(imported.path))
                } catch {
                    throw self.error(imported.node, key + ".import", error.description)
                }
                if id == nil, let identifier = export.identifier, LexBot.isValidID(identifier) { id = identifier }
                if id == nil { throw self.error(item, key + ".id", "the export names no bot id of 10 letters and digits: give the bot's id") }
                name = name ?? export.name
                locales = locales ?? export.locales
                ttl = ttl ?? export.idleSessionTTL
                intents = export.intents.map { intent in
                    LexIntent(
                        name: intent.name,
                        sampleUtterances: intent.utterances,
                        fulfillment: intent.fulfillmentEnabled ? hooks["fulfillment"] ?? "fallback" : nil,
                        dialogHook: intent.dialogEnabled ? hooks["dialog"] ?? "fallback" : nil,
                        closingMessage: intent.closingMessage
                    )
                }
                warnings += Self.importWarnings(export, key: "\(key) (\(imported.path))")
            } else if !hooks.isEmpty {
                throw error(item, key + ".functions", "functions name an imported bot's code hooks: give import too, or name them on the intents")
            }
            guard let id else { throw error(item, key + ".id", "every bot needs an id") }
            if bots.contains(where: { $0.id == id }) { throw error(item, key + ".id", "bot '\(id)' is listed twice") }
            guard !intents.isEmpty else { throw error(item, key + ".intents", "every bot needs its intents") }
            var bot = LexBot(id: id, name: name ?? id, intents: intents)
            if let aliases { bot.aliases = aliases }
            if let locales { bot.locales = locales }
            if let ttl { bot.idleSessionTTL = ttl }
            bots.append(bot)
        }
        return bots
    }

    func resolve(_ path: String) -> String { document.resolve(path) }

    /// What would keep the seed's pattern from working with an imported bot, naming the intent.
    static func importWarnings(_ export: LexBotExport, key: String) -> [String] {
        var warnings: [String] = []
        let fallback = export.intents.first { $0.name == LexV2.fallbackIntent }
        if fallback?.fulfillmentEnabled != true {
            warnings.append("\(key): FallbackIntent's fulfillment code hook is off: its Lambda would never be called")
        }
        if !export.intents.contains(where: { $0.name != LexV2.fallbackIntent && !$0.utterances.isEmpty }) {
            warnings.append("\(key): no intent but FallbackIntent has a sample utterance: Lex would not build this bot")
        }
        for intent in export.intents where !intent.slots.isEmpty {
            warnings.append(
                "\(key): intent \(intent.name) has slots (\(intent.slots.joined(separator: ", "))) that tdmock's lexical matcher does not fill: unsupported, they stay empty"
            )
        }
        if export.locales.count > 1 {
            warnings.append("\(key): the intents are read from the locale \(export.locales[0]) and serve every locale of the bot")
        }
        return warnings
    }

    func lexAliases(_ node: Node, _ key: String) throws(ConfigurationError) -> [LexBot.Alias] {
        guard let sequence = node.sequence, !sequence.isEmpty else { throw error(node, key, "expected a list of {id, name}") }
        var aliases: [LexBot.Alias] = []
        for (index, item) in sequence.enumerated() {
            let path = "\(key)[\(index)]"
            var alias = LexBot.Alias(id: "", name: "")
            for (field, value) in try mapping(item, path, allowed: ["id", "name"]) {
                if field == "id" { alias.id = try string(value, path + ".id") } else { alias.name = try string(value, path + ".name") }
            }
            guard LexBot.isValidID(alias.id) else { throw error(item, path + ".id", "an alias id is 10 letters and digits, as AWS's are") }
            if alias.name.isEmpty { alias.name = alias.id }
            aliases.append(alias)
        }
        return aliases
    }

    func lexIntents(_ node: Node, _ key: String) throws(ConfigurationError) -> [LexIntent] {
        guard let sequence = node.sequence else { throw error(node, key, "expected a list of intents") }
        var intents: [LexIntent] = []
        for (index, item) in sequence.enumerated() {
            let path = "\(key)[\(index)]"
            var intent = LexIntent(name: "")
            for (field, value) in try mapping(item, path, allowed: ["name", "sample_utterances", "fulfillment", "dialog_hook", "closing_message"]) {
                switch field {
                case "name": intent.name = try string(value, path + ".name")
                case "sample_utterances": intent.sampleUtterances = try strings(value, path + ".sample_utterances")
                case "fulfillment": intent.fulfillment = try string(value, path + ".fulfillment")
                case "dialog_hook": intent.dialogHook = try string(value, path + ".dialog_hook")
                default: intent.closingMessage = try string(value, path + ".closing_message")
                }
            }
            guard !intent.name.isEmpty else { throw error(item, path + ".name", "every intent needs a name") }
            if intent.name != LexV2.fallbackIntent && intent.sampleUtterances.isEmpty {
                throw error(item, path + ".sample_utterances", "intent '\(intent.name)' needs sample utterances (only FallbackIntent has none)")
            }
            if intents.contains(where: { $0.name == intent.name }) { throw error(item, path + ".name", "intent '\(intent.name)' is listed twice") }
            intents.append(intent)
        }
        return intents
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
                        throw error(
                            value,
                            key + ".target",
                            "expected one of \(Fault.Target.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'"
                        )
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

    func checkReferences(_ config: ConfigFile) throws(ConfigurationError) {
        guard let sequence = document.node(at: "clients")?.sequence else { return }
        let known = Set(config.touchpoints.map(\.id))
        for (index, client) in config.clients.enumerated() where index < sequence.count {
            for id in client.touchpoints ?? [] where !known.contains(id) {
                throw error(sequence[index], "clients[\(index)].touchpoints", "touchpoint '\(id)' is not listed under touchpoints")
            }
        }
    }
}

extension Array where Element == String {
    /// The week from Monday, as people write it: `HoursOfOperation.days` starts on Sunday.
    fileprivate func rotated() -> [String] { Array(self[1...] + self[..<1]) }
}
