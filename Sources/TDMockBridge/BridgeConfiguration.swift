import Foundation
import Yams

/// `tdmock bridge`'s settings: flag, then `TDMOCK_BRIDGE_<NAME>`, then the config file's `bridge:` section,
/// then the default.
public struct BridgeConfiguration: Sendable, Hashable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// The Talkdesk (a `tdmock serve`) the bridge calls.
    public var talkdeskURL = "http://127.0.0.1:8080"
    public var clientID = "tdmock-client"
    public var clientSecret = "tdmock-secret"
    public var touchpoint = "tp-tdmock"
    /// The x-api-key the callbacks must carry; nil: callbacks are refused (401) until one is set.
    public var apiKey: String?
    /// The question-response API the reference Lambda asks; nil: the `talkdeskURL` server's.
    public var questionAPIURL: String?
    public var questionAPIKey = "tdmock-question-key"

    /// Where the reference Lambda posts questions.
    public var questionsURL: String {
        var base = questionAPIURL ?? talkdeskURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/questions") ? base : base + "/question-response/v1/questions"
    }

    public init() {}

    /// The settings one source gives.
    public struct Overrides: Sendable, Hashable {
        public var host: String?
        public var port: Int?
        public var talkdeskURL: String?
        public var clientID: String?
        public var clientSecret: String?
        public var touchpoint: String?
        public var apiKey: String?
        public var config: String?
        public var questionAPIURL: String?
        public var questionAPIKey: String?

        public init(
            host: String? = nil, port: Int? = nil, talkdeskURL: String? = nil, clientID: String? = nil,
            clientSecret: String? = nil, touchpoint: String? = nil, apiKey: String? = nil, config: String? = nil,
            questionAPIURL: String? = nil, questionAPIKey: String? = nil
        ) {
            self.questionAPIURL = questionAPIURL
            self.questionAPIKey = questionAPIKey
            self.host = host
            self.port = port
            self.talkdeskURL = talkdeskURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.touchpoint = touchpoint
            self.apiKey = apiKey
            self.config = config
        }
    }

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    static let keys = ["host", "port", "talkdesk_url", "client_id", "client_secret", "touchpoint", "api_key", "question_api_url", "question_api_key"]

    public static func resolve(flags: Overrides, environment: [String: String]) throws -> BridgeConfiguration {
        func env(_ name: String) -> String? {
            guard let value = environment["TDMOCK_BRIDGE_" + name], !value.isEmpty else { return nil }
            return value
        }
        var envPort: Int?
        if let text = env("PORT") {
            guard let port = Int(text) else { throw Invalid(description: "environment: TDMOCK_BRIDGE_PORT: expected a whole number, found '\(text)'") }
            envPort = port
        }
        let file = try (flags.config ?? env("CONFIG") ?? environment["TDMOCK_CONFIG"]).map(readFile) ?? [:]
        var configuration = BridgeConfiguration()
        configuration.host = flags.host ?? env("HOST") ?? file["host"] ?? configuration.host
        configuration.port = flags.port ?? envPort ?? file["port"].flatMap(Int.init) ?? configuration.port
        configuration.talkdeskURL = flags.talkdeskURL ?? env("TALKDESK_URL") ?? file["talkdesk_url"] ?? configuration.talkdeskURL
        configuration.clientID = flags.clientID ?? env("CLIENT_ID") ?? file["client_id"] ?? configuration.clientID
        configuration.clientSecret = flags.clientSecret ?? env("CLIENT_SECRET") ?? file["client_secret"] ?? configuration.clientSecret
        configuration.touchpoint = flags.touchpoint ?? env("TOUCHPOINT") ?? file["touchpoint"] ?? configuration.touchpoint
        configuration.apiKey = flags.apiKey ?? env("API_KEY") ?? file["api_key"]
        configuration.questionAPIURL = flags.questionAPIURL ?? env("QUESTION_API_URL") ?? file["question_api_url"]
        configuration.questionAPIKey = flags.questionAPIKey ?? env("QUESTION_API_KEY") ?? file["question_api_key"] ?? configuration.questionAPIKey
        guard (0...65535).contains(configuration.port) else { throw Invalid(description: "port: expected 0 to 65535, found \(configuration.port)") }
        guard let url = URLComponents(string: configuration.talkdeskURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw Invalid(description: "talkdesk-url: expected an http:// or https:// URL, found '\(configuration.talkdeskURL)'")
        }
        if let url = configuration.questionAPIURL {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""), components.host != nil else {
                throw Invalid(description: "question-api-url: expected an http:// or https:// URL, found '\(url)'")
            }
        }
        return configuration
    }

    /// The `bridge:` section of a config file, as strings, with unknown keys refused.
    static func readFile(_ path: String) throws -> [String: String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Invalid(description: "\(path): cannot read the file (\(error.localizedDescription))")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Invalid(description: "\(path): not valid YAML: \(error)")
        }
        guard let section = root?.mapping?["bridge"] else { return [:] }
        guard let mapping = section.mapping else {
            throw Invalid(description: "\(path):\(section.mark?.line ?? 0): bridge: expected a mapping of \(keys.joined(separator: ", "))")
        }
        var values: [String: String] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard keys.contains(name) else {
                throw Invalid(description: "\(path):\(key.mark?.line ?? 0): bridge.\(name): unknown key; expected one of \(keys.joined(separator: ", "))")
            }
            guard let scalar = value.scalar?.string, !scalar.isEmpty else {
                throw Invalid(description: "\(path):\(value.mark?.line ?? 0): bridge.\(name): expected a value")
            }
            values[name] = scalar
        }
        return values
    }
}
