/// SentencePiece BPE as Llama-family GGUF files describe it: start from single
/// characters and keep merging the adjacent pair whose concatenation is the
/// vocabulary entry with the highest score; characters that end up in no token
/// are written as byte-fallback tokens <0xXX>.
struct SentencePieceModel: Sendable {
    /// Token text (UTF-8, spaces written as U+2581) -> id, for every token.
    let tokenIds: [[UInt8]: Int32]
    let scores: [Float]
    /// The <0xXX> token for each byte, or -1.
    let byteTokens: [Int32]
    let unknownId: Int32

    private struct Candidate: Comparable {
        let score: Float
        let left: Int32
        let right: Int32
        let size: Int32
        let merged: Int32
        // Highest score first; leftmost among equals.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }
    }

    /// Encodes already-escaped text (spaces replaced by U+2581).
    func encode(_ text: [UInt8], into out: inout [Int]) {
        guard !text.isEmpty else { return }
        // One symbol per UTF-8 character: start offset and length into `text`.
        var start: [Int32] = []
        var length: [Int32] = []
        var offset = 0
        while offset < text.count {
            let len = min(UTF8Validation.sequenceLength(lead: text[offset]), text.count - offset)
            start.append(Int32(offset))
            length.append(Int32(len))
            offset += len
        }
        let n = start.count
        var ids = (0..<n).map { tokenIds[Array(text[Int(start[$0])..<Int(start[$0] + length[$0])])] ?? -1 }
        var next = (0..<n).map { Int32($0 + 1) }
        var prev = (0..<n).map { Int32($0 - 1) }
        next[n - 1] = -1

        var heap = MinHeap<Candidate>()
        func consider(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0 else { return }
            let from = Int(start[Int(l)])
            let size = length[Int(l)] + length[Int(r)]
            guard let id = tokenIds[Array(text[from..<from + Int(size)])] else { return }
            heap.push(Candidate(score: scores[Int(id)], left: l, right: r, size: size, merged: id))
        }
        for i in 0..<n - 1 { consider(Int32(i), Int32(i + 1)) }

        while let c = heap.pop() {
            let l = Int(c.left), r = Int(c.right)
            // A stale candidate: one side has merged with something else since.
            guard length[l] > 0, length[r] > 0, length[l] + length[r] == c.size else { continue }
            length[l] = c.size
            length[r] = 0
            ids[l] = c.merged
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = Int32(l) }
            consider(prev[l], Int32(l))
            consider(Int32(l), next[l])
        }

        var i: Int32 = 0
        while i >= 0 {
            let id = ids[Int(i)]
            if id >= 0 {
                out.append(Int(id))
            } else {
                let from = Int(start[Int(i)])
                for b in text[from..<from + Int(length[Int(i)])] {
                    let t = byteTokens[Int(b)] >= 0 ? byteTokens[Int(b)] : unknownId
                    if t >= 0 { out.append(Int(t)) }
                }
            }
            i = next[Int(i)]
        }
    }

    /// Text as SentencePiece sees it: every space becomes U+2581.
    static func escape(_ text: some Sequence<UInt8>, prefixSpace: Bool) -> [UInt8] {
        var out: [UInt8] = []
        if prefixSpace { out += [0xE2, 0x96, 0x81] }
        for b in text {
            if b == 0x20 { out += [0xE2, 0x96, 0x81] } else { out.append(b) }
        }
        return out
    }

    /// Token text as output text: U+2581 back to spaces.
    static func unescape(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if i + 2 < text.count, text[i] == 0xE2, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    /// The byte a "<0xXX>" token stands for.
    static func byteValue(ofByteToken text: String) -> UInt8? {
        let u = Array(text.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E,
              let v = UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16) else { return nil }
        return v
    }
}
