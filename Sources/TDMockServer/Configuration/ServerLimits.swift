/// What the HTTP server enforces on every connection (config `limits:`; docs/limits.md).
public struct ServerLimits: Sendable, Hashable {
    /// Request line plus headers, in bytes; over it the answer is 400 and the connection is closed.
    public var maxHeaderBytes: Int
    /// Connections open at once; one more is answered 503 and closed.
    public var maxConnections: Int
    /// Seconds from a request's first byte to the end of its headers (a client trickling its headers is cut off).
    public var headerTimeout: Double
    /// Seconds from the end of a request's headers to the end of its body.
    public var bodyTimeout: Double
    /// Seconds a connection may stay without reading or writing anything before it is closed.
    public var idleTimeout: Double

    public init(
        maxHeaderBytes: Int = 16 * 1024,
        maxConnections: Int = 512,
        headerTimeout: Double = 10,
        bodyTimeout: Double = 30,
        idleTimeout: Double = 120
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
    }
}
