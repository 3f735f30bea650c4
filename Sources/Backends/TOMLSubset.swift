import Foundation

/// A value of the TOML subset BaseServe's configuration file uses.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])
    case table([String: TOMLValue])

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .bool: return "a boolean"
        case .array: return "a list"
        case .table: return "a table"
        }
    }
}

public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// A small TOML reader: enough for a list of models, and no more. It takes
/// `key = value` pairs, `[table]` and `[[array of tables]]` headers (a dotted
/// header such as `[model.capabilities]` goes into the last `[[model]]`),
/// `#` comments, and values that are basic or literal strings, integers,
/// floats, booleans, arrays (over several lines, trailing comma allowed) and
/// inline tables. Dates, multi-line strings and dotted keys are not supported,
/// and say so. Written by hand rather than pulling in a C++ TOML library for a
/// file of a few dozen lines.
public struct TOMLSubset {
    private var chars: [Character]
    private var i = 0
    private var line = 1

    public static func parse(_ text: String) throws -> [String: TOMLValue] {
        var parser = TOMLSubset(chars: Array(text))
        return try parser.document()
    }

    private init(chars: [Character]) { self.chars = chars }

    private func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

    private var atEnd: Bool { i >= chars.count }
    private var current: Character? { atEnd ? nil : chars[i] }

    private mutating func advance() {
        if chars[i] == "\n" { line += 1 }
        i += 1
    }

    /// Spaces and tabs; with `newlines`, also line ends and comments.
    private mutating func skipSpace(newlines: Bool = false) {
        while let c = current {
            if c == " " || c == "\t" || c == "\r" { advance() }
            else if c == "#" { while let d = current, d != "\n" { _ = d; advance() } }
            else if newlines && c == "\n" { advance() }
            else { break }
        }
    }

    /// After a value or header: nothing but a comment until the line ends.
    private mutating func endOfLine() throws {
        skipSpace()
        guard let c = current else { return }
        guard c == "\n" else { throw fail("unexpected \"\(c)\" after the value; one key = value per line") }
        advance()
    }

    private mutating func document() throws -> [String: TOMLValue] {
        var root: [String: TOMLValue] = [:]
        // Where `key = value` lines go now: a path of keys, and whether its head is an array of tables.
        var path: [String] = []
        var definedTables: Set<[String]> = []
        while true {
            skipSpace(newlines: true)
            guard let c = current else { break }
            if c == "[" {
                advance()
                let isArray = current == "["
                if isArray { advance() }
                skipSpace()
                var header = [try key()]
                skipSpace()
                while current == "." {
                    advance()
                    skipSpace()
                    header.append(try key())
                    skipSpace()
                }
                guard current == "]" else { throw fail("a table header must end with ]") }
                advance()
                if isArray {
                    guard current == "]" else { throw fail("an array-of-tables header must end with ]]") }
                    advance()
                }
                try endOfLine()
                if isArray {
                    try Self.appendTable(at: header, in: &root, line: line)
                    // A new element: its sub-tables may be defined afresh.
                    definedTables = definedTables.filter { !$0.starts(with: header) }
                } else {
                    guard definedTables.insert(header).inserted else {
                        throw fail("table [\(header.joined(separator: "."))] is defined twice")
                    }
                    try Self.update(at: header, in: &root, line: line) { _ in }
                }
                path = header
            } else {
                let k = try key()
                skipSpace()
                if current == "." { throw fail("dotted keys are not supported: use a [table] or an inline table") }
                guard current == "=" else { throw fail("expected = after the key \(k)") }
                advance()
                skipSpace()
                let v = try value()
                try endOfLine()
                let at = line
                try Self.update(at: path, in: &root, line: at) { table in
                    if table[k] != nil { throw TOMLError(line: at, message: "the key \(k) is set twice") }
                    table[k] = v
                }
            }
        }
        return root
    }

