import Foundation

/// Rotary position embedding in the layout GGUF stores Llama weights in: the
/// converter permutes Q and K so that each rotated pair is two adjacent values
/// (2i, 2i+1) of a head, turned by the angle `position · base^(-2i/ropeDim)`,
/// divided by `factors[i]` when the model carries Llama 3's `rope_freqs`.
struct RoPE: Sendable {
    /// Per pair, the angle per unit of position.
    let inverseFrequencies: [Double]
    let headDimension: Int

    init(config: LlamaConfig, factors: [Float]?) {
        let pairs = config.ropeDimension / 2
        inverseFrequencies = (0..<pairs).map { i in
            let f = pow(Double(config.ropeFrequencyBase), -2 * Double(i) / Double(config.ropeDimension))
            return f / Double(factors?[i] ?? 1)
        }
        headDimension = config.headDimension
    }

    /// Cosines and sines for `count` positions from `start`, computed once per
    /// forward pass and shared by every layer's queries and keys. Angles are
    /// taken in Double: at position 8,000 an fp32 angle is already off by ~1e-3.
    func table(start: Int, count: Int) -> Table {
        let pairs = inverseFrequencies.count
        var cosines = [Float](repeating: 0, count: count * pairs)
        var sines = [Float](repeating: 0, count: count * pairs)
        for r in 0..<count {
            let position = Double(start + r)
            for i in 0..<pairs {
                let angle = position * inverseFrequencies[i]
                cosines[r * pairs + i] = Float(cos(angle))
                sines[r * pairs + i] = Float(sin(angle))
            }
        }
        return Table(pairs: pairs, cosines: cosines, sines: sines)
    }

    struct Table: Sendable {
        let pairs: Int
        let cosines: [Float]
        let sines: [Float]
    }

    /// Rotates every head of `rows` consecutive rows, row r being the table's
    /// r-th position; `stride` is the distance between rows.
    func apply(_ table: Table, to x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, stride: Int) {
        let pairs = table.pairs
        table.cosines.withUnsafeBufferPointer { cosines in
            table.sines.withUnsafeBufferPointer { sines in
                for r in 0..<rows {
                    let c = cosines.baseAddress! + r * pairs
                    let s = sines.baseAddress! + r * pairs
                    for h in 0..<heads {
                        let head = x + r * stride + h * headDimension
                        for i in 0..<pairs {
                            let a = head[2 * i], b = head[2 * i + 1]
                            head[2 * i] = a * c[i] - b * s[i]
                            head[2 * i + 1] = a * s[i] + b * c[i]
                        }
                    }
                }
            }
        }
    }
}
