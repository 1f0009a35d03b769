/// Whole numbers in query strings.
package enum QueryNumber {
    /// The digits of `text` as a whole number from 0; one too large for an `Int` is `Int.max`, as a count
    /// or an offset past everything means everything. Nil when `text` is not only digits (a sign, a
    /// fraction, nothing at all).
    package static func whole(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text) ?? Int.max
    }
}
