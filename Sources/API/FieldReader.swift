import Backends
import JSONValue

/// Reads typed fields out of a JSON request body, with a 400 naming the field
/// when one has the wrong type or is out of range. `null` reads as absent.
/// Every field of the body must be one `fields` honours: an unknown or
/// unsupported one is refused before any is read.
struct FieldReader {
    let members: JSON

    init(body: JSON, fields: RequestFields) throws {
        guard case .object = body else {
            throw APIError.invalid("The request body must be a JSON object, got \(body.typeName).", param: nil)
        }
        try fields.check(body)
        members = body
    }

    func value(_ name: String) -> JSON? {
        guard let v = members[name], v != .null else { return nil }
        return v
    }

    func typeError(_ name: String, _ expected: String, _ got: JSON) -> APIError {
        .invalid("`\(name)` must be \(expected), got \(got.typeName).", param: name)
    }

    func int(_ name: String, in range: ClosedRange<Int>? = nil, rangeText: String? = nil) throws -> Int? {
        guard let v = value(name) else { return nil }
        guard case .int(let x) = v else { throw typeError(name, "an integer", v) }
        if let range, !range.contains(x) {
            throw APIError.invalid("`\(name)` must be \(rangeText ?? "between \(range.lowerBound) and \(range.upperBound)"), got \(x).", param: name)
        }
        return x
    }

    func number(_ name: String, in range: ClosedRange<Double>? = nil, rangeText: String? = nil) throws -> Double? {
        guard let v = value(name) else { return nil }
        let x: Double
        switch v {
        case .int(let i): x = Double(i)
        case .double(let d): x = d
        default: throw typeError(name, "a number", v)
        }
        if let range, !range.contains(x) {
            throw APIError.invalid("`\(name)` must be \(rangeText ?? "between \(range.lowerBound) and \(range.upperBound)"), got \(x).", param: name)
        }
        return x
    }

    func bool(_ name: String) throws -> Bool? {
        guard let v = value(name) else { return nil }
        guard case .bool(let b) = v else { throw typeError(name, "a boolean", v) }
        return b
    }

    func string(_ name: String) throws -> String? {
        guard let v = value(name) else { return nil }
        guard case .string(let s) = v else { throw typeError(name, "a string", v) }
        return s
    }

    func intList(_ name: String) throws -> [Int]? {
        guard let v = value(name) else { return nil }
        guard case .array(let items) = v else { throw typeError(name, "a list of integers", v) }
        return try items.map { item in
            guard case .int(let x) = item else { throw typeError(name, "a list of integers", item) }
            return x
        }
    }

    func stringList(_ name: String) throws -> [String]? {
        guard let v = value(name) else { return nil }
        guard case .array(let items) = v else { throw typeError(name, "a list of strings", v) }
        return try items.map { item in
            guard case .string(let s) = item else { throw typeError(name, "a list of strings", item) }
            return s
        }
    }

    /// A string or a list of strings.
    func stringOrList(_ name: String) throws -> [String]? {
        guard let v = value(name) else { return nil }
        if case .string(let s) = v { return [s] }
        guard case .array = v else { throw typeError(name, "a string or a list of strings", v) }
        return try stringList(name)
    }

    /// A prompt in any of its four forms: a string, a list of strings, a list of
    /// token ids, or a list of lists of token ids.
    func prompts(_ name: String) throws -> [PromptInput]? {
        guard let v = value(name) else { return nil }
        let expected = "a string, a list of strings, a list of token ids or a list of lists of token ids"
        switch v {
        case .string(let s): return [.text(s)]
        case .array(let items):
            guard !items.isEmpty else { throw APIError.invalid("`\(name)` must not be an empty list.", param: name) }
            if items.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                return [.tokens(items.map { if case .int(let x) = $0 { return x } else { return 0 } })]
            }
            return try items.map { item in
                switch item {
                case .string(let s): return .text(s)
                case .array(let ids):
                    return .tokens(try ids.map { id in
                        guard case .int(let x) = id else { throw typeError(name, expected, v) }
                        return x
                    })
                default: throw typeError(name, expected, v)
                }
            }
        default: throw typeError(name, expected, v)
        }
    }
}
