import GGUF
import Kernels

/// The weights of one transformer block. Matrices stay quantized in the memory
/// map; the small norm vectors are decoded to fp32 once at load.
struct LayerWeights: @unchecked Sendable {
    let attentionNorm: [Float]
    let query: WeightMatrix
    let key: WeightMatrix
    let value: WeightMatrix
    let attentionOutput: WeightMatrix
    let feedForwardNorm: [Float]
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix
}

/// Every tensor the forward pass reads, checked for presence, shape and type
/// when the model loads, so a bad file fails with a sentence instead of a crash
/// in the middle of a request.
///
/// GGUF names and shapes (dimensions[0] is the input size of `y = W x`):
///   token_embd.weight   [hidden, vocab]      output.weight [hidden, vocab] (absent: tied to token_embd)
///   output_norm.weight  [hidden]             rope_freqs.weight [ropeDim/2] (optional, Llama 3 scaling)
///   blk.N.attn_norm.weight [hidden]          blk.N.ffn_norm.weight [hidden]
///   blk.N.attn_q.weight [hidden, heads·d]    blk.N.attn_k/v.weight [hidden, kvHeads·d]
///   blk.N.attn_output.weight [heads·d, hidden]
///   blk.N.ffn_gate/up.weight [hidden, ffn]   blk.N.ffn_down.weight [ffn, hidden]
struct LlamaWeights: @unchecked Sendable {
    let tokenEmbedding: WeightMatrix
    let output: WeightMatrix
    let outputNorm: [Float]
    /// Per rotated pair, the divisor of its RoPE frequency (Llama 3), or nil.
    let ropeFrequencyFactors: [Float]?
    let layers: [LayerWeights]

    init(file: GGUFFile, config c: LlamaConfig) throws {
        func tensor(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
            guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
            guard t.dimensions == shape else { throw ModelError.wrongShape(tensor: name, expected: shape, found: t.dimensions) }
            guard Dequantize.isSupported(t.type) else { throw ModelError.unsupportedTensorType(tensor: name, type: t.type) }
            return t
        }
        func matrix(_ name: String, input: Int, output: Int) throws -> WeightMatrix {
            let t = try tensor(name, [input, output])
            return WeightMatrix(type: t.type, rows: output, columns: input, data: file.data(of: t).baseAddress!)
        }
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            let t = try tensor(name, [count])
            var out = [Float](repeating: 0, count: count)
            out.withUnsafeMutableBufferPointer { Dequantize.row(t.type, from: file.data(of: t).baseAddress!, to: $0.baseAddress!, count: count) }
            return out
        }

        tokenEmbedding = try matrix("token_embd.weight", input: c.hiddenSize, output: c.vocabularySize)
        output = file.tensor(named: "output.weight") == nil
            ? tokenEmbedding
            : try matrix("output.weight", input: c.hiddenSize, output: c.vocabularySize)
        outputNorm = try vector("output_norm.weight", c.hiddenSize)
        ropeFrequencyFactors = file.tensor(named: "rope_freqs.weight") == nil ? nil : try vector("rope_freqs.weight", c.ropeDimension / 2)
        layers = try (0..<c.layerCount).map { i in
            let p = "blk.\(i)."
            return LayerWeights(
                attentionNorm: try vector(p + "attn_norm.weight", c.hiddenSize),
                query: try matrix(p + "attn_q.weight", input: c.hiddenSize, output: c.queryDimension),
                key: try matrix(p + "attn_k.weight", input: c.hiddenSize, output: c.kvDimension),
                value: try matrix(p + "attn_v.weight", input: c.hiddenSize, output: c.kvDimension),
                attentionOutput: try matrix(p + "attn_output.weight", input: c.queryDimension, output: c.hiddenSize),
                feedForwardNorm: try vector(p + "ffn_norm.weight", c.hiddenSize),
                gate: try matrix(p + "ffn_gate.weight", input: c.hiddenSize, output: c.intermediateSize),
                up: try matrix(p + "ffn_up.weight", input: c.hiddenSize, output: c.intermediateSize),
                down: try matrix(p + "ffn_down.weight", input: c.intermediateSize, output: c.hiddenSize)
            )
        }
    }
}
