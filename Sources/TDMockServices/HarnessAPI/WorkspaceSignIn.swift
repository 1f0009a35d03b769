package import Hummingbird
import TDMockCore

/// The workspace's sign-in cookie: the agent token, hex-encoded (a cookie's value cannot hold every
/// character a token may), sent back only to this server's own pages (`SameSite=Strict`) and never
/// readable by a script (`HttpOnly`).
package enum WorkspaceSignIn {
    /// Where the page gives the agent token and takes it back (the agent API's paths, open without it).
    package static let signInPath = HarnessAPI.agentPrefix + "/sign-in"
    package static let signOutPath = HarnessAPI.agentPrefix + "/sign-out"
    package static let cookieName = "tdmock_agent_token"

    /// `value` is hex or empty, so the cookie is always a valid one.
    package static func cookie(value: String, maxAge: Int?) -> Cookie {
        (try? Cookie.validated(name: cookieName, value: value, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .strict))
            ?? Cookie(name: cookieName, value: "", maxAge: 0, path: "/", httpOnly: true)
    }

    package static func cookieValue(_ token: String) -> String { IdentifierGenerator.hex(Array(token.utf8)) }

    /// The token a cookie's value holds; nil when it is not hex.
    package static func token(fromCookie value: String) -> String? {
        let digits = Array(value.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
