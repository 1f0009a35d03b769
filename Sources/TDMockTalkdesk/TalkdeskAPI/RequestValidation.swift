import Foundation
import TDMockCore

/// Turns a request body into JSON, refusing what is not a JSON object with a message that names the problem.
enum RequestJSON {
    static func object(from data: Data) throws(DigitalConnectError) -> [String: JSONValue] {
        guard !data.isEmpty else { throw .invalidBody("The request body is empty; expected a JSON object") }
        guard String(validating: data, as: UTF8.self) != nil else {
            throw .invalidBody("The request body is not valid UTF-8")
        }
        let value: JSONValue
        switch data.withUnsafeBytes(JSONReader.read) {
        case .success(let read): value = read
        case .failure(let failure): throw .invalidBody("The request body is not valid JSON: \(failure)")
        }
        guard let object = value.objectValue else {
            throw .invalidBody("The request body must be a JSON object, found \(value.typeDescription)")
        }
        return object
    }

    /// The body in a canonical form (keys sorted), so that reformatted copies of one request compare equal.
    static func canonical(_ object: [String: JSONValue]) -> String {
        JSONCoding.text(JSONValue.object(object))
    }
}

/// Reads the fields of one JSON object, collecting every problem rather than stopping at the first.
struct FieldReader {
    let object: [String: JSONValue]
    let prefix: String
    var errors: [FieldError] = []

    init(_ object: [String: JSONValue], prefix: String = "") {
        self.object = object
        self.prefix = prefix
    }

    func name(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    mutating func fail(_ key: String, _ description: String) {
        errors.append(FieldError(name: name(key), description: description))
    }

    /// A string field; null or absent is nil. `required` refuses absent and empty strings; a string
    /// longer than `maxLength` characters (Unicode scalars, as JSON Schema counts them) is refused.
    mutating func string(_ key: String, required: Bool = false, maxLength: Int? = nil) -> String? {
        switch object[key] {
        case nil, .null?:
            if required { fail(key, "is required") }
            return nil
        case .string(let value)?:
            if required && Blank.isBlank(value) {
                fail(key, "must not be empty")
                return nil
            }
            // Counting scalars walks the text: only a text with more bytes than the limit can be over it.
            if let maxLength, value.utf8.count > maxLength, value.unicodeScalars.count > maxLength {
                fail(key, "must be at most \(maxLength) characters, found \(value.unicodeScalars.count)")
                return nil
            }
            return value
        case let other?:
            fail(key, "must be a string, found \(other.typeDescription)")
            return nil
        }
    }

    mutating func object(_ key: String, required: Bool = false) -> [String: JSONValue]? {
        switch object[key] {
        case nil, .null?:
            if required { fail(key, "is required") }
            return nil
        case .object(let value)?:
            return value
        case let other?:
            fail(key, "must be an object, found \(other.typeDescription)")
            return nil
        }
    }

    mutating func array(_ key: String) -> [JSONValue]? {
        switch object[key] {
        case nil, .null?:
            return nil
        case .array(let value)?:
            return value
        case let other?:
            fail(key, "must be an array, found \(other.typeDescription)")
            return nil
        }
    }
}

/// The lengths Talkdesk's OpenAPI document gives Digital Connect's fields.
enum FieldLimits {
    /// `touchpoint_id`, `subject`, `contact_person.email`.
    static let name = 255
    /// A message's `content` (plain text), a previous message's too.
    static let content = 1600
    /// A previous message's `created_at`.
    static let createdAt = 35
}

extension NewConversation {
    /// Validates a Start a Conversation body.
    init(validating body: [String: JSONValue]) throws(DigitalConnectError) {
        var reader = FieldReader(body)
        let touchpointID = reader.string("touchpoint_id", required: true, maxLength: FieldLimits.name)
        var subject: String?
        if case .string(let text)? = body["subject"], text.isEmpty {
            reader.fail("subject", "must not be empty when given")
        } else {
            subject = reader.string("subject", maxLength: FieldLimits.name)
        }
        var contact: ContactPerson?
        if let person = reader.object("contact_person", required: true) {
            var personReader = FieldReader(person, prefix: "contact_person")
            let email = personReader.string("email", required: true, maxLength: FieldLimits.name)
            let name = personReader.string("name")
            if let email, !Blank.looksLikeEmail(email) {
                personReader.fail("email", "must be an email address, found '\(email)'")
            } else if let email {
                contact = ContactPerson(email: email, name: name)
            }
            reader.errors += personReader.errors
        }
        let context = reader.object("context_parameters") ?? [:]
        var previous: [PreviousMessage] = []
        for (index, item) in (reader.array("previous_messages") ?? []).enumerated() {
            let key = "previous_messages[\(index)]"
            guard let message = item.objectValue else {
                reader.fail(key, "must be an object, found \(item.typeDescription)")
                continue
            }
            var messageReader = FieldReader(message, prefix: reader.name(key))
            let type = messageReader.string("type", required: true)
            let kind = type.flatMap { PreviousMessage.Kind(rawValue: $0.lowercased()) }
            if let type, kind == nil { messageReader.fail("type", "must be user or external, found '\(type)'") }
            let content = messageReader.string("content", required: true, maxLength: FieldLimits.content)
            let createdAtText = messageReader.string("created_at", required: true, maxLength: FieldLimits.createdAt)
            let createdAt = createdAtText.flatMap { Self.isTimestamp($0) ? Timestamp.date(from: $0) : nil }
            if let createdAtText, createdAt == nil {
                messageReader.fail("created_at", "must be an ISO 8601 timestamp, found '\(createdAtText)'")
            }
            reader.errors += messageReader.errors
            if let kind, let content { previous.append(PreviousMessage(kind: kind, content: content, createdAt: createdAt)) }
        }
        guard reader.errors.isEmpty, let touchpointID, let contact else {
            throw .invalidBody("The request body has invalid fields", fields: reader.errors)
        }
        self.init(touchpointID: touchpointID, subject: subject, contactPerson: contact, contextParameters: context, previousMessages: previous)
    }

