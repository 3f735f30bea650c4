/// Finds control and user-defined tokens written in the text, so that
/// "<|im_start|>" becomes one token instead of being pre-tokenized as "<", "|", ...
/// At each position the longest token wins (leftmost-longest, as Hugging Face's
/// added-vocabulary matcher does).
struct SpecialTokenMatcher: Sendable {
    private struct Node: Sendable {
        var children: [UInt32: Int32] = [:]
        var token: Int32 = -1
        /// User-defined tokens are matched even when special-token parsing is off,
        /// as llama.cpp does: they are ordinary text the vocabulary added.
        var always = false
    }

    private var nodes: [Node] = [Node()]
    private var firstScalarsASCII = [Bool](repeating: false, count: 128)

    var isEmpty: Bool { nodes[0].children.isEmpty }

    mutating func insert(_ text: String, token: Int, always: Bool) {
        var node = 0
        for scalar in text.unicodeScalars {
            if let child = nodes[node].children[scalar.value] {
                node = Int(child)
            } else {
                nodes.append(Node())
                nodes[node].children[scalar.value] = Int32(nodes.count - 1)
                node = nodes.count - 1
            }
        }
        guard node != 0, nodes[node].token < 0 else { return }
        nodes[node].token = Int32(token)
        nodes[node].always = always
        if let first = text.unicodeScalars.first, first.value < 128 { firstScalarsASCII[Int(first.value)] = true }
    }

    /// The longest token starting at `i`: its id and end.
    @inline(__always)
    func match(_ s: UnsafeBufferPointer<UInt32>, at i: Int, parseSpecial: Bool) -> (token: Int, end: Int)? {
        let v = s[i]
        if v < 128, !firstScalarsASCII[Int(v)] { return nil }
        var node = 0
        var best: (Int, Int)? = nil
        var j = i
        while j < s.count, let child = nodes[node].children[s[j]] {
            node = Int(child)
            j += 1
            let n = nodes[node]
            if n.token >= 0, parseSpecial || n.always { best = (Int(n.token), j) }
        }
        return best
    }

    enum Fragment {
        case text(Range<Int>)
        case token(Int)
    }

    /// Splits `s` into runs of plain text and matched tokens.
    func partition(_ s: UnsafeBufferPointer<UInt32>, parseSpecial: Bool) -> [Fragment] {
        var out: [Fragment] = []
        if isEmpty {
            if !s.isEmpty { out.append(.text(0..<s.count)) }
            return out
        }
        var gap = 0
        var i = 0
        while i < s.count {
            if let (token, end) = match(s, at: i, parseSpecial: parseSpecial) {
                if gap < i { out.append(.text(gap..<i)) }
                out.append(.token(token))
                i = end
                gap = end
            } else {
                i += 1
            }
        }
        if gap < s.count { out.append(.text(gap..<s.count)) }
        return out
    }
}
