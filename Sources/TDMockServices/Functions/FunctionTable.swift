import Foundation
import TDMockCore
import TDMockSettings

/// The functions table (docs/aws.md): each function tdmock's AWS services call, by name, at a Lambda
/// Invoke API URL. The defaults are the reference functions of `tdmock bridge` at its default address.
public enum FunctionTable {
    /// The reference functions (docs/chat-line.md).
    public static let referenceFunctions = ["escalate", "chat_socket", "chat_callback", "fallback"]
    /// Where `tdmock bridge` listens by default.
    public static let bridgeBase = "http://127.0.0.1:8090"

    /// The Invoke API URL of function `name` on a host serving it at `base`.
    public static func invokeURL(base: String, name: String) -> String {
        base + "/2015-03-31/functions/" + name + "/invocations"
    }

    public static let defaults: [String: String] = Dictionary(
        uniqueKeysWithValues: referenceFunctions.map { ($0, invokeURL(base: bridgeBase, name: $0)) }
    )

    /// One `NAME=URL` of a flag or of `TDMOCK_FUNCTIONS`: the pair, or what is wrong with it.
    static func entry(_ text: String) -> (name: String, url: String, problem: String?) {
        guard let equals = text.firstIndex(of: "=") else {
            return ("", "", "expected NAME=URL (a function's name and its Lambda Invoke API URL), found '\(text)'")
        }
        let name = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let url = String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        return (name, url, problem(name: name, url: url))
    }

    /// What is wrong with a function's name or URL, if anything.
    static func problem(name: String, url: String) -> String? {
        guard FunctionName.isValid(name) else {
            return "a function name is 1 to 64 letters, digits, hyphens or underscores, found '\(name)'"
        }
        guard SettingKind<String>.isHTTPURL(url) else {
            return "function '\(name)': expected an http:// or https:// URL (its Lambda Invoke API URL), found '\(url)'"
        }
        return nil
    }
}
