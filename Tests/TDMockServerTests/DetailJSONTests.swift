import Foundation
import Hummingbird
import TDMockCore
import Testing

@testable import TDMockAWS
@testable import TDMockHTTP
@testable import TDMockServer
@testable import TDMockServices
@testable import TDMockTalkdesk

/// The agent API's detail and deliveries are written by hand; these hold them to JSONEncoder's bytes.
@Suite struct DetailJSONTests {
    static let tricky = "a/b \"c\" \\ d\n\t\u{08}\u{0C}\u{01} é 💬"

    static func encoded(_ value: some Encodable) -> String {
        String(decoding: JSONResponse.data(value), as: UTF8.self)
    }

    static func written(_ bytes: ByteBuffer) -> String { String(buffer: bytes) }

    static func detail(full: Bool) -> AgentWire.ConversationDetail {
        let start = Date(timeIntervalSince1970: 1_795_000_000.123)
        let conversation = Conversation(
            id: full ? tricky : "c1",
            touchpointID: "tp-1",
            clientID: "client",
            subject: full ? tricky : nil,
            contactPerson: ContactPerson(email: "x@y.z", name: full ? "Zoë \\ back" : nil),
            contextParameters: full
                ? [
                    "sentiment": .string("NEGATIVE"), "score": .number(0.25), "count": .number(3), "tags": .array([.bool(true), .null]),
                    "nested": .object(["a/b": .string(tricky)]),
                ]
                : [:],
            status: full ? .ended : .queued,
            agent: full ? "Dana" : nil,
            endedBy: full ? .agent : nil,
            createdAt: start,
            lastActivityAt: start.addingTimeInterval(61.5),
            endedAt: full ? start.addingTimeInterval(90) : nil,
            messageCount: 3
        )
        let messages = [
            Message(id: "m1", conversationID: "c1", author: .contact, authorName: nil, content: tricky, attachments: [], createdAt: start),
            Message(
                id: "m2",
                conversationID: "c1",
                author: .contact,
                authorName: "Zoë",
                content: "see attached",
                attachments: [Attachment(id: "a1", name: "x.png", type: "image/png", size: 12_345), Attachment(), Attachment(size: -1)],
                createdAt: start.addingTimeInterval(1)
            ),
            Message(id: "m3", conversationID: "c1", author: .system, authorName: nil, content: "ended", attachments: [], createdAt: start),
        ]
        let delivery = { (id: String, status: DeliveryStatus, code: Int?, error: String?) in
            CallbackDelivery(
                deliveryID: id,
                conversationID: "c1",
                eventType: .messageCreated,
                body: Data(),
                status: status,
                attempts: 2,
                attemptsSinceRedelivery: 2,
                nextAttemptAt: start.addingTimeInterval(5),
                lastStatusCode: code,
                lastError: error,
                createdAt: start,
                deliveredAt: status == .delivered ? start.addingTimeInterval(0.004) : nil
            )
        }
        let journal = [0.0, 0.000001, 0.0001234, 0.001, 0.0125, 1, 2.5, 12.000001, 86_400.25, 1e6].enumerated().map { index, latency in
            CallbackAttempt(
                deliveryID: "d1",
                attempt: index + 1,
                startedAt: start,
                statusCode: index.isMultiple(of: 2) ? 503 : nil,
                error: index.isMultiple(of: 2) ? nil : "timeout \(tricky)",
                latency: latency
            )
        }
        let callbacks = [
            AgentWire.DeliveryView(delivery("d1", .delivered, 200, nil), journal: journal, callbackURL: "http://x"),
            AgentWire.DeliveryView(delivery("d2", .pending, 503, "HTTP 503"), journal: [], callbackURL: nil),
            AgentWire.DeliveryView(delivery("d3", .failed, nil, "connection failed"), journal: [], callbackURL: "http://x"),
        ]
        return AgentWire.ConversationDetail(conversation, messages: full ? messages : [], callbacks: full ? callbacks : [])
    }

    @Test func aDetailIsByteForByteWhatJSONEncoderWrites() {
        for full in [true, false] {
            let detail = Self.detail(full: full)
            #expect(Self.written(DetailJSON.bytes(detail)) == Self.encoded(detail))
            #expect(Self.written(DetailJSON.bytes(detail.callbacks)) == Self.encoded(detail.callbacks))
            for delivery in detail.callbacks {
                #expect(Self.written(DetailJSON.bytes(delivery)) == Self.encoded(delivery))
            }
        }
    }

    @Test func stringsAreEscapedAsJSONEncoderEscapesThemWhereverTheCharacterFalls() {
        // Scanned eight bytes at a time: every position within and across words, and the neighbours of
        // the characters that need escaping, which must not.
        let special: [Character] = ["\"", "\\", "\n", "\u{01}", "\u{1F}", "\u{08}"]
        let plain: [Character] = [" ", "!", "#", "[", "]", "\u{7F}", "é", "💬", "a"]
        for length in 0...19 {
            for position in 0..<max(length, 1) {
                for character in special + plain {
                    var text = String(repeating: "x", count: length)
                    if length > 0 {
                        let index = text.index(text.startIndex, offsetBy: position)
                        text.replaceSubrange(index...index, with: String(character))
                    }
                    var out = JSONBytes(capacity: 4)
                    out.string(text)
                    #expect(
                        out.withBytes { String(decoding: $0, as: UTF8.self) } == Self.encoded(text),
                        "\(length) \(position) \(character.unicodeScalars.first!.value)"
                    )
                }
            }
        }
        // Several in one word and in a row, and strings one after another in one buffer.
        var out = JSONBytes(capacity: 1)
        let texts = ["\"\\\n\u{01}\"\"\t\u{1F}x", "ab\"c\"d", "", "0123456789abcdef", "é💬\\"]
        for text in texts { out.string(text) }
        #expect(out.withBytes { String(decoding: $0, as: UTF8.self) } == texts.map { Self.encoded($0) }.joined())
    }

    @Test func numbersAreWrittenAsJSONEncoderWritesThem() {
        let values: [Double] = [
            0, -0.5, 1, 12, 0.1, 0.001, 0.0001, 0.00001, 1.5e-7, 123_456.789, 1e15, 1e16, 1.25e17, 9_007_199_254_740_993, 3.141592653589793,
        ]
        for value in values {
            var out = JSONBytes(capacity: 8)
            out.number(value)
            #expect(out.withBytes { String(decoding: $0, as: UTF8.self) } == Self.encoded([value]).dropFirst().dropLast(), "\(value)")
        }
        for value: Int64 in [0, 7, -7, 10, 99, 100, Int64.max, Int64.min] {
            var out = JSONBytes(capacity: 1)
            out.integer(value)
            #expect(out.withBytes { String(decoding: $0, as: UTF8.self) } == String(value))
        }
    }
}
