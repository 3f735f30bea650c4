/// Turns a stream of token ids into text as it arrives, for streaming responses.
/// A character whose bytes span several tokens (an emoji written as byte tokens,
/// say) is held back until it is complete, so no partial character is ever
/// returned; the pieces returned by `append` and `flush` concatenate to exactly
/// what `Tokenizer.decode` gives for the whole sequence.
public struct IncrementalDecoder {
    public let tokenizer: Tokenizer
    public let skipSpecialTokens: Bool
    private var pending: [UInt8] = []
    private var atStart: Bool

    /// `continuesText`: as in `Tokenizer.decode`, the ids follow earlier text, so a
    /// SentencePiece leading space is kept.
    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = false, continuesText: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
        self.atStart = tokenizer.stripsLeadingSpace && !continuesText
    }

    /// The text that became complete with this token (often empty mid-character).
    public mutating func append(_ id: Int) -> String {
        guard tokenizer.isValid(id), !(skipSpecialTokens && tokenizer.isSpecial(id)) else { return "" }
        pending += tokenizer.tokenBytes(id)
        if atStart, !pending.isEmpty {
            if pending[0] == 0x20 { pending.removeFirst() }
            atStart = false
        }
        let keep = UTF8Validation.incompleteSuffixLength(pending)
        let ready = pending.count - keep
        guard ready > 0 else { return "" }
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// Whatever is still held back, with an unfinished character as U+FFFD.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }
}
