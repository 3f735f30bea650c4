import Foundation

/// A `multipart/form-data` body (RFC 7578), as the OpenAI client uploads a
/// file: each part's name, its filename if it has one, and its bytes.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var content: ArraySlice<UInt8>
    }

    var parts: [Part] = []

    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary of a `multipart/form-data` Content-Type, or nil for any other type.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// Parses `body`; throws a 400 naming what is malformed.
    init(body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n".utf8) + delimiter
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw Self.malformed("no part starts with the boundary") }
        position += delimiter.count
        while true {
            // After a delimiter: `--` ends the body, CRLF starts a part.
            if body[position...].starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { return }
            guard body[position...].starts(with: [13, 10]) else { throw Self.malformed("a boundary is not followed by a line break") }
            position += 2
            guard let headEnd = Self.find([13, 10, 13, 10], in: body, from: position) else { throw Self.malformed("a part has no end of headers") }
            let head = String(decoding: body[position..<headEnd], as: UTF8.self)
            let contentStart = headEnd + 4
            guard let contentEnd = Self.find(separator, in: body, from: contentStart) else { throw Self.malformed("a part is not closed by the boundary") }
            var name: String?
            var filename: String?
            for line in head.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = Self.parameter("name", in: line)
                filename = Self.parameter("filename", in: line)
            }
            guard let name else { throw Self.malformed("a part has no Content-Disposition name") }
            parts.append(Part(name: name, filename: filename, content: body[contentStart..<contentEnd]))
            position = contentEnd + separator.count
        }
    }

    /// `name="value"` (or unquoted) from a Content-Disposition line.
    private static func parameter(_ name: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private static func malformed(_ what: String) -> APIError {
        APIError.invalid("The multipart/form-data body is malformed: \(what).", param: nil)
    }
}
