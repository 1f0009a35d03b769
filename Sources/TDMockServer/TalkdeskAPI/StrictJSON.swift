import Foundation
import TDMockCore

/// Reads a request body that is a JSON object, for `SendMessageFastPath`, straight from its bytes: no copy
/// into `Data`, no Foundation objects to bridge back (JSONSerialization and the bridging were 3 % of the
/// server's time under load).
///
/// It answers only where it is sure `RequestJSON.object` answers the same object, and nil for anything
/// else: a syntax error, invalid UTF-8, a key given twice, a lone surrogate, a number other than a short
/// integer, nesting deeper than `maxDepth`, and what JSONSerialization takes beyond JSON (a trailing comma,
/// a byte order mark). The fast path then leaves the request to the router, which parses it with
/// JSONSerialization and answers as it always has (a test holds the two to the same results, on random
/// documents and on random one-byte changes of them).
enum StrictJSON {
    static let maxDepth = 32

    static func object(_ bytes: UnsafeRawBufferPointer) -> [String: JSONValue]? {
        var reader = Reader(bytes: bytes.bindMemory(to: UInt8.self))
        reader.skipWhitespace()
        guard reader.peek == UInt8(ascii: "{"), case .object(let object)? = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        return reader.atEnd ? object : nil
    }

    /// The four hex digits of a `\u` escape at `index`, as a UTF-16 code unit; nil unless all four are there.
    static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt16? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard depth < StrictJSON.maxDepth, let byte = peek else { return nil }
            switch byte {
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
                    guard peek == UInt8(ascii: "\""), let key = string() else { return nil }
                    skipWhitespace()
                    guard peek == UInt8(ascii: ":") else { return nil }
                    index += 1
                    skipWhitespace()
                    guard let element = value(depth: depth + 1), object.updateValue(element, forKey: key) == nil else { return nil }
                    skipWhitespace()
                    switch peek {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "}"):
                        index += 1
                        return .object(object)
                    default: return nil
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
                    guard let element = value(depth: depth + 1) else { return nil }
                    array.append(element)
                    skipWhitespace()
                    switch peek {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "]"):
                        index += 1
                        return .array(array)
                    default: return nil
                    }
                }
            case UInt8(ascii: "\""):
                return string().map(JSONValue.string)
            case UInt8(ascii: "t"):
                return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"):
                return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"):
                return literal("null") ? .null : nil
            default:
                return number()
            }
        }

        /// A string at `index` (its opening quote), unescaped; nil if it is not one, or not valid UTF-8.
        mutating func string() -> String? {
            index += 1
            let start = index
            // The common case: no escapes, so the bytes are the string.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var unescaped = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: unescaped, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escape = peek else { return nil }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                    case UInt8(ascii: "b"): unescaped.append(0x08)
                    case UInt8(ascii: "f"): unescaped.append(0x0C)
                    case UInt8(ascii: "n"): unescaped.append(0x0A)
                    case UInt8(ascii: "r"): unescaped.append(0x0D)
                    case UInt8(ascii: "t"): unescaped.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        var scalar = UInt32(unit)
                        if (0xD800...0xDBFF).contains(unit) {
                            guard literal("\\u"), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(unit) {
                            return nil
                        }
                        guard let character = Unicode.Scalar(scalar) else { return nil }
                        unescaped.append(contentsOf: String(Character(character)).utf8)
                    default:
                        return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    unescaped.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt16? {
            guard let value = StrictJSON.hex4(bytes, at: index) else { return nil }
            index += 4
            return value
        }

        /// An integer of up to 15 digits, which every parser reads as the same Double exactly. Fractions,
        /// exponents and longer numbers are left to the router (and so to JSONSerialization's rounding).
        mutating func number() -> JSONValue? {
            var negative = false
            if peek == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            let start = index
            var value: Int64 = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
                guard index - start <= 15 else { return nil }
            }
            let count = index - start
            guard count > 0, !(count > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
            if let next = peek, next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { return nil }
            return .number(Double(negative ? -value : value))
        }
    }
}

extension StrictJSON {
    static let maxSyntaxDepth = 512

