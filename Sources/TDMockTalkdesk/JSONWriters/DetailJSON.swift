import Foundation
import Hummingbird
import NIOCore
import TDMockCore
import TDMockHTTP

/// A conversation's detail and the callback deliveries as the agent API answers them, written by hand:
/// byte for byte what `JSONResponse.encoder` writes (keys sorted, absent values left out, slashes as they
/// are; a test compares the two).
///
/// Every agent action answers with the whole conversation, and a long one is big: JSONEncoder's generic
/// path, on the same cores that deliver the callback the action caused, slowed that delivery (the bench's
/// reply-to-callback figure measures it; docs/ARCHITECTURE.md says how).
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
        optional(#","name":"#, summary.contactPerson.name)
        literal(#"},"context_parameters":"#)
        if detail.contextParameters.isEmpty {
            literal("{}")
        } else {
            // Any JSON the integration sent: JSONEncoder's own writing, spliced in.
            JSONResponse.data(detail.contextParameters).withUnsafeBytes { append($0.assumingMemoryBound(to: UInt8.self)) }
        }
        literal(#","created_at":"#)
        string(summary.createdAt)
        optional(#","ended_at":"#, summary.endedAt)
        optional(#","ended_by":"#, summary.endedBy?.rawValue)
        literal(#","id":"#)
        string(summary.id)
        literal(#","last_activity_at":"#)
        string(summary.lastActivityAt)
        literal(#","message_count":"#)
        integer(summary.messageCount)
        literal(#","messages":["#)
        elements(detail.messages) { $0.write($1) }
        literal(#"],"status":"#)
        string(summary.status.rawValue)
        optional(#","subject":"#, summary.subject)
        literal(#","touchpoint_id":"#)
        string(summary.touchpointId)
        append(byte: UInt8(ascii: "}"))
    }

    mutating func write(_ message: AgentWire.MessageView) {
        literal(#"{"attachments":["#)
        elements(message.attachments) { $0.write($1) }
        literal(#"],"author":"#)
        string(message.author.rawValue)
        optional(#","author_name":"#, message.authorName)
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

    /// Items written one after the other, with commas between them (the brackets are the caller's).
    private mutating func elements<Item>(_ items: [Item], _ write: (inout JSONBytes, Item) -> Void) {
        for (index, item) in items.enumerated() {
            if index > 0 { append(byte: UInt8(ascii: ",")) }
            write(&self, item)
        }
    }

    /// A key (with its leading comma) and a string value, or nothing when the value is absent: as JSONEncoder
    /// leaves out a nil optional.
    private mutating func optional(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        literal(key)
        string(value)
    }

    /// A key of an object whose keys are all optional: a comma before all but the first.
    private mutating func key(_ name: StaticString, first: inout Bool) {
        if !first { append(byte: UInt8(ascii: ",")) }
        first = false
        literal(name)
    }

    mutating func write(_ deliveries: [AgentWire.DeliveryView]) {
        append(byte: UInt8(ascii: "["))
        elements(deliveries) { $0.write($1) }
        append(byte: UInt8(ascii: "]"))
    }

    mutating func write(_ delivery: AgentWire.DeliveryView) {
        literal(#"{"attempts":"#)
        integer(delivery.attempts)
        literal(#","conversation_id":"#)
        string(delivery.conversationId)
        literal(#","created_at":"#)
        string(delivery.createdAt)
        optional(#","delivered_at":"#, delivery.deliveredAt)
        literal(#","delivery_id":"#)
        string(delivery.deliveryId)
        literal(#","event_type":"#)
        string(delivery.eventType.rawValue)
        literal(#","journal":["#)
        elements(delivery.journal) { $0.write($1) }
        append(byte: UInt8(ascii: "]"))
        optional(#","last_error":"#, delivery.lastError)
        if let lastStatusCode = delivery.lastStatusCode {
            literal(#","last_status_code":"#)
            integer(lastStatusCode)
        }
        optional(#","next_attempt_at":"#, delivery.nextAttemptAt)
        literal(#","status":"#)
        string(delivery.status.rawValue)
        optional(#","waiting":"#, delivery.waiting)
        append(byte: UInt8(ascii: "}"))
    }

    mutating func write(_ attempt: AgentWire.AttemptView) {
        literal(#"{"attempt":"#)
        integer(attempt.attempt)
        optional(#","error":"#, attempt.error)
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
