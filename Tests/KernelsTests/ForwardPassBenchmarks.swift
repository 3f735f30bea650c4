import Foundation
import GGUF
import XCTest
@testable import Kernels

/// A SmolLM2-135M-shaped forward pass built only from these kernels (random Q4_1 weights,
/// Q8_0 tied output, no RoPE or tokenizer): an estimate of what the engine can reach.
/// Timing only; runs with BASESERVE_BENCH=1.
final class ForwardPassBenchmarks: XCTestCase {
    let hidden = 576, ffn = 1536, layers = 30, heads = 9, kvHeads = 3, headDim = 64, vocab = 49152

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["BASESERVE_BENCH"] == "1", "set BASESERVE_BENCH=1 to run")
    }

    struct Layer { let q, k, v, o, gate, up, down: WeightMatrix }

    func makeWeights(_ storage: inout [UnsafeMutableRawPointer]) -> ([Layer], WeightMatrix) {
        func matrix(_ type: GGMLType, _ rows: Int, _ cols: Int, _ seed: UInt64) -> WeightMatrix {
            let bytes = randomMatrixBytes(type, rows: rows, columns: cols, seed: seed)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
            raw.copyMemory(from: bytes, byteCount: bytes.count)
            storage.append(raw)
            return WeightMatrix(type: type, rows: rows, columns: cols, data: raw)
        }
        let kv = kvHeads * headDim
        let layerList = (0..<layers).map { l -> Layer in
            let s = UInt64(l * 10)
            return Layer(q: matrix(.q4_1, hidden, hidden, s), k: matrix(.q4_1, kv, hidden, s + 1),
                         v: matrix(.q4_1, kv, hidden, s + 2), o: matrix(.q4_1, hidden, hidden, s + 3),
                         gate: matrix(.q4_1, ffn, hidden, s + 4), up: matrix(.q4_1, ffn, hidden, s + 5),
                         down: matrix(.q4_1, hidden, ffn, s + 6))
        }
        return (layerList, matrix(.q8_0, vocab, hidden, 999))
    }

    /// Runs `tokens` new positions after `past` cached ones; returns seconds.
    func forward(_ layers: [Layer], _ output: WeightMatrix, tokens t: Int, past: Int, pool: ThreadPool,
                 kCache: UnsafeMutablePointer<Float>, vCache: UnsafeMutablePointer<Float>, maxContext: Int) -> Double {
        let kvDim = kvHeads * headDim, context = past + t
        let x = UnsafeMutablePointer<Float>.allocate(capacity: t * hidden)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: t * hidden)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: t * hidden)
        let attn = UnsafeMutablePointer<Float>.allocate(capacity: t * hidden)
        let g = UnsafeMutablePointer<Float>.allocate(capacity: t * ffn)
        let u = UnsafeMutablePointer<Float>.allocate(capacity: t * ffn)
        let kv = UnsafeMutablePointer<Float>.allocate(capacity: t * kvDim)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: heads * t * context)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: t * vocab)
        let norm = [Float](repeating: 1, count: hidden)
        for i in 0..<(t * hidden) { x[i] = Float(i % 17) * 0.01 - 0.08 }
        // Touch every buffer first: page faults are the allocator's cost, not the kernels'.
        for (p, n) in [(h, t * hidden), (q, t * hidden), (attn, t * hidden), (g, t * ffn), (u, t * ffn),
                       (kv, t * kvDim), (scores, heads * t * context), (logits, t * vocab)] {
            p.initialize(repeating: 0, count: n)
        }
        defer { for p in [x, h, q, attn, g, u, kv, scores, logits] { p.deallocate() } }

        let start = DispatchTime.now().uptimeNanoseconds
        for (l, layer) in layers.enumerated() {
            let kc = kCache + l * maxContext * kvDim, vc = vCache + l * maxContext * kvDim
            for i in 0..<t { rmsNorm(x + i * hidden, weight: norm, count: hidden, epsilon: 1e-5, output: h + i * hidden) }
            matmul(layer.q, input: h, tokens: t, output: q, pool: pool)
            matmul(layer.k, input: h, tokens: t, output: kc + past * kvDim, pool: pool)
            matmul(layer.v, input: h, tokens: t, output: vc + past * kvDim, pool: pool)
            if t == 1 {
                // Decode: the query heads sharing a KV head form one m = 3 product, so each
                // cached key and value row is read once per KV head instead of once per head.
                let group = heads / kvHeads
                pool.parallelFor(kvHeads) { kvh in
                    let s = scores + kvh * group * context
                    sgemm(transA: false, transB: true, m: group, n: context, k: headDim, alpha: 0.125,
                          a: q + kvh * group * headDim, lda: headDim, b: kc + kvh * headDim, ldb: kvDim, beta: 0, c: s, ldc: context)
                    for r in 0..<group { softmaxInPlace(s + r * context, count: context) }
                    sgemm(transA: false, transB: false, m: group, n: headDim, k: context, alpha: 1,
                          a: s, lda: context, b: vc + kvh * headDim, ldb: kvDim, beta: 0, c: attn + kvh * group * headDim, ldc: headDim)
                }
            } else { pool.parallelFor(heads) { head in
                let kvh = head / (heads / kvHeads)
                let s = scores + head * t * context
                sgemm(transA: false, transB: true, m: t, n: context, k: headDim, alpha: 0.125,
                      a: q + head * headDim, lda: hidden, b: kc + kvh * headDim, ldb: kvDim, beta: 0, c: s, ldc: context)
                for i in 0..<t {
                    let visible = past + i + 1
                    softmaxInPlace(s + i * context, count: visible)
                    for j in visible..<context { s[i * context + j] = 0 }
                }
                sgemm(transA: false, transB: false, m: t, n: headDim, k: context, alpha: 1,
                      a: s, lda: context, b: vc + kvh * headDim, ldb: kvDim, beta: 0, c: attn + head * headDim, ldc: hidden)
            } }
            matmul(layer.o, input: attn, tokens: t, output: h, pool: pool)
            for i in 0..<(t * hidden) { x[i] += h[i] }
            for i in 0..<t { rmsNorm(x + i * hidden, weight: norm, count: hidden, epsilon: 1e-5, output: h + i * hidden) }
            matmul(layer.gate, input: h, tokens: t, output: g, pool: pool)
            matmul(layer.up, input: h, tokens: t, output: u, pool: pool)
            siluMultiply(gate: g, up: u, count: t * ffn)
            matmul(layer.down, input: g, tokens: t, output: h, pool: pool)
            for i in 0..<(t * hidden) { x[i] += h[i] }
        }
        for i in 0..<t { rmsNorm(x + i * hidden, weight: norm, count: hidden, epsilon: 1e-5, output: h + i * hidden) }
        matmul(output, input: h, tokens: t, output: logits, pool: pool)
        var sink = 0
        for i in 0..<t { sink &+= scoreLogits(logits + i * vocab, vocabularySize: vocab, target: i, topK: 5).rank }
        XCTAssertGreaterThan(sink, 0)
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    func testSmolLM2ShapedForwardPass() {
        var storage: [UnsafeMutableRawPointer] = []
        defer { storage.forEach { $0.deallocate() } }
        let (layerList, output) = makeWeights(&storage)
        let maxContext = 640, kvDim = kvHeads * headDim
        let kCache = UnsafeMutablePointer<Float>.allocate(capacity: layers * maxContext * kvDim)
        let vCache = UnsafeMutablePointer<Float>.allocate(capacity: layers * maxContext * kvDim)
        kCache.initialize(repeating: 0.01, count: layers * maxContext * kvDim)
        vCache.initialize(repeating: 0.01, count: layers * maxContext * kvDim)
        defer { kCache.deallocate(); vCache.deallocate() }
        for threads in [2, 1] {
            let pool = ThreadPool(threads: threads)
            var prompt = Double.infinity, decode = Double.infinity
            for _ in 0..<3 {
                prompt = min(prompt, forward(layerList, output, tokens: 512, past: 0, pool: pool,
                                             kCache: kCache, vCache: vCache, maxContext: maxContext))
            }
            for _ in 0..<3 {
                var total = 0.0
                for step in 0..<64 {
                    total += forward(layerList, output, tokens: 1, past: 512 + step, pool: pool,
                                     kCache: kCache, vCache: vCache, maxContext: maxContext)
                }
                decode = min(decode, total / 64)
            }
            print(String(format: "BENCH forward threads %d: prompt 512 tokens %.1f ms = %.0f tok/s (incl. 512 full-vocab scores); decode at context 512-576: %.2f ms = %.0f tok/s",
                         threads, prompt * 1e3, 512 / prompt, decode * 1e3, 1 / decode))
        }
    }
}
