/// Watches a choice's text for stop strings as it grows, as vLLM does: text that
/// could be the start of a stop string is held back until it is clear, and a
/// match ends the text there (keeping the stop string only when asked to).
/// Text is handled as Unicode scalars, so offsets agree with Python's `str`.
public struct StopStringMatcher: Sendable {
    public let stops: [[Unicode.Scalar]]
    public let includeStopString: Bool
    private var text: [Unicode.Scalar] = []
    /// Scalars already handed out.
    private var released = 0
    /// Stop strings are looked for only in text from here on (text before
    /// `min_tokens` were generated is never searched).
    private var searchFrom = 0
    private let longest: Int

    public init(stops: [String], includeStopString: Bool) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
        self.includeStopString = includeStopString
        longest = self.stops.map(\.count).max() ?? 0
    }

    /// Adds newly decoded text. `checking` is false while fewer than `min_tokens`
    /// tokens have been generated. Returns the text that is now safe to send and,
    /// when a stop string matched, which one (the choice then ends).
    public mutating func append(_ piece: String, checking: Bool = true) -> (text: String, stop: String?) {
        let before = text.count
        text.append(contentsOf: piece.unicodeScalars)
        guard longest > 0 else { return (release(upTo: text.count), nil) }
        guard checking else {
            searchFrom = text.count
            return (release(upTo: text.count), nil)
        }
        // A match may start up to `longest - 1` scalars before the new text.
        let start = max(searchFrom, before - longest + 1, 0)
        if let (position, stop) = firstMatch(from: start) {
            let end = includeStopString ? position + stop.count : position
            let out = release(upTo: max(end, released))
            text.removeSubrange(end...)
            return (out, String(String.UnicodeScalarView(stop)))
        }
        return (release(upTo: text.count - heldBack()), nil)
    }

    /// Whatever was held back, when the choice ends for another reason.
    public mutating func flush() -> String { release(upTo: text.count) }

    /// The first stop string, in the order given, found at or after `start`
    /// (vLLM checks them in list order), and where it starts.
    private func firstMatch(from start: Int) -> (Int, [Unicode.Scalar])? {
        for stop in stops where text.count - start >= stop.count {
            for position in start...(text.count - stop.count)
            where text[position..<(position + stop.count)].elementsEqual(stop) {
                return (position, stop)
            }
        }
        return nil
    }

    /// Length of the longest unreleased suffix that is a proper prefix of a stop string.
    private func heldBack() -> Int {
        let available = text.count - released
        var hold = 0
        for stop in stops {
            var k = min(stop.count - 1, available)
            while k > hold {
                if text[(text.count - k)...].elementsEqual(stop[..<k]) { hold = k; break }
                k -= 1
            }
        }
        return hold
    }

    private mutating func release(upTo end: Int) -> String {
        guard end > released else { return "" }
        let out = String(String.UnicodeScalarView(text[released..<end]))
        released = end
        return out
    }
}
