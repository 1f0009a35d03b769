import Foundation
package import Hummingbird
import TDMockCore
import TDMockHTTP
package import TDMockServices

/// What a test sets around its flows, under the agent API (docs/contact-flows.md): the harness clock
/// (`/tdmock/v1/clock`) that `CheckHoursOfOperation` reads, and the queues' metrics
/// (`/tdmock/v1/queues`) that `CheckMetricData` and `GetMetricData` read.
package struct ConnectHarnessController {
    let services: AppServices
    static let surface = HarnessAPI.surface(prefix: HarnessAPI.agentPrefix, token: nil)

    package init(services: AppServices) { self.services = services }

    package func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group(RouterPath(HarnessAPI.agentPrefix))
        group.get("clock") { _, _ in clock() }
        group.post("clock") { request, _ in try await setClock(request) }
        group.delete("clock") { _, _ in
            services.connect.set(now: nil)
            return clock()
        }
        group.get("queues") { _, _ in JSONResponse.make(status: .ok, body: services.connect.queues.map(QueueView.init).sorted { $0.queue < $1.queue })
        }
        group.put("queues/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await setQueue(request, key: id.removingPercentEncoding ?? id)
        }
    }

    /// The clock's time, and whether a test set it (`false`: real time).
    struct ClockView: Encodable {
        var now: String
        var set: Bool
    }

    private func clock() -> Response {
        JSONResponse.make(status: .ok, body: ClockView(now: Timestamp.string(from: services.connect.now), set: services.connect.isSet))
    }

    private func setClock(_ request: Request) async throws -> Response {
        let body = try await request.jsonObject(of: Self.surface)
        guard let value = body["now"] else {
            throw AgentAPIError(.badRequest, "invalid_request", "now is required: the time the flows see, ISO 8601 (2026-12-07T22:00:00Z)")
        }
        guard let text = value.stringValue, let date = Timestamp.date(from: text) else {
            throw AgentAPIError(.badRequest, "invalid_request", "now must be an ISO 8601 time with its zone, such as 2026-12-07T22:00:00Z")
        }
        services.connect.set(now: date)
        return clock()
    }

    /// A queue's metrics as the queues API shows them.
    struct QueueView: Encodable {
        var queue: String
        var metrics: QueueMetrics

        init(_ entry: (key: String, value: QueueMetrics)) {
            queue = entry.key
            metrics = entry.value
        }

        /// The metrics' own keys, and the queue's id or name beside them.
        func encode(to encoder: any Encoder) throws {
            try metrics.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(queue, forKey: .queue)
        }

        enum CodingKeys: String, CodingKey { case queue }
    }

    private func setQueue(_ request: Request, key: String) async throws -> Response {
        let body = try await request.jsonObject(of: Self.surface)
        var values: [String: Int] = [:]
        for (name, value) in body {
            guard QueueMetrics.keys.contains(name) else {
                throw AgentAPIError(
                    .badRequest,
                    "invalid_request",
                    "'\(name)' is not a queue metric: give \(QueueMetrics.keys.joined(separator: ", "))"
                )
            }
            guard let number = value.numberValue, number.rounded() == number, number >= 0, number <= 1_000_000 else {
                throw AgentAPIError(.badRequest, "invalid_request", "\(name) must be a whole number from 0 to 1000000")
            }
            values[name] = Int(number)
        }
        guard !values.isEmpty else {
            throw AgentAPIError(.badRequest, "invalid_request", "give at least one of \(QueueMetrics.keys.joined(separator: ", "))")
        }
        // A queue named by its ARN is kept under its id, as flows match it.
        let stored = services.connect.queue(key)?.key ?? Flow.resourceID(key, kind: "queue")
        let metrics = services.connect.update(queue: stored, values)
        return JSONResponse.make(status: .ok, body: QueueView((stored, metrics)))
    }
}