    /// Runs `body` on the table at `path`, creating tables on the way; an array
    /// of tables on the way means its last element.
    private static func update(at path: [String], in table: inout [String: TOMLValue], line: Int,
                               _ body: (inout [String: TOMLValue]) throws -> Void) throws {
        guard let head = path.first else { return try body(&table) }
        let rest = Array(path.dropFirst())
        switch table[head] {
        case nil:
            var inner: [String: TOMLValue] = [:]
            try update(at: rest, in: &inner, line: line, body)
            table[head] = .table(inner)
        case .table(var inner):
            try update(at: rest, in: &inner, line: line, body)
            table[head] = .table(inner)
        case .array(var items):
            guard case .table(var last)? = items.last else {
                throw TOMLError(line: line, message: "\(head) is a list of values, not of tables")
            }
            try update(at: rest, in: &last, line: line, body)
            items[items.count - 1] = .table(last)
            table[head] = .array(items)
        case let other?:
            throw TOMLError(line: line, message: "\(head) is \(other.typeName), not a table")
        }
    }

    private static func appendTable(at path: [String], in root: inout [String: TOMLValue], line: Int) throws {
        let last = path[path.count - 1]
        try update(at: Array(path.dropLast()), in: &root, line: line) { table in
            switch table[last] {
            case nil: table[last] = .array([.table([:])])
            case .array(var items) where items.allSatisfy({ if case .table = $0 { return true } else { return false } }):
                items.append(.table([:]))
                table[last] = .array(items)
            default: throw TOMLError(line: line, message: "\(last) is already a value, not a list of tables")
            }
        }
    }

    private mutating func key() throws -> String {
        if current == "\"" || current == "'" { return try string() }
        var k = ""
        while let c = current, c.isLetter || c.isNumber || c == "_" || c == "-" {
            k.append(c)
            advance()
        }
        guard !k.isEmpty else { throw fail("expected a key, found \(current.map { "\"\($0)\"" } ?? "the end of the file")") }
        return k
    }

    private mutating func value() throws -> TOMLValue {
        guard let c = current else { throw fail("expected a value, found the end of the file") }
        switch c {
        case "\"", "'": return .string(try string())
        case "[": return try array()
        case "{": return try inlineTable()
        default:
            var word = ""
            // Characters, not a string: in a string "\r\n" would be one character.
            while let d = current, ![" ", "\t", "\r", "\n", ",", "]", "}", "#"].contains(d) {
                word.append(d)
                advance()
            }
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            let digits = word.replacingOccurrences(of: "_", with: "")
            if let n = Int(digits) { return .integer(n) }
            if let x = Double(digits), digits.contains(where: { $0.isNumber }) { return .float(x) }
            throw fail(word.isEmpty ? "expected a value" : "\(word) is not a value (strings need quotes)")
        }
    }

    private mutating func string() throws -> String {
        let quote = current!
        advance()
        if current == quote, i + 1 < chars.count, chars[i + 1] == quote {
            throw fail("multi-line strings are not supported")
        }
        var s = ""
        while true {
            guard let c = current, c != "\n" else { throw fail("a string is not closed on its line") }
            advance()
            if c == quote { return s }
            if c == "\\" && quote == "\"" {
                guard let e = current else { throw fail("a string is not closed") }
                advance()
                switch e {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "r": s.append("\r")
                case "\\": s.append("\\")
                case "\"": s.append("\"")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    var hex = ""
                    for _ in 0..<count {
                        guard let h = current else { break }
                        hex.append(h)
                        advance()
                    }
                    guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw fail("\\\(e)\(hex) is not a Unicode escape")
                    }
                    s.unicodeScalars.append(scalar)
                default: throw fail("\\\(e) is not an escape TOML knows")
                }
            } else {
                s.append(c)
            }
        }
    }

    private mutating func array() throws -> TOMLValue {
        advance()
        var items: [TOMLValue] = []
        while true {
            skipSpace(newlines: true)
            if current == "]" { advance(); return .array(items) }
            items.append(try value())
            skipSpace(newlines: true)
            if current == "," { advance(); continue }
            guard current == "]" else { throw fail("expected , or ] in a list") }
        }
    }

    private mutating func inlineTable() throws -> TOMLValue {
        advance()
        var table: [String: TOMLValue] = [:]
        skipSpace()
        if current == "}" { advance(); return .table(table) }
        while true {
            skipSpace()
            let k = try key()
            skipSpace()
            guard current == "=" else { throw fail("expected = after the key \(k)") }
            advance()
            skipSpace()
            guard table[k] == nil else { throw fail("the key \(k) is set twice") }
            table[k] = try value()
            skipSpace()
            if current == "," { advance(); continue }
            guard current == "}" else { throw fail("expected , or } in an inline table (which must fit on one line)") }
            advance()
            return .table(table)
        }
    }
}
