/// A setting that cannot be used, with where it came from: `file:line: key: message`,
/// `environment: TDMOCK_PORT: message` or `command line: --port: message`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (with `line`), `command line` or `environment`.
    public var source: String
    public var line: Int?
    public var key: String
    public var message: String

    public init(source: String, line: Int? = nil, key: String, message: String) {
        self.source = source
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return "\(place): \(key): \(message)"
    }
}
