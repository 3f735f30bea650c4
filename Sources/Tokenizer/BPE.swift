/// Byte-level BPE merges: which adjacent pair of token ids merges into which
/// token, and in what order (lower rank first, leftmost first among equals).
struct BPEMerges: Sendable {
    /// (left << 32 | right) -> (rank << 32 | merged id). Keyed by ids so the merge
    /// loop never builds strings.
    private let table: [UInt64: UInt64]

    /// `tokenIds` maps each token's UTF-8 bytes to its id; bytes, not `String`,
    /// because `String` equality is canonical equivalence, not identity.
    init(merges: [String], tokenIds: [[UInt8]: Int32]) throws {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            // The separator is the first space after the first character: byte-level
            // tokens never hold a literal space, but a merge may start with one.
            let bytes = Array(merge.utf8)
            let firstLength = bytes.first.map { UTF8Validation.sequenceLength(lead: $0) } ?? 0
            guard firstLength > 0, let space = bytes[min(firstLength, bytes.count)...].firstIndex(of: 0x20) else {
                throw TokenizerError.invalid("tokenizer.ggml.merges", "entry \(rank) (\"\(merge)\") is not two tokens separated by a space")
            }
            let left = Array(bytes[..<space])
            let right = Array(bytes[(space + 1)...])
            // Merges whose parts or result are not tokens can never apply; Hugging
            // Face refuses such files, llama.cpp ignores the entries. Ignore them too.
            guard let l = tokenIds[left], let r = tokenIds[right], let m = tokenIds[left + right] else { continue }
            let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(UInt32(m)) }
        }
        self.table = table
    }

    @inline(__always)
    private func lookup(_ left: Int32, _ right: Int32) -> (rank: UInt32, merged: Int32)? {
        guard left >= 0, right >= 0, let v = table[UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))] else { return nil }
        return (UInt32(v >> 32), Int32(truncatingIfNeeded: v & 0xFFFF_FFFF))
    }

    /// Merges `symbols` (one id per byte of a piece) in place until no pair merges.
    func apply(_ symbols: inout [Int32]) {
        if symbols.count < 2 { return }
        if symbols.count <= 48 { applyShort(&symbols) } else { applyLong(&symbols) }
    }

    /// The plain quadratic loop: fastest for the short pieces that make up almost
    /// all text.
    func applyShort(_ symbols: inout [Int32]) {
        while symbols.count > 1 {
            var bestRank = UInt32.max
            var bestIndex = -1
            var bestMerged: Int32 = 0
            for i in 0..<symbols.count - 1 {
                if let (rank, merged) = lookup(symbols[i], symbols[i + 1]), rank < bestRank {
                    bestRank = rank
                    bestIndex = i
                    bestMerged = merged
                }
            }
            if bestIndex < 0 { return }
            symbols[bestIndex] = bestMerged
            symbols.remove(at: bestIndex + 1)
        }
    }

    private struct Candidate: Comparable {
        let rank: UInt32
        let left: Int32
        let leftId: Int32
        let rightId: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }
    }

    /// A linked list of symbols and a heap of candidate merges, so a long piece
    /// (a run of thousands of spaces, say) costs O(n log n) rather than O(n^2).
    func applyLong(_ symbols: inout [Int32]) {
        let n = symbols.count
        var ids = symbols
        var next = (0..<n).map { Int32($0 + 1) }
        var prev = (0..<n).map { Int32($0 - 1) }
        next[n - 1] = -1
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap<Candidate>()

        func consider(_ l: Int32) {
            guard l >= 0 else { return }
            let r = next[Int(l)]
            guard r >= 0, let (rank, _) = lookup(ids[Int(l)], ids[Int(r)]) else { return }
            heap.push(Candidate(rank: rank, left: l, leftId: ids[Int(l)], rightId: ids[Int(r)]))
        }
        for i in 0..<n - 1 { consider(Int32(i)) }

        while let c = heap.pop() {
            let l = Int(c.left)
            guard alive[l], ids[l] == c.leftId else { continue }
            let r = Int(next[l])
            guard r >= 0, ids[r] == c.rightId, let (_, merged) = lookup(c.leftId, c.rightId) else { continue }
            ids[l] = merged
            alive[r] = false
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = Int32(l) }
            consider(prev[l])
            consider(Int32(l))
        }

        symbols.removeAll(keepingCapacity: true)
        var i: Int32 = 0
        while i >= 0 {
            symbols.append(ids[Int(i)])
            i = next[Int(i)]
        }
    }
}

/// A binary min-heap; the standard library has none.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ x: Element) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[i] < items[parent] {
                items.swapAt(i, parent)
                i = parent
            } else {
                break
            }
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var smallest = i
                if l < items.count, items[l] < items[smallest] { smallest = l }
                if r < items.count, items[r] < items[smallest] { smallest = r }
                if smallest == i { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}
