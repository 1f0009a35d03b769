import Foundation

/// How long things took, as tdmock measures and reports them.
public enum Latency {
    /// A measured duration in seconds.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Seconds as milliseconds to the microsecond: every `latency_ms` (and `lambda_ms`, `tdmock_ms`) on the wire.
    public static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1_000_000).rounded() / 1000
    }
}
