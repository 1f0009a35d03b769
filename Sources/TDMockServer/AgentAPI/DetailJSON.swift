import Foundation
import Hummingbird
import NIOCore
import TDMockCore

/// A conversation's detail and the callback deliveries as the agent API answers them, written by hand:
/// byte for byte what `JSONResponse.encoder` writes (keys sorted, absent values left out, slashes as they
/// are; a test compares the two).
///
/// Every agent action answers with the whole conversation, and a long one is big: at 1,000 replies,
/// JSONEncoder took ~10 ms per reply (43 % of the server's time in the bench's reply loop), on the same
/// two cores as the callback being delivered, whose p99 it doubled.
enum DetailJSON {
    static func response(_ detail: AgentWire.ConversationDetail) -> Response { response(bytes(detail)) }
    static func response(_ deliveries: [AgentWire.DeliveryView]) -> Response { response(bytes(deliveries)) }
    static func response(_ delivery: AgentWire.DeliveryView) -> Response { response(bytes(delivery)) }

    static func bytes(_ detail: AgentWire.ConversationDetail) -> ByteBuffer {
        var out = JSONBytes(capacity: 1024 + detail.messages.count * 256 + detail.callbacks.count * 512)
        out.write(detail)
        return out.withBytes { ByteBuffer(bytes: $0) }
    }

    static func bytes(_ deliveries: [AgentWire.DeliveryView]) -> ByteBuffer {
        var out = JSONBytes(capacity: 64 + deliveries.count * 512)
        out.write(deliveries)
        return out.withBytes { ByteBuffer(bytes: $0) }
    }

    static func bytes(_ delivery: AgentWire.DeliveryView) -> ByteBuffer {
        var out = JSONBytes(capacity: 1024)
        out.write(delivery)
        return out.withBytes { ByteBuffer(bytes: $0) }
    }

    private static func response(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: JSONResponse.contentType], body: ResponseBody(byteBuffer: body))
    }
}

extension JSONBytes {
    /// `AgentWire.ConversationDetail`: the summary's keys and the detail's own, in one sorted object.
    mutating func write(_ detail: AgentWire.ConversationDetail) {
        let summary = detail.summary
        append(byte: UInt8(ascii: "{"))
        if let agent = summary.agent {
            literal(#""agent":"#)
            string(agent)
            append(byte: UInt8(ascii: ","))
        }
        literal(#""callbacks":"#)
        write(detail.callbacks)
        literal(#","contact_person":{"email":"#)
        string(summary.contactPerson.email)
        if let name = summary.contactPerson.name {
            literal(#","name":"#)
            string(name)
        }
        literal(#"},"context_parameters":"#)
        if detail.contextParameters.isEmpty {
            literal("{}")
        } else {
            // Any JSON the integration sent: JSONEncoder's own writing, spliced in.
            JSONResponse.data(detail.contextParameters).withUnsafeBytes { append($0.assumingMemoryBound(to: UInt8.self)) }
        }
        literal(#","created_at":"#)
        string(summary.createdAt)
        if let endedAt = summary.endedAt {
            literal(#","ended_at":"#)
            string(endedAt)
        }
        if let endedBy = summary.endedBy {
            literal(#","ended_by":"#)
            string(endedBy.rawValue)
        }
        literal(#","id":"#)
        string(summary.id)
        literal(#","last_activity_at":"#)
        string(summary.lastActivityAt)
        literal(#","message_count":"#)
        integer(summary.messageCount)
        literal(#","messages":["#)
        for (index, message) in detail.messages.enumerated() {
            if index > 0 { append(byte: UInt8(ascii: ",")) }
            write(message)
        }
        literal(#"],"status":"#)
        string(summary.status.rawValue)
        if let subject = summary.subject {
            literal(#","subject":"#)
            string(subject)
        }
        literal(#","touchpoint_id":"#)
        string(summary.touchpointId)
        append(byte: UInt8(ascii: "}"))
    }

    mutating func write(_ message: AgentWire.MessageView) {
        literal(#"{"attachments":["#)
        for (index, attachment) in message.attachments.enumerated() {
            if index > 0 { append(byte: UInt8(ascii: ",")) }
            write(attachment)
        }
        literal(#"],"author":"#)
        string(message.author.rawValue)
        if let authorName = message.authorName {
            literal(#","author_name":"#)
            string(authorName)
        }
        literal(#","content":"#)
        string(message.content)
        literal(#","created_at":"#)
        string(message.createdAt)
        literal(#","message_id":"#)
        string(message.messageId)
        append(byte: UInt8(ascii: "}"))
    }

    mutating func write(_ attachment: Attachment) {
        append(byte: UInt8(ascii: "{"))
        var first = true
        if let id = attachment.id {
            key(#""id":"#, first: &first)
            string(id)
        }
        if let name = attachment.name {
            key(#""name":"#, first: &first)
            string(name)
        }
        if let size = attachment.size {
            key(#""size":"#, first: &first)
            integer(size)
        }
        if let type = attachment.type {
            key(#""type":"#, first: &first)
            string(type)
        }
        append(byte: UInt8(ascii: "}"))
    }

    /// A key of an object whose keys are all optional: a comma before all but the first.
    private mutating func key(_ name: StaticString, first: inout Bool) {
        if !first { append(byte: UInt8(ascii: ",")) }
        first = false
        literal(name)
    }

    mutating func write(_ deliveries: [AgentWire.DeliveryView]) {
        append(byte: UInt8(ascii: "["))
        for (index, delivery) in deliveries.enumerated() {
            if index > 0 { append(byte: UInt8(ascii: ",")) }
            write(delivery)
        }
        append(byte: UInt8(ascii: "]"))
    }

    mutating func write(_ delivery: AgentWire.DeliveryView) {
        literal(#"{"attempts":"#)
        integer(delivery.attempts)
        literal(#","conversation_id":"#)
        string(delivery.conversationId)
        literal(#","created_at":"#)
        string(delivery.createdAt)
        if let deliveredAt = delivery.deliveredAt {
            literal(#","delivered_at":"#)
            string(deliveredAt)
        }
        literal(#","delivery_id":"#)
        string(delivery.deliveryId)
        literal(#","event_type":"#)
        string(delivery.eventType.rawValue)
        literal(#","journal":["#)
        for (index, attempt) in delivery.journal.enumerated() {
            if index > 0 { append(byte: UInt8(ascii: ",")) }
            write(attempt)
        }
        append(byte: UInt8(ascii: "]"))
        if let lastError = delivery.lastError {
            literal(#","last_error":"#)
            string(lastError)
        }
        if let lastStatusCode = delivery.lastStatusCode {
            literal(#","last_status_code":"#)
            integer(lastStatusCode)
        }
        if let nextAttemptAt = delivery.nextAttemptAt {
            literal(#","next_attempt_at":"#)
            string(nextAttemptAt)
        }
        literal(#","status":"#)
        string(delivery.status.rawValue)
        if let waiting = delivery.waiting {
            literal(#","waiting":"#)
            string(waiting)
        }
        append(byte: UInt8(ascii: "}"))
    }

    mutating func write(_ attempt: AgentWire.AttemptView) {
        literal(#"{"attempt":"#)
        integer(attempt.attempt)
        if let error = attempt.error {
            literal(#","error":"#)
            string(error)
        }
        literal(#","latency_ms":"#)
        number(attempt.latencyMs)
        literal(#","started_at":"#)
        string(attempt.startedAt)
        if let statusCode = attempt.statusCode {
            literal(#","status_code":"#)
            integer(statusCode)
        }
        append(byte: UInt8(ascii: "}"))
    }
}
