import Foundation
import Synchronization

/// Makes the ids and tokens tdmock hands out.
///
/// By default it draws from the system's cryptographic random source (`getrandom` on Linux);
/// a seeded generator makes two runs with the same requests give the same ids.
public final class IdentifierGenerator: Sendable {
    private enum Source {
        /// Bytes from `getrandom(2)`, fetched 4 KiB at a time (one system call, not one per id).
        case system(buffer: [UInt8], position: Int)
        case seeded(SplitMix64)
    }

    private let source: Mutex<Source>
    /// The seed, when ids are deterministic.
    public let seed: UInt64?
    /// With a seed, what stands for the time in ids: 1, 2, 3, … from the seed's start.
    private let sequence = Atomic<UInt64>(0)

    /// Ids from the system's cryptographic random source.
    public init() {
        source = Mutex(.system(buffer: [], position: 0))
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
        sequence.store(0, ordering: .relaxed)
    }

    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        source.withLock { source in
            var result = [UInt8]()
            result.reserveCapacity(count)
            switch source {
            case .system(var buffer, var position):
                while result.count < count {
                    if position == buffer.count {
                        buffer = Self.systemRandom(4096)
                        position = 0
                    }
                    let take = min(count - result.count, buffer.count - position)
                    result.append(contentsOf: buffer[position..<(position + take)])
                    position += take
                }
                source = .system(buffer: buffer, position: position)
            case .seeded(var generator):
                while result.count < count {
                    let word = generator.next()
                    withUnsafeBytes(of: word.littleEndian) { result.append(contentsOf: $0.prefix(count - result.count)) }
                }
                source = .seeded(generator)
            }
            return result
        }
    }

    /// `count` bytes from the system's cryptographic source: the kernel's `/dev/urandom`, read in one go
    /// (Swift's `SystemRandomNumberGenerator` makes one `getrandom` call per 8 bytes), else the generator.
    private static func systemRandom(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if let file = fopen("/dev/urandom", "rb") {
            let read = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
            fclose(file)
            if read == count { return bytes }
        }
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return bytes
    }

    /// A 128-bit id as 32 lowercase hex digits (the form of Talkdesk's conversation ids): 48 bits of
    /// the time in milliseconds, then 80 random bits, as UUIDv7 lays them out.
    ///
    /// Time first, so that ids made one after the other sort together and the store's id indexes grow
    /// at one end: with fully random ids every insert into a million-message store landed on a random
    /// index page (30k inserts: 1.8 s random, 0.6 s time-ordered, measured on a copy of such a store).
    /// With a seed, a counter stands for the time, so the sequence stays the same from run to run.
    public func identifier() -> String {
        var id = bytes(16)
        let prefix =
            seed == nil
            ? UInt64(max(0, Date().timeIntervalSince1970 * 1000))
            : sequence.add(1, ordering: .relaxed).newValue
        for index in 0..<6 { id[index] = UInt8(truncatingIfNeeded: prefix >> (8 * (5 - index))) }
        return Self.hex(id)
    }

    /// A bearer token: 256 random bits, URL-safe base64 without padding.
    public func token() -> String {
        Self.base64URL(bytes(32))
    }

    /// Bytes as lowercase hex, two digits each.
    public static func hex(_ bytes: [UInt8]) -> String {
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

/// A small, fast, well-distributed deterministic generator (Steele, Lea and Flood's SplitMix64): the ids of
/// `serve --seed`, and the tests' repeatable random inputs.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
