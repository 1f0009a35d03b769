import CLibEdit
public import Foundation
import Synchronization
public import TDMockCore

/// A line-editing session's logic: what a line does, the prompt and the Tab completions.
public protocol LineSession: Actor {
    var prompt: String { get }
    var completions: [String] { get }
    /// Handles one typed line; false when the session should end.
    func handle(line: String) async -> Bool
}

extension AgentSession: LineSession {}

/// Runs a `LineSession` (the agent's, the customer's) in the terminal: libedit line editing on a thread of its own (its `readline` state
/// is not thread-safe and its reads block), with the session's output printed above the line being typed.
///
/// When standard input is not a terminal (a script piping lines in) it reads plain lines instead.
public final class LineEditor: ConsoleOutput, Sendable {
    private let pending = Mutex<[String]>([])
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let historyPath: String?
    private let interactive: Bool

    /// - Parameter historyPath: the file that keeps sent lines across sessions (nil: none).
    public init(historyPath: String?) {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        // Reading the wake pipe never blocks: drain() empties whatever is there.
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        wakeRead = fds[0]
        wakeWrite = fds[1]
        self.historyPath = historyPath
        interactive = isatty(STDIN_FILENO) == 1
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// The history file: `TDMOCK_HISTORY`, else `~/.tdmock_history`.
    public static func defaultHistoryPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = AgentContext.value(ConsoleSettings.table.history, flag: nil, environment: environment) { return path }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.tdmock_history"
    }