    /// What is wrong with a body's JSON syntax (RFC 8259), with the character where it goes wrong; nil when
    /// it is JSON. A byte order mark at the start is allowed, as most parsers allow it.
    ///
    /// The router checks this before JSONSerialization reads the body, because JSONSerialization also takes
    /// a trailing comma (`{"a":1,}`), which JSON parsers such as Talkdesk's are unlikely to take: code that
    /// worked against tdmock must not meet its first 400 in production.
    static func syntaxError(_ bytes: UnsafeRawBufferPointer) -> String? {
        var checker = SyntaxChecker(bytes: bytes.bindMemory(to: UInt8.self))
        if checker.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { checker.index = 3 }
        return checker.document()
    }

    private struct SyntaxChecker {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func unexpected() -> String {
            guard let byte = peek else { return "unexpected end of the body at character \(index)" }
            let shown = (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02X", byte)
            return "unexpected \(shown) at character \(index)"
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func document() -> String? {
            skipWhitespace()
            if let error = value(depth: 0) { return error }
            skipWhitespace()
            return peek == nil ? nil : unexpected()
        }

        mutating func expect(_ text: StaticString) -> String? {
            for offset in 0..<text.utf8CodeUnitCount {
                guard peek == text.utf8Start[offset] else { return unexpected() }
                index += 1
            }
            return nil
        }

        mutating func value(depth: Int) -> String? {
            guard depth < StrictJSON.maxSyntaxDepth else { return "nested more than \(StrictJSON.maxSyntaxDepth) deep at character \(index)" }
            // The end of the body reads as NUL, which no value starts with.
            switch peek ?? 0 {
            case UInt8(ascii: "{"):
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    index += 1
                    return nil
                }
                while true {
                    skipWhitespace()
                    guard peek == UInt8(ascii: "\"") else { return unexpected() }
                    if let error = string() { return error }
                    skipWhitespace()
                    guard peek == UInt8(ascii: ":") else { return unexpected() }
                    index += 1
                    skipWhitespace()
                    if let error = value(depth: depth + 1) { return error }
                    skipWhitespace()
                    switch peek {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "}"):
                        index += 1
                        return nil
                    default: return unexpected()
                    }
                }
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    return nil
                }
                while true {
                    skipWhitespace()
                    if let error = value(depth: depth + 1) { return error }
                    skipWhitespace()
                    switch peek {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "]"):
                        index += 1
                        return nil
                    default: return unexpected()
                    }
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return expect("true")
            case UInt8(ascii: "f"): return expect("false")
            case UInt8(ascii: "n"): return expect("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return unexpected()
            }
        }

        /// A string at its opening quote: no raw control characters, only JSON's escapes. (UTF-8 is checked
        /// on the whole body before.)
        mutating func string() -> String? {
            index += 1
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return nil
                case UInt8(ascii: "\\"):
                    index += 1
                    switch peek {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                        UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        let start = index - 1
                        index += 1
                        guard let unit = hex4() else { return unexpected() }
                        // UTF-16 surrogates only in pairs, high then low: a lone one is no character.
                        if (0xD800...0xDBFF).contains(unit) {
                            guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                                return "a lone UTF-16 surrogate escape at character \(start)"
                            }
                            index += 2
                            guard let low = hex4() else { return unexpected() }
                            guard (0xDC00...0xDFFF).contains(low) else { return "a lone UTF-16 surrogate escape at character \(start)" }
                        } else if (0xDC00...0xDFFF).contains(unit) {
                            return "a lone UTF-16 surrogate escape at character \(start)"
                        }
                    default: return unexpected()
                    }
                case 0x00..<0x20: return unexpected()
                default: index += 1
                }
            }
            return unexpected()
        }

        mutating func hex4() -> UInt16? {
            guard let value = StrictJSON.hex4(bytes, at: index) else { return nil }
            index += 4
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() -> String? {
            func digits() -> Int {
                let start = index
                while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
                return index - start
            }
            if peek == UInt8(ascii: "-") { index += 1 }
            if peek == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                return unexpected()
            }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return unexpected() }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return unexpected() }
            }
            return nil
        }
    }
}
