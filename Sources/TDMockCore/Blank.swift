/// What counts as blank in a required text field, and what may not appear in an email address.
///
/// One explicit set, so that the server and the OpenAPI documents (whose patterns write it out as
/// `[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`) agree on every
/// character: Unicode's White_Space plus the information separators U+001C to U+001F, as regular
/// expression engines' `\s` has it.
public enum Blank {
    public static func isBlankScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Empty, or only blank characters.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(isBlankScalar)
    }

    /// One @ with something on either side and no blank character anywhere.
    public static func looksLikeEmail(_ text: String) -> Bool {
        // Scalars, not characters: "@" followed by a combining mark or modifier is one character.
        let parts = text.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !text.unicodeScalars.contains(where: isBlankScalar)
    }
}
