/// Splits a `text/event-stream` body into the `data` of its events as bytes
/// arrive, however the bytes are cut into chunks. Only `data:` lines matter to
/// OpenAI-style streams; other fields and comments are skipped.
struct ServerSentEventParser {
    private var line: [UInt8] = []
    private var data: [String] = []

    /// Adds bytes; returns the data of every event they complete.
    mutating func append(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// The last event when the stream ends without a blank line after it.
    mutating func finish() -> String? {
        if !line.isEmpty, let event = endLine() { return event }
        return endLine()
    }

    private mutating func endLine() -> String? {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard !data.isEmpty else { return nil }
            defer { data.removeAll() }
            return data.joined(separator: "\n")
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("data:") {
            var value = text.dropFirst(5)
            if value.first == " " { value = value.dropFirst() }
            data.append(String(value))
        }
        return nil
    }
}
