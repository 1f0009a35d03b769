public import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// A listener that could not be opened, said in words with the way out: `serve` and `bridge` print it
/// instead of the socket call's errno.
public struct ListenFailure: Error, CustomStringConvertible {
    public let description: String

    /// The failure when `error` is a bind that was refused for a reason a person can act on; nil for any
    /// other error. `address` is what was asked for (`127.0.0.1:8080`, or both ports of serve with TLS).
    public init?(_ error: any Error, address: String, flag: String = "--port") {
        guard let error = error as? IOError else { return nil }
        switch error.errnoCode {
        case EADDRINUSE:
            description = "cannot listen on \(address): the port is in use (is another tdmock running? \(flag) 0 picks a free one)"
        case EACCES:
            description = "cannot listen on \(address): permission denied (ports below 1024 need privileges; choose another with \(flag))"
        case EADDRNOTAVAIL:
            description = "cannot listen on \(address): this machine has no such address (--host)"
        default:
            return nil
        }
    }
}
