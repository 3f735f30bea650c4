/// Splits text into the pieces BPE runs on, by the rules `tokenizer.ggml.pre`
/// names. Each rule is a hand-written matcher for the regex the model's Hugging
/// Face tokenizer uses; stages apply in order, each to every piece the previous
/// one produced, and text a stage does not match stays a piece of its own (the
/// "Isolated" split behaviour).
struct PreTokenizer: Sendable {
    enum Stage: Sendable {
        /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
        case gpt2
        /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}|
        ///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
        case llama3(maxDigits: Int)
        /// \p{N}: every digit alone.
        case isolateDigits
        /// \p{N}+
        case digitRuns
        /// [\r\n]
        case isolateNewlines
        /// \s?[set]+
        case optionalSpaceThenRun(ScalarSet)
        /// [set]+
        case run(ScalarSet)
        /// \s+$
        case trailingWhitespace
    }

    let name: String
    let stages: [Stage]
    /// Llama 3's tokenizer emits a piece that is itself a vocabulary entry as that
    /// one token, without running the merges.
    let ignoreMerges: Bool

    /// The rules for a `tokenizer.ggml.pre` value, or nil if it is not supported.
    init?(name: String?) {
        let name = name ?? "default"
        self.name = name
        switch name {
        case "default", "gpt-2", "gpt2", "phi-2", "olmo", "mpt", "jais":
            stages = [.gpt2]
            ignoreMerges = false
        case "llama3", "llama-v3", "llama-bpe", "falcon3":
            stages = [.llama3(maxDigits: 3)]
            ignoreMerges = true
        case "qwen2", "stablelm2", "deepseek-r1-qwen":
            stages = [.llama3(maxDigits: 1)]
            ignoreMerges = false
        case "starcoder", "smollm", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            stages = [.isolateDigits, .gpt2]
            ignoreMerges = false
        case "deepseek-llm":
            stages = [
                .isolateNewlines,
                .optionalSpaceThenRun(.deepseekCasedLetters),
                .optionalSpaceThenRun(.deepseekPunctuation),
                .trailingWhitespace,
                .run(.deepseekCJK),
                .digitRuns,
            ]
            ignoreMerges = false
        default:
            return nil
        }
    }

    static let supportedNames = [
        "default", "gpt-2", "phi-2", "olmo", "mpt", "jais", "llama3", "llama-v3", "llama-bpe", "falcon3",
        "qwen2", "stablelm2", "deepseek-r1-qwen", "starcoder", "smollm", "refact", "command-r",
        "codeshell", "exaone", "minerva-7b", "deepseek-llm",
    ]

    /// Appends the pieces of `s[range]` to `out`.
    func split(_ s: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, into out: inout [Range<Int>]) {
        apply(stage: 0, s, range, &out)
    }

    private func apply(stage k: Int, _ s: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, _ out: inout [Range<Int>]) {
        guard !range.isEmpty else { return }
        if k == stages.count {
            out.append(range)
            return
        }
        if k == stages.count - 1 {
            Self.run(stages[k], s, range.lowerBound, range.upperBound) { out.append($0) }
            return
        }
        var pieces: [Range<Int>] = []
        Self.run(stages[k], s, range.lowerBound, range.upperBound) { pieces.append($0) }
        for piece in pieces { apply(stage: k + 1, s, piece, &out) }
    }

    private static func run(_ stage: Stage, _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ emit: (Range<Int>) -> Void) {
        switch stage {
        case .gpt2: splitGPT2(s, lo, hi, emit)
        case .llama3(let maxDigits): splitLlama3(s, lo, hi, maxDigits: maxDigits, emit)
        case .isolateDigits:
            isolate(s, lo, hi, emit) { s, i, hi in isNumber(s, i, hi) ? i + 1 : nil }
        case .digitRuns:
            isolate(s, lo, hi, emit) { s, i, hi in
                guard isNumber(s, i, hi) else { return nil }
                var e = i
                while isNumber(s, e, hi) { e += 1 }
                return e
            }
        case .isolateNewlines:
            isolate(s, lo, hi, emit) { s, i, _ in s[i] == 0x0A || s[i] == 0x0D ? i + 1 : nil }
        case .optionalSpaceThenRun(let set):
            isolate(s, lo, hi, emit) { s, i, hi in
                var start = i
                // \s? is greedy: it takes the whitespace when the run can follow it.
                if isWhitespace(s, i, hi), i + 1 < hi, set.contains(s[i + 1]) {
                    start = i + 1
                } else if !set.contains(s[i]) {
                    return nil
                }
                var e = start
                while e < hi, set.contains(s[e]) { e += 1 }
                return e
            }
        case .run(let set):
            isolate(s, lo, hi, emit) { s, i, hi in
                guard set.contains(s[i]) else { return nil }
                var e = i
                while e < hi, set.contains(s[e]) { e += 1 }
                return e
            }
        case .trailingWhitespace:
            var start = hi
            while start > lo, isWhitespace(s, start - 1, hi) { start -= 1 }
            if start > lo { emit(lo..<start) }
            if start < hi { emit(start..<hi) }
        }
    }

    /// Find-all of a pattern that `match` tests at one position (returning the end
    /// of a non-empty match); matches and the text between them both become pieces.
    private static func isolate(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ emit: (Range<Int>) -> Void,
        _ match: (UnsafeBufferPointer<UInt32>, Int, Int) -> Int?
    ) {
        var gap = lo
        var i = lo
        while i < hi {
            if let e = match(s, i, hi), e > i {
                if gap < i { emit(gap..<i) }
                emit(i..<e)
                i = e
                gap = e
            } else {
                i += 1
            }
        }
        if gap < hi { emit(gap..<hi) }
    }

    // Out-of-range positions belong to no class, so the lookahead tests below
    // fail at the end of the piece exactly as the regexes' do.
    @inline(__always) private static func isLetter(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ hi: Int) -> Bool {
        i < hi && CharacterClass.flags(s[i]) & CharacterClass.letter != 0
    }
    @inline(__always) private static func isNumber(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ hi: Int) -> Bool {
        i < hi && CharacterClass.flags(s[i]) & CharacterClass.number != 0
    }
    @inline(__always) private static func isWhitespace(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ hi: Int) -> Bool {
        i < hi && CharacterClass.flags(s[i]) & CharacterClass.whitespace != 0
    }
    /// [^\s\p{L}\p{N}]
    @inline(__always) private static func isOther(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ hi: Int) -> Bool {
        i < hi && CharacterClass.flags(s[i]) == 0
    }
    @inline(__always) private static func isNewline(_ v: UInt32) -> Bool { v == 0x0A || v == 0x0D }

    /// Length of a contraction ('s 't 're 've 'm 'll 'd) at `i`, or 0.
    @inline(__always)
    private static func contraction(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ hi: Int, caseInsensitive: Bool) -> Int {
        guard s[i] == 0x27, i + 1 < hi else { return 0 }
        func fold(_ v: UInt32) -> UInt32 { caseInsensitive && v >= 0x41 && v <= 0x5A ? v + 0x20 : v }
        let a = fold(s[i + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 } // s t m d
        guard i + 2 < hi else { return 0 }
        let b = fold(s[i + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 } // re ve ll
        return 0
    }

    /// Whitespace handling shared by both regex families once nothing else
    /// matched at `pos`: \s+(?!\S) leaves the run's last character for the next
    /// piece when something other than whitespace follows; otherwise \s+ takes all.
    @inline(__always)
    private static func whitespaceEnd(_ s: UnsafeBufferPointer<UInt32>, _ pos: Int, _ hi: Int) -> Int {
        var e = pos
        while isWhitespace(s, e, hi) { e += 1 }
        let n = e - pos
        if n > 1 && e < hi { return e - 1 }
        return n > 0 ? e : pos + 1
    }

    private static func splitGPT2(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ emit: (Range<Int>) -> Void) {
        var pos = lo
        while pos < hi {
            let c = contraction(s, pos, hi, caseInsensitive: false)
            if c > 0 {
                emit(pos..<pos + c)
                pos += c
                continue
            }
            // " ?" before a letter, number or other run: a space is none of those,
            // so looking one past it is the same as trying the optional space first.
            let p = s[pos] == 0x20 ? pos + 1 : pos
            var e = p
            if isLetter(s, p, hi) {
                while isLetter(s, e, hi) { e += 1 }
            } else if isNumber(s, p, hi) {
                while isNumber(s, e, hi) { e += 1 }
            } else if isOther(s, p, hi) {
                while isOther(s, e, hi) { e += 1 }
            } else {
                e = whitespaceEnd(s, pos, hi)
            }
            emit(pos..<e)
            pos = e
        }
    }

    private static func splitLlama3(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, maxDigits: Int, _ emit: (Range<Int>) -> Void) {
        var pos = lo
        while pos < hi {
            let c = contraction(s, pos, hi, caseInsensitive: true)
            if c > 0 {
                emit(pos..<pos + c)
                pos += c
                continue
            }
            let v = s[pos]
            var e = pos
            if isLetter(s, pos, hi) {
                // [^\r\n\p{L}\p{N}]?\p{L}+ with the optional character absent.
                while isLetter(s, e, hi) { e += 1 }
            } else if !isNewline(v), !isNumber(s, pos, hi), isLetter(s, pos + 1, hi) {
                // ... with one non-letter, non-digit, non-newline character first.
                e = pos + 1
                while isLetter(s, e, hi) { e += 1 }
            } else if isNumber(s, pos, hi) {
                while isNumber(s, e, hi), e - pos < maxDigits { e += 1 }
            } else if isOther(s, v == 0x20 ? pos + 1 : pos, hi) {
                //  ?[^\s\p{L}\p{N}]+[\r\n]*
                e = v == 0x20 ? pos + 1 : pos
                while isOther(s, e, hi) { e += 1 }
                while e < hi, isNewline(s[e]) { e += 1 }
            } else {
                // \s*[\r\n]+ ends at the run's last newline, if the run has one.
                var lastNewline = -1
                var r = pos
                while isWhitespace(s, r, hi) {
                    if isNewline(s[r]) { lastNewline = r }
                    r += 1
                }
                e = lastNewline >= 0 ? lastNewline + 1 : whitespaceEnd(s, pos, hi)
            }
            emit(pos..<e)
            pos = e
        }
    }
}

/// A set of scalars given as closed ranges, for the character classes that
/// DeepSeek's pre-tokenizer spells out literally.
struct ScalarSet: Sendable {
    private let ranges: [ClosedRange<UInt32>]
    private let ascii: [Bool]

    init(_ ranges: [ClosedRange<UInt32>]) {
        self.ranges = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var ascii = [Bool](repeating: false, count: 128)
        for r in ranges where r.lowerBound < 128 {
            for v in r.lowerBound...min(r.upperBound, 127) { ascii[Int(v)] = true }
        }
        self.ascii = ascii
    }

    @inline(__always)
    func contains(_ v: UInt32) -> Bool {
        if v < 128 { return ascii[Int(v)] }
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(v)
    }

    /// DeepSeek LLM's letter class: the cased letters of the Unicode version its
    /// tokenizer was made with, as listed in its tokenizer.json. Written as code
    /// points because several of its characters (U+1F7D, U+2126, U+212A, ...) have
    /// canonical equivalents that text tools silently substitute.
    static let deepseekCasedLetters = ScalarSet([
        0x41...0x5A, 0x61...0x7A, 0xB5...0xB5, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x1BA, 0x1BC...0x1BF,
        0x1C4...0x293, 0x295...0x2AF, 0x370...0x373, 0x376...0x377, 0x37B...0x37D, 0x37F...0x37F,
        0x386...0x386, 0x388...0x38A, 0x38C...0x38C, 0x38E...0x3A1, 0x3A3...0x3F5, 0x3F7...0x481,
        0x48A...0x52F, 0x531...0x556, 0x10A0...0x10C5, 0x13A0...0x13F5, 0x13F8...0x13FD,
        0x1C90...0x1CBA, 0x1CBD...0x1CBF, 0x1D00...0x1D2B, 0x1D6B...0x1D77, 0x1D79...0x1D9A,
        0x1E00...0x1F15, 0x1F18...0x1F1D, 0x1F20...0x1F45, 0x1F48...0x1F4D, 0x1F50...0x1F57,
        0x1F59...0x1F59, 0x1F5B...0x1F5B, 0x1F5D...0x1F5D, 0x1F5F...0x1F7D, 0x1F80...0x1FB4,
        0x1FB6...0x1FBC, 0x1FBE...0x1FBE, 0x1FC2...0x1FC4, 0x1FC6...0x1FCC, 0x1FD0...0x1FD3,
        0x1FD6...0x1FDB, 0x1FE0...0x1FEC, 0x1FF2...0x1FF4, 0x1FF6...0x1FFC, 0x2102...0x2102,
        0x2107...0x2107, 0x210A...0x2113, 0x2115...0x2115, 0x2119...0x211D, 0x2124...0x2124,
        0x2126...0x2126, 0x2128...0x2128, 0x212A...0x212D, 0x212F...0x2134, 0x2139...0x2139,
        0x213C...0x213F, 0x2145...0x2149, 0x214E...0x214E, 0x2183...0x2184, 0x2C00...0x2C7B,
        0x2C7E...0x2CE4, 0x2CEB...0x2CEE, 0x2CF2...0x2CF3, 0xA640...0xA66D, 0xA680...0xA69B,
        0xA722...0xA76F, 0xA771...0xA787, 0xA78B...0xA78E, 0xAB70...0xABBF, 0xFB00...0xFB06,
        0xFB13...0xFB17, 0xFF21...0xFF3A, 0xFF41...0xFF5A, 0x10400...0x1044F, 0x104B0...0x104D3,
        0x104D8...0x104FB, 0x10C80...0x10CB2, 0x10CC0...0x10CF2, 0x118A0...0x118DF, 0x1E900...0x1E943,
    ])

    /// [!-/:-~！-／：-～‘-‟　-。]
    static let deepseekPunctuation = ScalarSet([
        0x21...0x2F, 0x3A...0x7E, 0xFF01...0xFF0F, 0xFF1A...0xFF5E, 0x2018...0x201F, 0x3000...0x3002,
    ])

    /// [一-龥ࠀ-一가-퟿]
    static let deepseekCJK = ScalarSet([0x4E00...0x9FA5, 0x0800...0x4E00, 0xAC00...0xD7FF])
}
