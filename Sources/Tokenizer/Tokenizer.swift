import GGUF

/// Text <-> token ids for a GGUF model, built from its `tokenizer.ggml.*`
/// metadata. Two families: byte-level BPE (`gpt2`: GPT-2, Llama 3, Qwen2,
/// SmolLM, StarCoder, DeepSeek) and SentencePiece BPE (`llama`: Llama 1/2,
/// Mistral). Results match llama.cpp and the models' Hugging Face tokenizers.
public final class Tokenizer: Sendable {
    /// Token types from `tokenizer.ggml.token_type`.
    enum TokenType: UInt8, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    enum Model: Sendable {
        case byteLevel(BPEMerges, PreTokenizer)
        case sentencePiece(SentencePieceModel)
    }

    let model: Model
    let types: [TokenType]
    /// What each token stands for, as bytes of output text.
    let pieces: [[UInt8]]
    let specials: SpecialTokenMatcher
    /// Byte-level only: the token of each single byte, or -1.
    let byteTokens: [Int32]
    /// Byte-level only, for `ignoreMerges`: normal tokens by the bytes they stand for.
    let tokensByBytes: [[UInt8]: Int32]
    let addSpacePrefix: Bool
    let addsEOS: Bool

    public let vocabularySize: Int
    public let bosTokenId: Int?
    public let eosTokenId: Int?
    /// Whether `encode` puts BOS first (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool
    /// `tokenizer.ggml.model`.
    public let modelName: String
    /// `tokenizer.ggml.pre` as used ("default" when absent); nil for SentencePiece.
    public let preTokenizerName: String?
    /// The most bytes of input text one token can stand for: the longest token
    /// as the vocabulary writes it. A token matches text in that spelling or a
    /// shorter one (a SentencePiece "▁", three bytes, stands for a one-byte
    /// space; a byte-level character, one or two bytes, for one byte; a byte
    /// token for one byte).
    public let longestTokenInputBytes: Int
    /// The bytes that have no token, which `encode` drops (as llama.cpp does):
    /// they stand for no token at all.
    let droppedBytes: [Bool]

    public convenience init(gguf: GGUFFile) throws {
        try self.init(metadata: gguf.metadata)
    }

