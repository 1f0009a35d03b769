/// A growable byte buffer for writing JSON fast: raw memory, no uniqueness checks per byte.
public struct JSONBytes: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var written = 0
    /// The bytes written so far.
    @inlinable public var count: Int { written }
    /// The last day a timestamp fell on, and its `YYYY-MM-DD`: rows written together share it, and
    /// working out the calendar date is most of a timestamp's cost.
    @usableFromInline var day = Int64.min
    @usableFromInline var date = (UInt64(0), UInt16(0))

    @inlinable public init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    @usableFromInline mutating func reserve(_ extra: Int) {
        guard written + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < written + extra { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: written)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    public mutating func append(byte: UInt8) {
        reserve(1)
        base[written] = byte
        written += 1
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + written).update(from: source, count: bytes.count)
        written += bytes.count
    }

    @inlinable @inline(__always)
    public mutating func literal(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inlinable public mutating func integer(_ value: Int64) {
        var digits = 1
        var probe = value.magnitude / 10
        while probe > 0 {
            digits += 1
            probe /= 10
        }
        reserve(digits + 1)
        if value < 0 {
            base[written] = UInt8(ascii: "-")
            written += 1
        }
        var rest = value.magnitude
        for offset in stride(from: digits - 1, through: 0, by: -1) {
            base[written + offset] = UInt8(48 + rest % 10)
            rest /= 10
        }
        written += digits
    }

    @inlinable public mutating func integer(_ value: Int) { integer(Int64(value)) }

    /// A finite number as JSONEncoder writes it: Swift's shortest round-tripping form, without a
    /// trailing `.0` (`12`, `0.125`, `1e-05`).
    @inlinable public mutating func number(_ value: Double) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { append($0) }
    }

    @inlinable public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: written))
    }

    /// A text as a JSON string; nil (a NULL column: `sqlite3_column_text` answers a null pointer for
    /// NULL only, barring out of memory) as null.
    @inlinable public mutating func string(_ text: UnsafeBufferPointer<UInt8>?) {
        guard let text else {
            literal("null")
            return
        }
        string(text)
    }

    @inlinable public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string($0) }
    }

    /// Milliseconds since 1970 as a Talkdesk timestamp string.
    @inlinable public mutating func timestamp(milliseconds: Int64) {
        let (day, millisecondOfDay) = Timestamp.split(milliseconds: milliseconds)
        if day != self.day {
            withUnsafeMutableBytes(of: &date) { Timestamp.writeDate(day: day, to: $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            self.day = day
        }
        reserve(26)
        base[written] = UInt8(ascii: "\"")
        withUnsafeBytes(of: date) { (base + written + 1).update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 10) }
        Timestamp.writeTime(millisecondOfDay: millisecondOfDay, to: base + written + 11)
        base[written + 25] = UInt8(ascii: "\"")
        written += 26
    }

    @usableFromInline static let hex = Array("0123456789abcdef".utf8)

    /// UTF-8 bytes as a JSON string, escaped as RFC 8259 asks (quote, backslash and control characters)
    /// and as JSONEncoder does it (short forms where JSON has them, lowercase hex otherwise). Read eight
    /// bytes at a time (the last few gathered into one word), and each word that needs no escaping, which
    /// is nearly every one, stored as it was read: no byte-by-byte loop for the tail of each string and no
    /// separate copy (the listing writes ~800k short strings).
    @inlinable public mutating func string(_ value: UnsafeBufferPointer<UInt8>) {
        append(byte: UInt8(ascii: "\""))
        if let start = value.baseAddress {
            let raw = UnsafeRawPointer(start)
            var index = 0
            while index < value.count {
                let width = min(8, value.count - index)
                let word = width == 8 ? raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) : Self.tail(raw + index, width)
                if !Self.needsEscape(word) {
                    reserve(8)  // the whole word is stored; only `width` bytes of it written
                    UnsafeMutableRawPointer(base + written).storeBytes(of: word, as: UInt64.self)
                    written += width
                } else {
                    for byte in UnsafeBufferPointer(rebasing: value[index..<(index + width)]) { escaping(byte) }
                }
                index += width
            }
        }
        append(byte: UInt8(ascii: "\""))
    }

    /// One byte of a string, escaped if it must be.
    @usableFromInline mutating func escaping(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): literal(#"\""#)
        case UInt8(ascii: "\\"): literal(#"\\"#)
        case 0x0A: literal(#"\n"#)
        case 0x0D: literal(#"\r"#)
        case 0x09: literal(#"\t"#)
        case 0x08: literal(#"\b"#)
        case 0x0C: literal(#"\f"#)
        case ..<0x20:
            literal(#"\u00"#)
            append(byte: Self.hex[Int(byte >> 4)])
            append(byte: Self.hex[Int(byte & 15)])
        default: append(byte: byte)
        }
    }

    /// The last 1 to 7 bytes of a string at `pointer` as one word, in memory order, padded with spaces
    /// (which need no escaping), without reading past them.
    @inlinable @inline(__always)
    public static func tail(_ pointer: UnsafeRawPointer, _ width: Int) -> UInt64 {
        var word: UInt64 = 0  // little-endian: the first byte in the lowest bits
        var filled = 0
        if width & 4 != 0 {
            word = UInt64(UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
            filled = 4
        }
        if width & 2 != 0 {
            word |= UInt64(UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: filled, as: UInt16.self))) << (8 * filled)
            filled += 2
        }
        if width & 1 != 0 {
            word |= UInt64(pointer.load(fromByteOffset: filled, as: UInt8.self)) << (8 * filled)
            filled += 1
        }
        let spaces: UInt64 = 0x2020_2020_2020_2020 << (8 * filled)  // filled is 1...7
        return UInt64(littleEndian: word | spaces)
    }

    /// Whether any of eight bytes is a control character, a quote or a backslash (the usual bit tricks:
    /// a byte below the bound borrows into its top bit; a false alarm only follows a true one in the word).
    @inlinable @inline(__always)
    public static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let tops: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ 0x2222_2222_2222_2222
        let backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
        let control = (word &- 0x2020_2020_2020_2020) & ~word
        return (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & tops != 0
    }
}
