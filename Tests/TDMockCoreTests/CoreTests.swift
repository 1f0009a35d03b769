import Foundation
import TDMockCore
import Testing

@Suite struct TimestampTests {
    @Test func formatsUTCWithMillisecondsIn24Characters() {
        let date = Date(timeIntervalSince1970: 1_767_254_400.5)  // 2026-01-01T08:00:00.500Z
        #expect(Timestamp.string(from: date) == "2026-01-01T08:00:00.500Z")
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: 0)).count == 24)
    }

    @Test func agreesWithFoundationOverCenturies() {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator)  // 1900...2100
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            #expect(Timestamp.string(from: date) == foundation.format(Date(timeIntervalSince1970: Double(milliseconds) / 1000 + 0.0001)))
        }
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    @Test func parsesWithAndWithoutFraction() {
        #expect(Timestamp.date(from: "2026-01-01T08:00:00.000Z") == Date(timeIntervalSince1970: 1_767_254_400))
        #expect(Timestamp.date(from: "2026-01-01T08:00:00Z") == Date(timeIntervalSince1970: 1_767_254_400))
        #expect(Timestamp.date(from: "yesterday") == nil)
    }

    @Test func nowHasWholeMilliseconds() throws {
        let now = Timestamp.now()
        let millisecondsSinceEpoch = now.timeIntervalSince1970 * 1000
        #expect(abs(millisecondsSinceEpoch - millisecondsSinceEpoch.rounded()) < 0.001)
        let text = Timestamp.string(from: now)
        #expect(Timestamp.string(from: try #require(Timestamp.date(from: text))) == text)
    }
}

@Suite struct IdentifierGeneratorTests {
    @Test func theSameSeedGivesTheSameIds() {
        let first = IdentifierGenerator(seed: 42)
        let second = IdentifierGenerator(seed: 42)
        let a = (0..<5).map { _ in first.identifier() } + [first.token()]
        let b = (0..<5).map { _ in second.identifier() } + [second.token()]
        #expect(a == b)
        #expect(IdentifierGenerator(seed: 43).identifier() != a[0])
    }

    @Test func idsAre128BitHexAndTokens256BitBase64URL() {
        let ids = IdentifierGenerator()
        let id = ids.identifier()
        #expect(id.count == 32)
        #expect(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let token = ids.token()
        #expect(token.count == 43)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(Set((0..<100).map { _ in ids.identifier() }).count == 100)
    }
}

@Suite struct JSONValueTests {
    @Test func roundTripsEveryKind() throws {
        let value: JSONValue = ["s": "x", "n": 3, "f": .number(1.5), "b": false, "nil": nil, "a": [1, "two"], "o": ["k": "v"]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(String(decoding: try JSONEncoder().encode(JSONValue.number(3)), as: UTF8.self) == "3")
    }

    @Test func readsWhatJSONSerializationParsedKeepingBooleansApart() throws {
        let parsed = try JSONSerialization.jsonObject(
            with: Data(#"{"t":true,"f":false,"one":1,"zero":0,"x":1.5,"s":"a","n":null,"a":[true,2]}"#.utf8)
        )
        #expect(
            JSONValue(serialized: parsed) == ["t": true, "f": false, "one": 1, "zero": 0, "x": .number(1.5), "s": "a", "n": nil, "a": [true, 2]]
        )
    }
}

@Suite struct SecretTests {
    @Test func constantTimeEqualsComparesWholeStrings() {
        #expect(constantTimeEquals("tdmock-secret", "tdmock-secret"))
        #expect(!constantTimeEquals("tdmock-secret", "tdmock-secreT"))
        #expect(!constantTimeEquals("tdmock-secret", "tdmock-secret-and-more"))
        #expect(!constantTimeEquals("tdmock-secret", "tdmock"))
        #expect(!constantTimeEquals("", "x"))
        #expect(constantTimeEquals("", ""))
        #expect(!constantTimeEquals("é", "e\u{301}"))  // bytes, not canonical equivalence
    }

    @Test func idsAreTimeOrderedWithEightyRandomBitsAndTokensCarry256() {
        let ids = IdentifierGenerator()
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = ids.identifier()
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            seen.insert(id)
            let token = ids.token()
            #expect(token.count >= 43, "256 bits in URL-safe base64")
            seen.insert(token)
        }
        #expect(seen.count == 20_000)
        // Not a sequence: two unseeded generators do not agree.
        #expect(IdentifierGenerator().identifier() != IdentifierGenerator().identifier())
        // The first 12 digits are the time in milliseconds: ids made one after the other sort together.
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let made = (0..<1000).map { _ in ids.identifier() }
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let stamps = made.compactMap { UInt64($0.prefix(12), radix: 16) }
        #expect(stamps.count == 1000 && stamps == stamps.sorted())
        #expect(stamps.allSatisfy { (before...after).contains($0) })
        // Seeded: a counter stands for the time, and the sequence starts again on restart.
        let seeded = IdentifierGenerator(seed: 42)
        let first = (0..<3).map { _ in seeded.identifier() }
        #expect(first.map { $0.prefix(12) } == ["000000000001", "000000000002", "000000000003"])
        seeded.restart()
        #expect((0..<3).map { _ in seeded.identifier() } == first)
    }

    @Test func blankIsTheDocumentsWhitespaceSet() {
        #expect(Blank.isBlank(""))
        #expect(Blank.isBlank(" \t\n\r\u{0B}\u{0C}\u{1C}\u{1F}\u{85}\u{A0}\u{1680}\u{2000}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}"))
        #expect(!Blank.isBlank("\u{200B}"))  // zero width space is not White_Space
        #expect(!Blank.isBlank(" x "))
        #expect(Blank.looksLikeEmail("ana@example.com"))
        #expect(Blank.looksLikeEmail("a@\u{1F3FB}"))
        #expect(!Blank.looksLikeEmail("a@b@c"))
        #expect(!Blank.looksLikeEmail("@b"))
        #expect(!Blank.looksLikeEmail("a @b"))
    }
}