    public init(metadata: GGUFMetadata) throws {
        let modelKey = "tokenizer.ggml.model"
        guard let modelName = metadata.string(modelKey) else {
            throw TokenizerError.missing(modelKey, "the file has no tokenizer (or is not a language model)")
        }
        self.modelName = modelName
        let tokensKey = "tokenizer.ggml.tokens"
        guard metadata[tokensKey] != nil else {
            throw TokenizerError.missing(tokensKey, "the file has no vocabulary")
        }
        guard let tokens = metadata.strings(tokensKey) else {
            throw TokenizerError.invalid(tokensKey, "expected an array of strings")
        }
        guard !tokens.isEmpty else { throw TokenizerError.invalid(tokensKey, "the vocabulary is empty") }
        let n = tokens.count
        vocabularySize = n

        let typeKey = "tokenizer.ggml.token_type"
        var types = [TokenType](repeating: .normal, count: n)
        if metadata[typeKey] != nil {
            guard let raw = metadata.ints(typeKey) else { throw TokenizerError.invalid(typeKey, "expected an array of integers") }
            guard raw.count == n else {
                throw TokenizerError.invalid(typeKey, "it has \(raw.count) entries for \(n) tokens")
            }
            for (i, t) in raw.enumerated() {
                guard let type = TokenType(rawValue: UInt8(clamping: t)), t >= 0 else {
                    throw TokenizerError.invalid(typeKey, "token \(i) has unknown type \(t)")
                }
                types[i] = type
            }
        }
        self.types = types

        func tokenId(_ key: String) throws -> Int? {
            guard metadata[key] != nil else { return nil }
            guard let id = metadata.int(key), id >= 0, id < n else {
                throw TokenizerError.invalid(key, "\(metadata[key].map { "\($0)" } ?? "") is not a token id below \(n)")
            }
            return id
        }
        bosTokenId = try tokenId("tokenizer.ggml.bos_token_id")
        eosTokenId = try tokenId("tokenizer.ggml.eos_token_id")
        let unknownId = try tokenId("tokenizer.ggml.unknown_token_id")

        var specials = SpecialTokenMatcher()
        for (i, type) in types.enumerated() where type == .control || type == .userDefined || type == .unknown {
            guard !tokens[i].isEmpty else { continue }
            specials.insert(tokens[i], token: i, always: type == .userDefined)
        }
        self.specials = specials

        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(n)
        switch modelName {
        case "gpt2":
            let preKey = "tokenizer.ggml.pre"
            let preName = metadata.string(preKey)
            guard let pre = PreTokenizer(name: preName) else {
                throw TokenizerError(.unsupportedPreTokenizer,
                    "pre-tokenizer \"\(preName ?? "")\" (\(preKey)) is not supported; supported: \(PreTokenizer.supportedNames.joined(separator: ", "))")
            }
            preTokenizerName = pre.name
            let mergesKey = "tokenizer.ggml.merges"
            guard metadata[mergesKey] != nil else { throw TokenizerError.missing(mergesKey, "byte-level BPE needs its merges") }
            guard let merges = metadata.strings(mergesKey) else { throw TokenizerError.invalid(mergesKey, "expected an array of strings") }

            var ids: [[UInt8]: Int32] = [:]
            ids.reserveCapacity(n)
            for (i, t) in tokens.enumerated() {
                let key = Array(t.utf8)
                if ids[key] == nil { ids[key] = Int32(i) }
            }
            var byteTokens = [Int32](repeating: -1, count: 256)
            for b in 0..<256 {
                var s = ""
                s.unicodeScalars.append(Unicode.Scalar(ByteLevel.byteToScalar[b])!)
                byteTokens[b] = ids[Array(s.utf8)] ?? -1
            }
            self.byteTokens = byteTokens
            droppedBytes = byteTokens.map { $0 < 0 }
            var byBytes: [[UInt8]: Int32] = [:]
            for (i, t) in tokens.enumerated() {
                let bytes: [UInt8]
                switch types[i] {
                case .control, .userDefined:
                    // Added tokens are stored as plain text, not in the byte alphabet.
                    bytes = Array(t.utf8)
                default:
                    bytes = ByteLevel.decode(t) ?? Array(t.utf8)
                    if pre.ignoreMerges, types[i] == .normal, byBytes[bytes] == nil { byBytes[bytes] = Int32(i) }
                }
                pieces.append(bytes)
            }
            tokensByBytes = byBytes
            model = .byteLevel(try BPEMerges(merges: merges, tokenIds: ids), pre)
            addsBOS = metadata.bool("tokenizer.ggml.add_bos_token") ?? false
            addSpacePrefix = metadata.bool("tokenizer.ggml.add_space_prefix") ?? false

        case "llama":
            preTokenizerName = nil
            let scoresKey = "tokenizer.ggml.scores"
            var scores = [Float](repeating: 0, count: n)
            if metadata[scoresKey] != nil {
                guard let s = metadata.floats(scoresKey) else { throw TokenizerError.invalid(scoresKey, "expected an array of numbers") }
                guard s.count == n else { throw TokenizerError.invalid(scoresKey, "it has \(s.count) entries for \(n) tokens") }
                scores = s
            }
            var ids: [[UInt8]: Int32] = [:]
            ids.reserveCapacity(n)
            var byteTokens = [Int32](repeating: -1, count: 256)
            for (i, t) in tokens.enumerated() {
                let key = Array(t.utf8)
                if ids[key] == nil { ids[key] = Int32(i) }
                switch types[i] {
                case .byte:
                    if let b = SentencePieceModel.byteValue(ofByteToken: t) {
                        if byteTokens[Int(b)] < 0 { byteTokens[Int(b)] = Int32(i) }
                        pieces.append([b])
                    } else {
                        pieces.append(key)
                    }
                case .normal, .unused:
                    pieces.append(SentencePieceModel.unescape(key))
                default:
                    pieces.append(key)
                }
            }
            // A byte missing from the <0xXX> tokens falls back to the one-character
            // token for that byte, as llama.cpp does.
            for b in 0..<128 where byteTokens[b] < 0 {
                byteTokens[b] = ids[[UInt8(b)]] ?? -1
            }
            self.byteTokens = []
            // Bytes of text outside the vocabulary become byte tokens, else the unknown token.
            droppedBytes = unknownId != nil ? [Bool](repeating: false, count: 256) : byteTokens.map { $0 < 0 }
            tokensByBytes = [:]
            model = .sentencePiece(SentencePieceModel(tokenIds: ids, scores: scores, byteTokens: byteTokens, unknownId: Int32(unknownId ?? -1)))
            addsBOS = metadata.bool("tokenizer.ggml.add_bos_token") ?? true
            addSpacePrefix = metadata.bool("tokenizer.ggml.add_space_prefix") ?? true

        default:
            throw TokenizerError(.unsupportedModel,
                "tokenizer model \"\(modelName)\" (\(modelKey)) is not supported; supported: gpt2 (byte-level BPE), llama (SentencePiece BPE)")
        }
        self.pieces = pieces
        longestTokenInputBytes = max(1, tokens.reduce(0) { max($0, $1.utf8.count) })
        addsEOS = metadata.bool("tokenizer.ggml.add_eos_token") ?? false
        if addsBOS, bosTokenId == nil {
            throw TokenizerError.missing("tokenizer.ggml.bos_token_id", "tokenizer.ggml.add_bos_token asks for a BOS token")
        }
    }

