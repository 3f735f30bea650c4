import GGUF
import Kernels

/// A Llama-family model ready to run: its configuration, its weights in the
/// memory-mapped file, and the thread pool its kernels run on.
///
/// One forward pass evaluates a batch of tokens, from one sequence (a whole
/// prompt, a chunk of one, or a single generated token) or from several, with
/// matrix-matrix products over all of them at once.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    public let file: GGUFFile
    public let pool: ThreadPool
    let weights: LlamaWeights
    let rope: RoPE
    let attention: Attention
    /// The memory of every sequence's keys and values.
    public let kvPool: KVBlockPool

    /// The KV budget when none is given: 1 GiB, or one full context if that is more.
    public static func defaultKVCacheBytes(_ config: LlamaConfig) -> Int {
        max(1 << 30, config.contextLength * 2 * config.layerCount * config.kvDimension * MemoryLayout<Float>.size)
    }

    /// - kvCacheBytes: the most memory the KV caches of all sequences may take
    ///   together (default `defaultKVCacheBytes`); never less than one full context.
    public init(file: GGUFFile, threads: Int, kvCacheBytes: Int? = nil) throws {
        self.file = file
        config = try LlamaConfig(metadata: file.metadata)
        weights = try LlamaWeights(file: file, config: config)
        rope = RoPE(config: config, factors: weights.ropeFrequencyFactors)
        attention = Attention(headCount: config.headCount, kvHeadCount: config.kvHeadCount, headDimension: config.headDimension)
        pool = ThreadPool(threads: max(1, threads))
        let fullContext = (config.contextLength + KVBlockPool.defaultBlockSize - 1) / KVBlockPool.defaultBlockSize
        kvPool = KVBlockPool(config: config, capacity: max(fullContext, KVBlockPool.blocks(
            forBytes: kvCacheBytes ?? Self.defaultKVCacheBytes(config), config: config)))
    }

    public convenience init(path: String, threads: Int, kvCacheBytes: Int? = nil) throws {
        try self.init(file: try GGUFFile(path: path), threads: threads, kvCacheBytes: kvCacheBytes)
    }

    /// An empty cache for one sequence of at most `capacity` positions; it takes
    /// blocks from `kvPool` as it grows.
    public func makeCache(capacity: Int) -> KVCache {
        KVCache(pool: kvPool, capacity: capacity)
    }

    /// Evaluates `tokens` at the cache's next positions and appends their keys and
    /// values to the cache. Writes each token's final hidden state (after the
    /// output norm) to `hidden`, `tokens.count × hiddenSize` floats; pass them to
    /// `logits` for the rows whose predictions are wanted.
    public func forward(_ tokens: [Int], cache: KVCache, hidden: UnsafeMutablePointer<Float>) {
        forward([BatchSlice(tokens: tokens[...], cache: cache)], hidden: hidden)
    }

    /// Evaluates several sequences' new tokens in one pass: every weight matrix
    /// is applied to all their rows at once (what makes serving many requests
    /// cheaper than serving them in turn), and each sequence attends only to
    /// its own cache. `hidden` receives the rows in batch order.
    /// `afterBlock(l, x)` sees the residual stream after block `l` (all rows, in
    /// batch order) and may change it: the research instruments read and steer it there.
    public func forward(_ batch: [BatchSlice], hidden: UnsafeMutablePointer<Float>,
                        afterBlock: ((Int, UnsafeMutablePointer<Float>) -> Void)? = nil) {
        let n = batch.reduce(0) { $0 + $1.tokens.count }
        guard n > 0 else { return }
        for slice in batch {
            precondition(slice.cache.count + slice.tokens.count <= slice.cache.capacity, "KV cache overflow")
            // The engine reserves a job's blocks when it admits it; direct callers take them here.
            precondition(slice.cache.reserve(positions: slice.cache.count + slice.tokens.count), "the KV block pool is exhausted")
            precondition(slice.tokens.allSatisfy { $0 >= 0 && $0 < config.vocabularySize }, "token id outside the vocabulary")
            precondition(batch.filter({ $0.cache === slice.cache }).count == 1, "a cache appears twice in one batch")
        }
        let c = config
        let scratch = Scratch(tokens: n, config: c)
        defer { scratch.deallocate() }
        let x = scratch.residual

        let embedding = weights.tokenEmbedding
        for (t, id) in batch.flatMap(\.tokens).enumerated() {
            Dequantize.row(embedding.type, from: embedding.data + id * embedding.rowBytes, to: x + t * c.hiddenSize, count: c.hiddenSize)
        }
        // Each slice's first row in the batch, and its rotation angles.
        var firstRows: [Int] = []
        var row = 0
        for slice in batch {
            firstRows.append(row)
            row += slice.tokens.count
        }
        let angles = batch.map { rope.table(start: $0.cache.count, count: $0.tokens.count) }
        // Every block address once per pass, not once per layer, head and block.
        let blocks = batch.map { $0.cache.resolveBlocks(appending: $0.tokens.count) }

        for (l, layer) in weights.layers.enumerated() {
            normalize(x, rows: n, weight: layer.attentionNorm, into: scratch.normed)
            matmul([(layer.query, scratch.queries), (layer.key, scratch.keys), (layer.value, scratch.values)],
                   input: scratch.normed, tokens: n, pool: pool)
            var slices: [Attention.Slice] = []
            for (s, slice) in batch.enumerated() {
                let first = firstRows[s]
                let rows = slice.tokens.count
                let past = slice.cache.count
                let queries = scratch.queries + first * c.queryDimension
                rope.apply(angles[s], to: queries, rows: rows, heads: c.headCount, stride: c.queryDimension)
                rope.apply(angles[s], to: scratch.keys + first * c.kvDimension, rows: rows, heads: c.kvHeadCount, stride: c.kvDimension)
                slice.cache.write(layer: l, start: past, rows: rows, keys: scratch.keys + first * c.kvDimension,
                                  values: scratch.values + first * c.kvDimension, into: blocks[s])
                slices.append(Attention.Slice(queries: queries, blocks: blocks[s], layer: l, rows: rows, past: past,
                                              output: scratch.attended + first * c.queryDimension))
            }
            attention(slices, pool: pool)
            matmul(layer.attentionOutput, input: scratch.attended, tokens: n, output: scratch.normed, pool: pool)
            add(scratch.normed, into: x, count: n * c.hiddenSize)

            normalize(x, rows: n, weight: layer.feedForwardNorm, into: scratch.normed)
            matmul([(layer.gate, scratch.gate), (layer.up, scratch.up)], input: scratch.normed, tokens: n, pool: pool)
            siluMultiply(gate: scratch.gate, up: scratch.up, count: n * c.intermediateSize)
            matmul(layer.down, input: scratch.gate, tokens: n, output: scratch.normed, pool: pool)
            add(scratch.normed, into: x, count: n * c.hiddenSize)
            afterBlock?(l, x)
        }
        normalize(x, rows: n, weight: weights.outputNorm, into: hidden)
        for slice in batch { slice.cache.count += slice.tokens.count }
    }

    /// Logits over the vocabulary for `rows` final hidden states:
    /// `rows × vocabularySize` floats into `output`.
    public func logits(hidden: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        matmul(weights.output, input: hidden, tokens: rows, output: output, pool: pool)
    }

    /// The logit lens: logits of `rows` residual-stream rows taken between
    /// blocks, through the final norm and the output matrix, as if the network
    /// ended there. `normed` is scratch of `rows × hiddenSize` floats.
    public func lensLogits(residual: UnsafePointer<Float>, rows: Int, normed: UnsafeMutablePointer<Float>,
                           output: UnsafeMutablePointer<Float>) {
        normalize(residual, rows: rows, weight: weights.outputNorm, into: normed)
        logits(hidden: normed, rows: rows, output: output)
    }

    private func normalize(_ x: UnsafePointer<Float>, rows: Int, weight: [Float], into out: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                rmsNorm(x + r * h, weight: w.baseAddress!, count: h, epsilon: config.rmsEpsilon, output: out + r * h)
            }
        }
    }

    private func add(_ delta: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += delta[i] }
    }
}

