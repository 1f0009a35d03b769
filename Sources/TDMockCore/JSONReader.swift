import Foundation

/// Reads a request body as JSON (RFC 8259) straight from its bytes into `JSONValue`s, and says where a
/// body goes wrong when it does: the one reader of every body, on Send a Message's fast path and on the
/// router alike, so that both take and refuse the same bodies.
///
/// It is stricter than Foundation's JSONSerialization, which also takes a trailing comma (`{"a":1,}`)
/// that JSON parsers such as Talkdesk's are unlikely to take: code that worked against tdmock must not
/// meet its first 400 in production. A byte order mark at the start is allowed, and a key given twice
/// keeps its last value, as most parsers do.
public enum JSONReader {
    public static let maxDepth = 512

    /// What is wrong with a body, and at which character (a byte offset).
    public struct Failure: Error, CustomStringConvertible, Equatable, Sendable {
        public var description: String
    }

    /// The body's value, or what is wrong with it.
    public static func read(_ bytes: UnsafeRawBufferPointer) -> Result<JSONValue, Failure> {
        var reader = Reader(bytes: bytes.bindMemory(to: UInt8.self))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        return Result { () throws(Failure) -> JSONValue in try reader.document() }
    }

    /// The body as a JSON object; nil when it is anything else (the router then says what).
    public static func object(_ bytes: UnsafeRawBufferPointer) -> [String: JSONValue]? {
        guard case .success(.object(let object)) = read(bytes) else { return nil }
        return object
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func unexpected() -> Failure {
            guard let byte = peek else { return Failure(description: "unexpected end of the body at character \(index)") }
            let shown = (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02X", byte)
            return Failure(description: "unexpected \(shown) at character \(index)")
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func document() throws(Failure) -> JSONValue {
            skipWhitespace()
            let value = try value(depth: 0)
            skipWhitespace()
            guard peek == nil else { throw unexpected() }
            return value
        }

        mutating func expect(_ text: StaticString) throws(Failure) {
            for offset in 0..<text.utf8CodeUnitCount {
                guard peek == text.utf8Start[offset] else { throw unexpected() }
                index += 1
            }
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard depth < JSONReader.maxDepth else {
                throw Failure(description: "nested more than \(JSONReader.maxDepth) deep at character \(index)")
            }
            // The end of the body reads as NUL, which no value starts with.
            switch peek ?? 0 {
            case UInt8(ascii: "{"):
                index += 1
                var object: [String: JSONValue] = [:]
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    index += 1
                    return .object(object)
                }
                while true {
                    skipWhitespace()
                    guard peek == UInt8(ascii: "\"") else { throw unexpected() }
                    let key = try string()
                    skipWhitespace()
                    guard peek == UInt8(ascii: ":") else { throw unexpected() }
                    index += 1
                    skipWhitespace()
                    object[key] = try value(depth: depth + 1)
                    skipWhitespace()
                    switch peek {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "}"):
                        index += 1
                        return .object(object)
                    default: throw unexpected()
                    }
                }
            case UInt8(ascii: "["):
                index += 1
                var array: [JSONValue] = []
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    return .array(array)
                }
                while true {
                    skipWhitespace()
                    array.append(try value(depth: depth + 1))
                    skipWhitespace()
                    switch peek {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "]"):
                        index += 1
                        return .array(array)
                    default: throw unexpected()
                    }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw unexpected()
            }
        }

        /// A string at its opening quote, unescaped: no raw control characters, only JSON's escapes,
        /// UTF-16 surrogates only in pairs, valid UTF-8.
        mutating func string() throws(Failure) -> String {
            let quote = index
            index += 1
            let start = index
            // The common case: no escapes, so the bytes are the string.
            while let byte = peek, byte != UInt8(ascii: "\\") {
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return try text(UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), at: quote)
                }
                if byte < 0x20 { throw unexpected() }
                index += 1
            }
            var unescaped = Array(bytes[start..<index])
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return try unescaped.withUnsafeBufferPointer { buffer throws(Failure) in try text(buffer, at: quote) }
                case UInt8(ascii: "\\"):
                    index += 1
                    switch peek {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(bytes[index])
                    case UInt8(ascii: "b"): unescaped.append(0x08)
                    case UInt8(ascii: "f"): unescaped.append(0x0C)
                    case UInt8(ascii: "n"): unescaped.append(0x0A)
                    case UInt8(ascii: "r"): unescaped.append(0x0D)
                    case UInt8(ascii: "t"): unescaped.append(0x09)
                    case UInt8(ascii: "u"):
                        let escape = index - 1
                        index += 1
                        unescaped.append(contentsOf: String(Character(try scalar(escapeAt: escape))).utf8)
                        continue
                    default: throw unexpected()
                    }
                    index += 1
                case 0x00..<0x20: throw unexpected()
                default:
                    unescaped.append(byte)
                    index += 1
                }
            }
            throw unexpected()
        }

        /// The character of a `\u` escape (two of them for a UTF-16 surrogate pair), its hex digits at `index`.
        mutating func scalar(escapeAt escape: Int) throws(Failure) -> Unicode.Scalar {
            let lone = Failure(description: "a lone UTF-16 surrogate escape at character \(escape)")
            let unit = try hex4()
            var value = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { throw lone }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw lone }
                value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw lone
            }
            guard let scalar = Unicode.Scalar(value) else { throw lone }
            return scalar
        }

        /// Four hex digits, as a UTF-16 code unit.
        mutating func hex4() throws(Failure) -> UInt16 {
            var value: UInt16 = 0
            for _ in 0..<4 {
                let digit: UInt8
                switch peek {
                case let byte? where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): digit = byte - UInt8(ascii: "0")
                case let byte? where (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte): digit = byte - UInt8(ascii: "a") + 10
                case let byte? where (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte): digit = byte - UInt8(ascii: "A") + 10
                default: throw unexpected()
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }

        func text(_ utf8: UnsafeBufferPointer<UInt8>, at quote: Int) throws(Failure) -> String {
            guard let text = String(validating: utf8, as: UTF8.self) else {
                throw Failure(description: "a string that is not valid UTF-8 at character \(quote)")
            }
            return text
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as the nearest Double.
        mutating func number() throws(Failure) -> JSONValue {
            let start = index
            func digits() -> Int {
                let first = index
                while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
                return index - first
            }
            if peek == UInt8(ascii: "-") { index += 1 }
            if peek == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw unexpected()
            }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw unexpected() }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw unexpected() }
            }
            guard let number = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)),
                number.isFinite
            else {
                throw Failure(description: "a number too large for a double at character \(start)")
            }
            return .number(number)
        }
    }
}