    /// The fewest tokens `encode` can give `text` (BOS, EOS and the space
    /// SentencePiece puts first only add to them), found in one pass over its
    /// bytes rather than by encoding it: no token stands for more than
    /// `longestTokenInputBytes` bytes, and a byte without a token stands for none.
    public func fewestTokens(_ text: String) -> Int {
        var counted = 0
        for b in text.utf8 where !droppedBytes[Int(b)] { counted += 1 }
        return (counted + longestTokenInputBytes - 1) / longestTokenInputBytes
    }

    // MARK: Encoding

    /// Token ids for `text`. `addSpecialTokens` puts BOS first when the model asks
    /// for it (and EOS last when `tokenizer.ggml.add_eos_token` does);
    /// `parseSpecial` lets control tokens written in the text, such as
    /// "<|im_start|>", stand for themselves.
    public func encode(_ text: String, addSpecialTokens: Bool = true, parseSpecial: Bool = true) -> [Int] {
        var out: [Int] = []
        if addSpecialTokens, addsBOS, let bos = bosTokenId { out.append(bos) }
        let scalars = text.unicodeScalars.map(\.value)
        scalars.withUnsafeBufferPointer { s in
            let fragments = specials.partition(s, parseSpecial: parseSpecial)
            switch model {
            case .byteLevel(let merges, let pre):
                encodeByteLevel(s, fragments, merges, pre, &out)
            case .sentencePiece(let spm):
                encodeSentencePiece(s, fragments, spm, &out)
            }
        }
        if addSpecialTokens, addsEOS, let eos = eosTokenId { out.append(eos) }
        return out
    }