/// One sequence's part of a batched forward pass: the tokens to evaluate next
/// and the cache they extend.
public struct BatchSlice {
    public let tokens: ArraySlice<Int>
    public let cache: KVCache
    public init(tokens: ArraySlice<Int>, cache: KVCache) {
        self.tokens = tokens
        self.cache = cache
    }
}

/// The activations of one forward pass, allocated for its batch size.
private struct Scratch {
    let residual: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let queries: UnsafeMutablePointer<Float>
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let attended: UnsafeMutablePointer<Float>
    let gate: UnsafeMutablePointer<Float>
    let up: UnsafeMutablePointer<Float>

    init(tokens n: Int, config c: LlamaConfig) {
        residual = .allocate(capacity: n * c.hiddenSize)
        normed = .allocate(capacity: n * max(c.hiddenSize, c.queryDimension))
        queries = .allocate(capacity: n * c.queryDimension)
        keys = .allocate(capacity: n * c.kvDimension)
        values = .allocate(capacity: n * c.kvDimension)
        attended = .allocate(capacity: n * c.queryDimension)
        gate = .allocate(capacity: n * c.intermediateSize)
        up = .allocate(capacity: n * c.intermediateSize)
    }

    func deallocate() {
        for p in [residual, normed, queries, keys, values, attended, gate, up] { p.deallocate() }
    }
}
