public import Foundation

/// The one configured `JSONEncoder` of tdmock's wires and stores: keys sorted, slashes as they are.
/// Whatever tdmock writes as JSON (answers, callback bodies, events, stored JSON text) goes through it,
/// so the same value is the same bytes wherever it is written; the hand-written writers
/// (`DetailJSON`, `InboxListing`, `SendMessageJSON`) are tested byte for byte against it.
public enum JSONCoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The same, indented, for what a person reads (`--json` of `show` and `callbacks`).
    public static let prettyEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as JSON bytes. Encoding tdmock's own wire structs cannot fail (they hold strings, numbers,
    /// booleans and `JSONValue`s); should it, the empty object stands in.
    public static func data(_ value: some Encodable) -> Data {
        (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// `value` as JSON text.
    public static func text(_ value: some Encodable) -> String {
        String(decoding: data(value), as: UTF8.self)
    }
}
