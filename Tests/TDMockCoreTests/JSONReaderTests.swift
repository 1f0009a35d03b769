import Foundation
import Testing

@testable import TDMockCore

/// `JSONReader` reads every request body, on Send a Message's fast path and on the router alike. It reads
/// what JSONSerialization reads (the reference here), refuses what JSONSerialization takes beyond JSON,
/// and says where a body goes wrong.
@Suite struct JSONReaderTests {
    static func read(_ bytes: [UInt8]) -> [String: JSONValue]? { bytes.withUnsafeBytes(JSONReader.object) }
    static func reference(_ bytes: [UInt8]) -> [String: JSONValue]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])).flatMap(JSONValue.init(serialized:))?.objectValue
    }

    @Test func readsWhatJSONSerializationReadsAndRefusesWhatIsNotJSON() {
        let read = [
            #"{"content":"I still cannot log in"}"#,
            " \t\r\n{\"content\" : \"a\\\"b\\\\c\\/d\\n\\t\\b\\f\\r \\u00e9 \\ud83d\\udcac é 💬\", \"attachments\": [{\"name\":\"x\",\"size\":12}, {}],"
                + " \"n\": null, \"t\": true, \"f\": false, \"neg\": -5, \"zero\": 0, \"big\": 1234567890123456789, \"nul\": \"\\u0000\"} \n",
            "{}", #"{"a":[]}"#, #"{"a":[[],{}]}"#, #"{"a":-0}"#, #"{"a":1.5}"#, #"{"a":1e3}"#, #"{"a":-2.5E-3}"#,
        ]
        let refused = [
            "", " ", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{"a":1 "b":2}"#, #"{"a":01}"#,
            #"{"a":-}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00x"}"#, #"{"a":1e999}"#,
            #"{"a":"\x"}"#, "{\"a\":\"tab\there\"}", #"{"a":1}{"#, #"{"a":1} x"#, #"{"a":tru}"#,
            #"{"a":nul}"#, #"{"a":[1,2,]}"#, #"{'a':1}"#, #"{"a":"\u12"}"#, #"{"a":"unterminated}"#,
        ]
        for text in read {
            let bytes = Array(text.utf8)
            #expect(Self.read(bytes) != nil, "\(text)")
            #expect(Self.read(bytes) == Self.reference(bytes), "\(text)")
        }
        for text in refused {
            #expect(Self.read(Array(text.utf8)) == nil, "\(text)")
        }
        // Not objects: read, but not as one.
        for text in ["[]", "\"x\"", "1", "null"] {
            #expect(Self.read(Array(text.utf8)) == nil)
            #expect((try? Array(text.utf8).withUnsafeBytes(JSONReader.read).get()) != nil, "\(text)")
        }
        // A byte order mark at the start, and a key given twice (the last value kept), as most parsers have it.
        #expect(Self.read(Array("\u{FEFF}{}".utf8)) == [:])
        #expect(Self.read(Array(#"{"a":1,"a":2}"#.utf8)) == ["a": 2])
        // Invalid UTF-8 inside a string and outside one.
        for bytes: [UInt8] in [
            [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], [0x7B, 0xFF, 0x7D], [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D],
        ] {
            #expect(Self.read(bytes) == nil)
            #expect(Self.reference(bytes) == nil)
        }
    }

    /// Random objects written with random spacing and escaping are read as JSONSerialization reads them;
    /// and after any one-byte change, either refused or still read alike.
    @Test func agreesWithJSONSerializationOnRandomDocumentsAndTheirMutations() {
        var random = SplitMix64(state: 20_261_121)
        var mutationsRead = 0
        for _ in 0..<1000 {
            let value = Self.randomObject(&random, depth: 0)
            let bytes = Array(Self.write(.object(value), &random).utf8)
            #expect(Self.read(bytes) == value, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(Self.reference(bytes) == value, "\(String(decoding: bytes, as: UTF8.self))")
            for _ in 0..<20 {
                var mutated = bytes
                // Half the time next to a bracket, comma, colon or quote, where the grammar's corners are.
                let structural = bytes.indices.filter { Array(#"{}[],:""#.utf8).contains(bytes[$0]) }
                let at = Bool.random(using: &random) ? structural.randomElement(using: &random)! : Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated.remove(at: at)
                case 1: mutated.insert(Self.interesting.randomElement(using: &random)!, at: at)
                default: mutated[at] = Self.interesting.randomElement(using: &random)!
                }
                if let read = Self.read(mutated) {
                    mutationsRead += 1
                    #expect(read == Self.reference(mutated), "\(String(decoding: mutated, as: UTF8.self))")
                }
            }
        }
        #expect(mutationsRead > 100)  // the mutations do reach the reading, not only its refusals
    }

    /// The reader is never more lenient than JSONSerialization, refuses what it takes beyond JSON, and says
    /// where a body goes wrong.
    @Test func refusesWhatIsNotJSONAndSaysWhere() {
        func problem(_ bytes: [UInt8]) -> String? {
            if case .failure(let failure) = bytes.withUnsafeBytes(JSONReader.read) { return failure.description }
            return nil
        }
        func check(_ text: String) -> String? { problem(Array(text.utf8)) }
        for valid in [#"{"a":1.5e-3,"b":[true,false,null,-0,0.25E+2],"c":"\u00e9\n","d":{}}"#, "\u{FEFF}{}", " [ ] ", #""x""#, "12"] {
            #expect(check(valid) == nil, "\(valid)")
        }
        #expect(check(#"{"a":1,}"#) == "unexpected '}' at character 7")
        #expect(check(#"{"a":[1,2,]}"#) == "unexpected ']' at character 10")
        #expect(check(#"{"a":01}"#) == "unexpected '1' at character 6")
        #expect(check(#"{"a":.5}"#) == "unexpected '.' at character 5")
        #expect(check(#"{"a":1.}"#) == "unexpected '}' at character 7")
        #expect(check(#"{"a":"x"#) == "unexpected end of the body at character 7")
        #expect(check(#"{"a":"\ud83d"}"#) == "a lone UTF-16 surrogate escape at character 6")
        #expect(check(#"{"a":"\udcac\ud83d"}"#) == "a lone UTF-16 surrogate escape at character 6")
        #expect(check(#"{"a":"\ud83d\u0041"}"#) == "a lone UTF-16 surrogate escape at character 6")
        #expect(check(#"{"a":"\ud83d\udcac"}"#) == nil)
        #expect(check("{\"a\":\"\t\"}") == "unexpected byte 0x09 at character 6")
        #expect(check(#"{"a":tru}"#) == "unexpected '}' at character 8")
        #expect(check(#"{'a':1}"#) == "unexpected ''' at character 1")
        #expect(check(#"{"a":1} x"#) == "unexpected 'x' at character 8")
        #expect(check("") == "unexpected end of the body at character 0")
        #expect(check(String(repeating: "[", count: 600)) == "nested more than 512 deep at character 512")
        #expect(check(#"{"a":1e999}"#) == "a number too large for a double at character 5")
        #expect(problem([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) == "a string that is not valid UTF-8 at character 1")
        var random = SplitMix64(state: 7)
        var checked = 0
        for _ in 0..<500 {
            let bytes = Array(Self.write(.object(Self.randomObject(&random, depth: 0)), &random).utf8)
            #expect(problem(bytes) == nil)
            for _ in 0..<20 {
                var mutated = bytes
                let at = Int.random(in: 0..<mutated.count, using: &random)
                if Bool.random(using: &random) {
                    mutated.remove(at: at)
                } else {
                    mutated.insert(Self.interesting.randomElement(using: &random)!, at: at)
                }
                if problem(mutated) == nil {
                    checked += 1
                    #expect(
                        (try? JSONSerialization.jsonObject(with: Data(mutated), options: [.fragmentsAllowed])) != nil,
                        "\(String(decoding: mutated, as: UTF8.self).debugDescription)"
                    )
                }
            }
        }
        #expect(checked > 500)  // mutations that stayed JSON were compared, not only refused ones
    }

    static let interesting: [UInt8] = Array(#"{}[]:,"\/ btnfru0123456789-.eE"#.utf8) + [0x00, 0x09, 0x0A, 0x7F, 0xC3, 0xA9, 0xFF]

    static func randomString(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "ü", "€", "💬", "\u{0}"]
        return (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func randomValue(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(Double(Int.random(in: -999_999_999_999_999...999_999_999_999_999, using: &random)))
        case 3, 4: return .string(randomString(&random))
        case 5: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default: return .object(randomObject(&random, depth: depth + 1))
        }
    }

    static func randomObject(_ random: inout SplitMix64, depth: Int) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &random) { object[randomString(&random)] = randomValue(&random, depth: depth) }
        return object
    }

    /// JSON text for a value, with random whitespace and with characters randomly written as escapes.
    static func write(_ value: JSONValue, _ random: inout SplitMix64) -> String {
        func space() -> String { [" ", "", "\n", "\t", "\r\n  "].randomElement(using: &random)! }
        switch value {
        case .null: return "null"
        case .bool(let bool): return bool ? "true" : "false"
        case .number(let number): return String(Int64(number))
        case .string(let string):
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += Bool.random(using: &random) ? "\\n" : "\\u000a"
                case "\t": out += "\\t"
                case "/": out += Bool.random(using: &random) ? "\\/" : "/"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                case _ where scalar.value > 0xFFFF:
                    let offset = scalar.value - 0x10000
                    if Bool.random(using: &random) {
                        out += String(format: "\\ud%03x\\u%04X", 0x800 + (offset >> 10), 0xDC00 + (offset & 0x3FF))
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                case _ where scalar.value > 0x7F && Bool.random(using: &random): out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .array(let array):
            return "[" + space() + array.map { write($0, &random) }.joined(separator: space() + "," + space()) + space() + "]"
        case .object(let object):
            return "{" + space()
                + object.map { key, element in write(.string(key), &random) + space() + ":" + space() + write(element, &random) }
                .joined(separator: "," + space()) + space() + "}"
        }
    }
}
