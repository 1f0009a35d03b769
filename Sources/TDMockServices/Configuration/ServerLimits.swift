public import TDMockSettings

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
    /// The largest file the Attachments API's upload links take, in bytes.
    public var attachmentBytes: Int

    public init(
        maxHeaderBytes: Int = ServeSettings.table.maxHeaderBytes.byDefault,
        maxConnections: Int = ServeSettings.table.maxConnections.byDefault,
        headerTimeout: Double = ServeSettings.table.headerTimeout.byDefault,
        bodyTimeout: Double = ServeSettings.table.bodyTimeout.byDefault,
        idleTimeout: Double = ServeSettings.table.idleTimeout.byDefault,
        attachmentBytes: Int = ServeSettings.table.attachmentBytes.byDefault
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.attachmentBytes = attachmentBytes
    }
}
