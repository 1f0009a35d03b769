import Foundation
import Synchronization

/// Makes the ids and tokens tdmock hands out.
///
/// By default it draws from the system's cryptographic random source (`getrandom` on Linux);
/// a seeded generator makes two runs with the same requests give the same ids.
public final class IdentifierGenerator: Sendable {
    private enum Source {
        case system
        case seeded(SplitMix64)
    }

    private let source: Mutex<Source>
    /// The seed, when ids are deterministic.
    public let seed: UInt64?

    /// Ids from the system's cryptographic random source.
    public init() {
        source = Mutex(.system)
        seed = nil
    }

    /// Ids from a deterministic generator: the same seed gives the same sequence.
    public init(seed: UInt64) {
        source = Mutex(.seeded(SplitMix64(state: seed)))
        self.seed = seed
    }

    /// Starts a seeded sequence again from its seed (nothing changes for random ids).
    public func restart() {
        guard let seed else { return }
        source.withLock { $0 = .seeded(SplitMix64(state: seed)) }
    }

    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        source.withLock { source in
            var result = [UInt8]()
            result.reserveCapacity(count)
            while result.count < count {
                let word: UInt64
                switch source {
                case .system:
                    var generator = SystemRandomNumberGenerator()
                    word = generator.next()
                case .seeded(var generator):
                    word = generator.next()
                    source = .seeded(generator)
                }
                withUnsafeBytes(of: word.littleEndian) { result.append(contentsOf: $0.prefix(count - result.count)) }
            }
            return result
        }
    }

    /// A 128-bit id as 32 lowercase hex digits (the form of Talkdesk's conversation ids).
    public func identifier() -> String {
        Self.hex(bytes(16))
    }

    /// A bearer token: 256 random bits, URL-safe base64 without padding.
    public func token() -> String {
        Self.base64URL(bytes(32))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var utf8 = [UInt8]()
        utf8.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A small, fast, well-distributed deterministic generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
