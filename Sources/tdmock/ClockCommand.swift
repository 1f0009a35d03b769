import ArgumentParser
import Foundation
import TDMockConsole
import TDMockCore

struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Set the time the contact flows' hours of operation see.",
        discussion: """
            CheckHoursOfOperation reads the harness clock: set it to test "after hours" without waiting \
            for the night, and reset it to go back to real time (tdmock reset does too).

              $ tdmock clock set 2026-12-07T22:00:00Z
              $ tdmock clock show
              $ tdmock clock reset
            """,
        subcommands: [Set.self, Show.self, Reset.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set the clock to TIME (ISO 8601, with its zone).")
        @OptionGroup var options: ServerOption
        @Argument(help: "The time, such as 2026-12-07T22:00:00Z or 2026-12-07T17:00:00-05:00.") var time: String

        func validate() throws {
            guard Timestamp.date(from: time) != nil else {
                throw ValidationError("TIME must be ISO 8601 with its zone, such as 2026-12-07T22:00:00Z, not '\(time)'")
            }
        }

        func run() async throws {
            let clock = try await options.client.setClock(time)
            print("The flows' clock says \(clock.now).")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the time the flows see.")
        @OptionGroup var options: ServerOption

        func run() async throws {
            let clock = try await options.client.clock()
            print("\(clock.now) (\(clock.set ? "set by clock set" : "real time"))")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset", abstract: "Return the clock to real time.")
        @OptionGroup var options: ServerOption

        func run() async throws {
            let clock = try await options.client.resetClock()
            print("The flows' clock is real time again (\(clock.now)).")
        }
    }
}

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Set the queue metrics the contact flows read (CheckMetricData, GetMetricData).",
        discussion: """
            A queue is named by its id (the end of its ARN) or its name, as in connect.queues. A metric not \
            given keeps its value; tdmock reset puts every queue back as configured.

              $ tdmock queue set BasicQueue --agents-available 0 --contacts-in-queue 12
              $ tdmock queue list
            """,
        subcommands: [Set.self, List.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a queue's metrics.")
        @OptionGroup var options: ServerOption
        @Argument(help: "The queue's id or name.") var queue: String
        @Option(name: .customLong("agents-online"), help: "Agents online (and staffed).") var agentsOnline: Int?
        @Option(name: .customLong("agents-available"), help: "Agents available.") var agentsAvailable: Int?
        @Option(name: .customLong("contacts-in-queue"), help: "Contacts waiting.") var contactsInQueue: Int?
        @Option(name: .customLong("oldest-contact-age"), help: "Seconds the oldest contact has waited.") var oldestContactAge: Int?

        var metrics: [String: Int] {
            var metrics: [String: Int] = [:]
            metrics["agents_online"] = agentsOnline
            metrics["agents_available"] = agentsAvailable
            metrics["contacts_in_queue"] = contactsInQueue
            metrics["oldest_contact_age"] = oldestContactAge
            return metrics
        }

        func validate() throws {
            guard !metrics.isEmpty else {
                throw ValidationError("give at least one of --agents-online, --agents-available, --contacts-in-queue, --oldest-contact-age")
            }
            for (name, value) in metrics where !(0...1_000_000).contains(value) {
                throw ValidationError("--\(name.replacingOccurrences(of: "_", with: "-")) must be from 0 to 1000000")
            }
        }

        func run() async throws {
            let queue = try await options.client.setQueue(queue, metrics)
            print(QueueCommand.describe(queue))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the queues' metrics.")
        @OptionGroup var options: ServerOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let queues = try await options.client.queues()
            if json {
                print(Render.json(queues))
            } else {
                print(
                    queues.isEmpty
                        ? "No queues: connect.queues names none, and none was set." : queues.map(QueueCommand.describe).joined(separator: "\n")
                )
            }
        }
    }

    static func describe(_ queue: [String: JSONValue]) -> String {
        func number(_ key: String) -> String { queue[key].map { FlowNumber.text($0) } ?? "0" }
        return "\(queue["queue"]?.stringValue ?? "?"): \(number("agents_online")) online, \(number("agents_available")) available, "
            + "\(number("contacts_in_queue")) waiting, oldest \(number("oldest_contact_age")) s"
    }
}

/// A JSON number as a whole number's text.
enum FlowNumber {
    static func text(_ value: JSONValue) -> String { value.numberValue.map { String(Int($0)) } ?? value.stringValue ?? "" }
}
