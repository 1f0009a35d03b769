public import Foundation

/// Any JSON value, kept as the client sent it (context parameters are "any JSON").
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name used in validation messages ("a string", "an object", ...).
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// The value `JSONSerialization` parsed (about seven times faster than decoding `JSONValue` with
    /// `JSONDecoder`, whose failed type probes each throw); nil for a type JSON does not have.
    public init?(serialized value: Any) {
        // Objects and strings first: each cast that fails on the way can bridge the value to Objective-C
        // (a dictionary tested for `NSNull` is first made an NSDictionary), which cost more than the parse.
        switch value {
        case let object as [String: Any]:
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(object.count)
            for (key, element) in object {
                guard let value = JSONValue(serialized: element) else { return nil }
                values[key] = value
            }
            self = .object(values)
        case let string as String:
            self = .string(string)
        case let number as NSNumber:
            // Foundation gives booleans as NSNumber too; their Objective-C type is "c" (char).
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                self = .number(number.doubleValue)
            }
        case let array as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(array.count)
            for element in array {
                guard let value = JSONValue(serialized: element) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case is NSNull:
            self = .null
        default:
            return nil
        }
    }
}

extension JSONValue {
    /// The member `key` of an object; nil for a missing key or a value that is no object.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// `data` read by `JSONReader`; nil when it is not JSON.
    public init?(parsing data: Data) {
        guard case .success(let value) = data.withUnsafeBytes(JSONReader.read) else { return nil }
        self = value
    }

    /// The value as compact JSON text (keys sorted), as `JSONCoding` writes it.
    public var jsonText: String { JSONCoding.text(self) }
}
