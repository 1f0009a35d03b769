import Foundation
import TDMockSettings

/// tdmock's API Gateway (config `apigateway:`): the REST API the callbacks reach (docs/aws.md).
public struct APIGatewayConfiguration: Sendable, Hashable {
    public var rest = RESTAPI()
    public var webSocket = WebSocketAPI()

    public init() {}

    /// The WebSocket API: its stage, how a frame's route is chosen, its routes, each to a function.
    public struct WebSocketAPI: Sendable, Hashable {
        public static let defaultRoutes = ["$connect": "chat_socket", "onMessage": "chat_socket", "$disconnect": "chat_socket"]

        public var stage: String = ServeSettings.table.webSocketStage.byDefault
        public var routeSelectionExpression: String = ServeSettings.table.routeSelectionExpression.byDefault
        /// Route key -> function. A configured `routes` replaces the defaults whole.
        public var routes = WebSocketAPI.defaultRoutes
        /// Seconds without a frame either way before API Gateway closes a connection (1001).
        public var idleTimeout: Double = ServeSettings.table.webSocketIdleTimeout.byDefault
        /// Seconds a route's function may take.
        public var timeout: Double = ServeSettings.table.webSocketTimeout.byDefault

        public init() {}
    }

    /// The REST API: its stage, its API keys and its routes, each to a function.
    public struct RESTAPI: Sendable, Hashable {
        /// Where the REST API lives: `/apigw/rest/{stage}`.
        public static let pathPrefix = "/apigw/rest"
        public static let defaultAPIKey = "tdmock-api-key"
        public static let defaultRoutes = [RESTRoute(method: "POST", path: "/callback/{proxy+}", function: "chat_callback", apiKeyRequired: true)]

        public var stage: String = ServeSettings.table.restStage.byDefault
        public var apiKeys = [RESTAPI.defaultAPIKey]
        public var routes = RESTAPI.defaultRoutes
        /// Seconds a function may take before the answer is 504 (API Gateway's integration time-out).
        public var timeout: Double = ServeSettings.table.restTimeout.byDefault

        public init() {}
    }
}

/// A route of the REST API: a method (`ANY` for every one) and a resource path whose `{name}` segments
/// match one segment and whose last `{name+}` matches one or more, as API Gateway matches them.
public struct RESTRoute: Sendable, Hashable {
    public var method: String
    public var path: String
    public var function: String
    public var apiKeyRequired: Bool

    public init(method: String, path: String, function: String, apiKeyRequired: Bool) {
        self.method = method
        self.path = path
        self.function = function
        self.apiKeyRequired = apiKeyRequired
    }

    /// The path parameters when `segments` (a request path after the stage, split on `/`) matches; nil otherwise.
    package func match(_ segments: [Substring]) -> [String: String]? {
        let pattern = path.split(separator: "/")
        var parameters: [String: String] = [:]
        for (index, part) in pattern.enumerated() {
            if part.hasPrefix("{") && part.hasSuffix("+}") {
                guard index == pattern.count - 1, segments.count > index else { return nil }
                parameters[String(part.dropFirst().dropLast(2))] = segments[index...].joined(separator: "/")
                return parameters
            }
            guard index < segments.count else { return nil }
            if part.hasPrefix("{") && part.hasSuffix("}") {
                parameters[String(part.dropFirst().dropLast())] = String(segments[index]).removingPercentEncoding ?? String(segments[index])
            } else if part != segments[index] {
                return nil
            }
        }
        return segments.count == pattern.count ? parameters : nil
    }

    /// What is wrong with the route, if anything.
    var problem: String? {
        guard path.hasPrefix("/") else { return "a resource path starts with '/', found '\(path)'" }
        let parts = path.split(separator: "/")
        for (index, part) in parts.enumerated() where part.hasSuffix("+}") && index != parts.count - 1 {
            return "a greedy path parameter ('\(part)') must be the last segment of '\(path)'"
        }
        guard Self.methods.contains(method) else { return "method must be one of \(Self.methods.joined(separator: ", ")), found '\(method)'" }
        return nil
    }

    static let methods = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
}