    public func show(_ text: String) {
        pending.withLock { $0.append(text) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Ends the session from elsewhere (the other side ended the chat): the line being typed is dropped.
    public func stop() {
        stopRequested.set()
        show("")
    }

    private let stopRequested = Flag()

    /// Runs the agent's session with the server's live events until it ends (`/quit`, `/close` in reply,
    /// Ctrl-D or end of input).
    public func run(_ session: AgentSession, events: AsyncThrowingStream<InboxEvent, any Error>?) async {
        await run(session) { [self] in
            guard let events else { return }
            do {
                for try await event in events {
                    await session.handle(event: event)
                    self.show("")
                }
                self.show("The connection to tdmock closed; live updates have stopped.")
            } catch {
                if !Task.isCancelled { self.show("Live updates stopped: \(error)") }
            }
        }
    }

    /// Runs a session until it ends, with `background` (what brings the other side's messages) alongside.
    public func run(_ session: some LineSession, background: @escaping @Sendable () async -> Void) async {
        let (lines, lineSink) = AsyncStream.makeStream(of: String?.self)
        let done = DispatchSemaphore(value: 0)
        let state = EditorState(prompt: await session.prompt, candidates: await session.completions, stop: stopRequested)
        let eventTask = Task {
            let refresh = Task {
                // Keep Tab completion current while the other side changes the session.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    let completions = await session.completions
                    state.candidates.withLock { $0 = completions }
                }
            }
            await background()
            refresh.cancel()
        }

        let thread = Thread { [self] in
            if interactive {
                editLoop(lines: lineSink, done: done, state: state)
            } else {
                plainLoop(lines: lineSink, done: done, state: state)
            }
        }
        thread.stackSize = 1 << 20
        thread.start()

        for await line in lines {
            guard let line else { break }
            let keepGoing = await session.handle(line: line)
            let (newPrompt, completions) = (await session.prompt, await session.completions)
            state.prompt.withLock { $0 = newPrompt }
            state.candidates.withLock { $0 = completions }
            if !keepGoing { state.stop.set() }
            done.signal()
            if !keepGoing { break }
        }
        eventTask.cancel()
        state.stop.set()
        done.signal()
        // Let the thread notice the stop and restore the terminal.
        show("")
        while !threadFinished.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    private let threadFinished = Atomic<Bool>(false)

    private func drain() -> [String] {
        var drained = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &drained, drained.count) > 0 {}
        return pending.withLock { texts in
            defer { texts.removeAll() }
            return texts.filter { !$0.isEmpty }
        }
    }

    /// Prints texts above the prompt, which is redrawn after them with the half-typed line. (Installing the
    /// line handler draws the prompt itself, so with no texts there is nothing to do.)
    private func printAbove(_ texts: [String]) {
        guard !texts.isEmpty else { return }
        // libedit takes a C string: a U+0000 that Render did not already show as `\0` would cut it short.
        let joined =
            texts.joined(separator: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            .replacingOccurrences(of: "\u{0}", with: "\\0") + "\r\n"
        tdm_print_above(joined)
    }

    private func setCandidates(_ list: [String]) {
        var pointers = list.map { strdup($0) }
        pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { base in
                tdm_set_candidates(base, Int32(buffer.count))
            }
        }
        for pointer in pointers { free(pointer) }
    }

    private func editLoop(lines: AsyncStream<String?>.Continuation, done: DispatchSemaphore, state: EditorState) {
        tdm_using_history()
        tdm_stifle_history(1000)
        if let historyPath { _ = tdm_read_history(historyPath) }
        var installedCandidates = state.candidates.withLock { $0 }
        setCandidates(installedCandidates)
        tdm_install(state.prompt.withLock { $0 })
        printAbove(drain())

        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        loop: while !state.stop.isSet {
            fds[0].revents = 0
            fds[1].revents = 0
            guard poll(&fds, 2, -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            if fds[1].revents != 0 {
                let texts = drain()
                if !texts.isEmpty { printAbove(texts) }
                let latest = state.candidates.withLock { $0 }
                if latest != installedCandidates {
                    installedCandidates = latest
                    setCandidates(latest)
                }
            }
            if fds[0].revents != 0 {
                var raw: UnsafeMutablePointer<CChar>?
                guard tdm_read_char(&raw) == 1 else { continue }
                guard let raw else {
                    lines.yield(nil)
                    break loop
                }
                let line = String(cString: raw)
                free(raw)
                if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    tdm_add_history(line)
                    if let historyPath { _ = tdm_write_history(historyPath) }
                }
                lines.yield(line)
                done.wait()
                if state.stop.isSet { break loop }
                tdm_install(state.prompt.withLock { $0 })
                printAbove(drain())
            }
        }
        // The session is over: the last words go out plainly, with no prompt drawn again after them.
        let last = drain()
        tdm_remove()
        var tail = "\r\u{1B}[K"
        if !last.isEmpty { tail += last.joined(separator: "\n").replacingOccurrences(of: "\n", with: "\r\n") + "\r\n" }
        FileHandle.standardOutput.write(Data(tail.utf8))
        lines.finish()
        threadFinished.store(true, ordering: .releasing)
    }

    /// Lines from a pipe or file: no editing, output printed as it comes. A reader thread blocks on standard
    /// input; this thread prints, and ends the session when it is stopped from the other side.
    private func plainLoop(lines: AsyncStream<String?>.Continuation, done: DispatchSemaphore, state: EditorState) {
        let reader = Thread {
            while !state.stop.isSet, let line = readLine(strippingNewline: true) {
                lines.yield(line)
                done.wait()
            }
            lines.yield(nil)
        }
        reader.start()
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        while true {
            for text in drain() { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
            if state.stop.isSet { break }
            fds[0].revents = 0
            _ = poll(&fds, 1, 100)
        }
        lines.finish()
        threadFinished.store(true, ordering: .releasing)
    }
}

/// What the async side and the terminal thread share.
private final class EditorState: Sendable {
    let prompt: Mutex<String>
    let candidates: Mutex<[String]>
    let stop: Flag

    init(prompt: String, candidates: [String], stop: Flag) {
        self.prompt = Mutex(prompt)
        self.candidates = Mutex(candidates)
        self.stop = stop
    }
}

/// A flag set once, read from any thread.
final class Flag: Sendable {
    private let atomic = Atomic<Bool>(false)
    var isSet: Bool { atomic.load(ordering: .acquiring) }
    func set() { atomic.store(true, ordering: .releasing) }
}