    private func encodeByteLevel(
        _ s: UnsafeBufferPointer<UInt32>, _ fragments: [SpecialTokenMatcher.Fragment],
        _ merges: BPEMerges, _ pre: PreTokenizer, _ out: inout [Int]
    ) {
        // Prompts repeat words a lot; remembering each piece's tokens for the length
        // of one call keeps the cache free of locks and of unbounded growth.
        var cache: [[UInt8]: [Int32]] = [:]
        var pieces: [Range<Int>] = []
        var bytes: [UInt8] = []
        var symbols: [Int32] = []
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                out.append(id)
            case .text(let range):
                pieces.removeAll(keepingCapacity: true)
                pre.split(s, range, into: &pieces)
                for piece in pieces {
                    bytes.removeAll(keepingCapacity: true)
                    for i in piece { Self.appendUTF8(s[i], to: &bytes) }
                    if let cached = cache[bytes] {
                        for id in cached { out.append(Int(id)) }
                        continue
                    }
                    if pre.ignoreMerges, let whole = tokensByBytes[bytes] {
                        out.append(Int(whole))
                        cache[bytes] = [whole]
                        continue
                    }
                    symbols.removeAll(keepingCapacity: true)
                    for b in bytes {
                        // A vocabulary without a token for some byte drops it, as llama.cpp does.
                        let t = byteTokens[Int(b)]
                        if t >= 0 { symbols.append(t) }
                    }
                    merges.apply(&symbols)
                    for id in symbols { out.append(Int(id)) }
                    cache[bytes] = symbols
                }
            }
        }
    }

    private func encodeSentencePiece(
        _ s: UnsafeBufferPointer<UInt32>, _ fragments: [SpecialTokenMatcher.Fragment],
        _ spm: SentencePieceModel, _ out: inout [Int]
    ) {
        // Text after a special token starts a new "sentence" and gets its own
        // leading space, as in llama.cpp.
        var previousWasSpecial = true
        var bytes: [UInt8] = []
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                out.append(id)
                previousWasSpecial = true
            case .text(let range):
                bytes.removeAll(keepingCapacity: true)
                for i in range { Self.appendUTF8(s[i], to: &bytes) }
                spm.encode(SentencePieceModel.escape(bytes, prefixSpace: addSpacePrefix && previousWasSpecial), into: &out)
                previousWasSpecial = false
            }
        }
    }

    @inline(__always)
    static func appendUTF8(_ v: UInt32, to bytes: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            bytes.append(UInt8(v))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | v >> 6))
            bytes.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | v >> 12))
            bytes.append(UInt8(0x80 | (v >> 6) & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | v >> 18))
            bytes.append(UInt8(0x80 | (v >> 12) & 0x3F))
            bytes.append(UInt8(0x80 | (v >> 6) & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        }
    }

    // MARK: Decoding

    public func isValid(_ id: Int) -> Bool { id >= 0 && id < vocabularySize }

    /// Control tokens (BOS, EOS, "<|im_start|>", ...) and the unknown token: what
    /// `skipSpecialTokens` leaves out. User-defined tokens are ordinary text.
    public func isSpecial(_ id: Int) -> Bool {
        guard isValid(id) else { return false }
        return types[id] == .control || types[id] == .unknown
    }

    /// The bytes the token stands for (for SentencePiece, U+2581 already turned
    /// back into a space). Empty for an invalid id.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        isValid(id) ? pieces[id] : []
    }

    /// Whether decoding drops one leading space from the text, as SentencePiece's
    /// decoder does to undo the space `encode` puts in front.
    var stripsLeadingSpace: Bool {
        if case .sentencePiece = model { return addSpacePrefix }
        return false
    }

    /// The text of a whole sequence; invalid ids are ignored and bytes that are
    /// not valid UTF-8 become U+FFFD. `continuesText` says the ids follow earlier
    /// text (a continuation after a prompt), so a SentencePiece leading space is
    /// kept rather than treated as the space `encode` added.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false, continuesText: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where isValid(id) {
            if skipSpecialTokens, isSpecial(id) { continue }
            bytes += pieces[id]
        }
        if !continuesText, stripsLeadingSpace, bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The token decoded on its own, as Hugging Face's `decode([id])` gives it:
    /// bytes that are not valid UTF-8 alone become U+FFFD.
    public func tokenText(_ id: Int) -> String {
        decode([id])
    }
}
