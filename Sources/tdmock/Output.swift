import Foundation

/// A failure the person running tdmock can act on, said in one line.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Lines for standard output, written at once (unbuffered), so a program reading a pipe sees them as they happen.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