    /// ISO 8601 with a Z or an offset below 18 hours, optional fractional seconds (1 to 9 digits),
    /// fields in range: the pattern of openapi/talkdesk.yaml, checked by hand (a Swift `Regex` built per
    /// request cost two thirds of Start a Conversation's time).
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ at: Int, _ width: Int) -> Int? {
            guard at + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[at..<at + width] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ at: Int, _ expected: Character) -> Bool { at < bytes.count && bytes[at] == expected.asciiValue }
        guard number(0, 4) != nil, byte(4, "-"), let month = number(5, 2), (1...12).contains(month), byte(7, "-"),
            let day = number(8, 2), (1...31).contains(day), byte(10, "T"), let hour = number(11, 2), hour < 24, byte(13, ":"),
            let minute = number(14, 2), minute < 60, byte(16, ":"), let second = number(17, 2), second < 60
        else { return false }
        var at = 19
        if byte(at, ".") {
            at += 1
            let start = at
            while at < bytes.count, (48...57).contains(bytes[at]) { at += 1 }
            guard (1...9).contains(at - start) else { return false }
        }
        if byte(at, "Z") { return at + 1 == bytes.count }
        guard byte(at, "+") || byte(at, "-"), let offsetHours = number(at + 1, 2), offsetHours < 18, byte(at + 3, ":"),
            let offsetMinutes = number(at + 4, 2), offsetMinutes < 60
        else { return false }
        return at + 6 == bytes.count
    }

}

extension NewContactMessage {
    /// A size given as a string: ASCII digits (at most 18), spaces and tabs around them allowed.
    static func wholeNumber(_ text: String) -> Int64? {
        let digits = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        guard (1...18).contains(digits.utf8.count), digits.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(digits)
    }

    /// Validates a Send a Message body: at least one of a non-empty content and a non-empty attachments list.
    init(validating body: [String: JSONValue]) throws(DigitalConnectError) {
        var reader = FieldReader(body)
        let content = reader.string("content", maxLength: FieldLimits.content) ?? ""
        var attachments: [Attachment] = []
        for (index, item) in (reader.array("attachments") ?? []).enumerated() {
            let key = "attachments[\(index)]"
            guard let object = item.objectValue else {
                reader.fail(key, "must be an object, found \(item.typeDescription)")
                continue
            }
            var attachmentReader = FieldReader(object, prefix: reader.name(key))
            let id = attachmentReader.string("id", required: true)
            let name = attachmentReader.string("name", required: true)
            let type = attachmentReader.string("type", required: true)
            var size: Int64?
            switch object["size"] {
            case nil, .null?: attachmentReader.fail("size", "is required")
            case .number(let number)? where number >= 0 && number.rounded() == number && number <= 9e18: size = Int64(number)
            case .string(let text)? where Self.wholeNumber(text) != nil:
                size = Self.wholeNumber(text)
            case let other?:
                let found = other.stringValue.map { "'\($0)'" } ?? other.typeDescription
                attachmentReader.fail("size", "must be a whole number of bytes (a number or a numeric string), found \(found)")
            }
            reader.errors += attachmentReader.errors
            attachments.append(Attachment(id: id, name: name, type: type, size: size))
        }
        if reader.errors.isEmpty && content.isEmpty && attachments.isEmpty {
            reader.fail("content", "content or attachments must be given and not empty")
            reader.fail("attachments", "content or attachments must be given and not empty")
        }
        guard reader.errors.isEmpty else { throw .invalidBody("The request body has invalid fields", fields: reader.errors) }
        self.init(content: content, attachments: attachments)
    }
}
