/// Reading a parsed `JSON` value without a field reader's errors: nil where the
/// value is of another kind. Numbers are read as loosely as another server's
/// answers need: an integer written as `1.0` or `1e2` is an integer, and an
/// integer is a number.
extension JSON {
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// An object's members, in order.
    public var members: [(String, JSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// An integer, also one written with a zero fraction; nil for a fraction, or a
    /// double too large to be an exact integer.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.isFinite, d == d.rounded(), abs(d) < 9e15 else { return nil }
            return Int(d)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// A list of integers; nil when any element is not one.
    public var intListValue: [Int]? {
        guard let items = arrayValue else { return nil }
        let ints = items.compactMap(\.intValue)
        return ints.count == items.count ? ints : nil
    }
}

extension JSON {
    /// A float as the decimal a person would write: 0.7 is sent as `0.7`, not
    /// as the `0.699999988079071` its widening to a double would print.
    public static func decimal(_ x: Float) -> JSON {
        .double(Double("\(x)") ?? Double(x))
    }

    public init(_ strings: [String]) { self = .array(strings.map { .string($0) }) }
    public init(_ ints: [Int]) { self = .array(ints.map { .int($0) }) }
}
