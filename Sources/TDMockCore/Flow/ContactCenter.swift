public import Foundation

/// A queue's real-time metrics as `CheckMetricData` and `GetMetricData` read them (docs/contact-flows.md):
/// from `connect.queues`, changed at run time by `PUT /tdmock/v1/queues/{id or name}`.
public struct QueueMetrics: Codable, Sendable, Hashable {
    public var agentsOnline: Int
    public var agentsAvailable: Int
    public var contactsInQueue: Int
    /// Seconds the oldest contact in the queue has waited.
    public var oldestContactAge: Int
    /// The name or id of the queue's hours in `connect.hours` (for `CheckHoursOfOperation` without an id).
    public var hours: String?

    public init(agentsOnline: Int = 0, agentsAvailable: Int = 0, contactsInQueue: Int = 0, oldestContactAge: Int = 0, hours: String? = nil) {
        self.agentsOnline = agentsOnline
        self.agentsAvailable = agentsAvailable
        self.contactsInQueue = contactsInQueue
        self.oldestContactAge = oldestContactAge
        self.hours = hours
    }

    enum CodingKeys: String, CodingKey {
        case hours
        case agentsOnline = "agents_online"
        case agentsAvailable = "agents_available"
        case contactsInQueue = "contacts_in_queue"
        case oldestContactAge = "oldest_contact_age"
    }

    /// The keys of `connect.queues` entries and of the queues API.
    public static let keys = ["agents_online", "agents_available", "contacts_in_queue", "oldest_contact_age"]

    /// `CheckMetricData`'s `MetricType`s.
    public static let metricTypes = [
        "NumberOfAgentsAvailable", "NumberOfAgentsStaffed", "NumberOfAgentsOnline", "OldestContactInQueueAgeSeconds", "NumberOfContactsInQueue",
    ]

    /// A metric by `MetricType`. Staffed agents are the online ones: tdmock keeps no agent states.
    public func value(of metricType: String) -> Int {
        switch metricType {
        case "NumberOfAgentsAvailable": agentsAvailable
        case "NumberOfAgentsStaffed", "NumberOfAgentsOnline": agentsOnline
        case "OldestContactInQueueAgeSeconds": oldestContactAge
        default: contactsInQueue
        }
    }

    /// Sets one key of `keys`; false for a key that is not one.
    public mutating func set(_ key: String, _ value: Int) -> Bool {
        switch key {
        case "agents_online": agentsOnline = value
        case "agents_available": agentsAvailable = value
        case "contacts_in_queue": contactsInQueue = value
        case "oldest_contact_age": oldestContactAge = value
        default: return false
        }
        return true
    }

    /// What `GetMetricData` loads, by the path below `$.Metrics.`.
    public func attributes(queueName: String, queueARN: String) -> [String: String] {
        [
            "Queue.Name": queueName,
            "Queue.ARN": queueARN,
            "Queue.Size": String(contactsInQueue),
            "Queue.OldestContactAge": String(oldestContactAge),
            "Agents.Online.Count": String(agentsOnline),
            "Agents.Available.Count": String(agentsAvailable),
            "Agents.Staffed.Count": String(agentsOnline),
        ]
    }
}

/// A set of hours of operation (`connect.hours`): a time zone and, for each day of the week, the
/// stretches it is open. A day not named is closed.
public struct HoursOfOperation: Sendable, Hashable {
    public static let days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public var timeZone: TimeZone
    /// By day (`SUN` … `SAT`): open stretches in minutes from midnight, the end excluded.
    public var open: [String: [Range<Int>]]

    public init(timeZone: TimeZone, open: [String: [Range<Int>]]) {
        self.timeZone = timeZone
        self.open = open
    }

    /// Open every minute of the week: the hours a flow has when `connect.hours` names none.
    public static let always = HoursOfOperation(
        timeZone: TimeZone(identifier: "UTC") ?? .current,
        open: Dictionary(uniqueKeysWithValues: days.map { ($0, [0..<1440]) })
    )

    /// One day's text: `09:00-17:00`, several joined by commas, `closed`, or `24h`. A stretch that ends
    /// before it starts runs past midnight, and its end is kept on the next day.
    public static func stretches(_ text: String) -> (today: [Range<Int>], tomorrow: [Range<Int>])? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "closed" { return ([], []) }
        if trimmed == "24h" { return ([0..<1440], []) }
        var today: [Range<Int>] = []
        var tomorrow: [Range<Int>] = []
        for part in trimmed.split(separator: ",") {
            let ends = part.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 2, let start = minutes(ends[0]), let end = minutes(ends[1]) else { return nil }
            if start < end {
                today.append(start..<end)
            } else if start > end {
                today.append(start..<1440)
                if end > 0 { tomorrow.append(0..<end) }
            } else {
                return nil
            }
        }
        return (today, tomorrow)
    }

    /// `HH:MM` (00:00 to 24:00) as minutes from midnight.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...24).contains(hours), (0..<60).contains(minutes), hours < 24 || minutes == 0
        else { return nil }
        return hours * 60 + minutes
    }

    /// Whether the hours are open at `date`, in their time zone.
    public func isOpen(at date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        let now = hour * 60 + minute
        return open[Self.days[weekday - 1], default: []].contains { $0.contains(now) }
    }
}
