import GGUF

/// The hyper-parameters of a Llama-family model, as its GGUF metadata gives them
/// under `<architecture>.*` keys.
public struct LlamaConfig: Sendable, Equatable, Codable {
    public static let supportedArchitectures = ["llama"]

    public var architecture: String
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDimension: Int
    /// How many leading dimensions of each head RoPE rotates.
    public var ropeDimension: Int
    public var ropeFrequencyBase: Float
    public var rmsEpsilon: Float
    public var contextLength: Int

    public var queryDimension: Int { headCount * headDimension }
    public var kvDimension: Int { kvHeadCount * headDimension }

    public init(metadata: GGUFMetadata) throws {
        guard let arch = metadata.string("general.architecture") else { throw ModelError.missingMetadata("general.architecture") }
        guard Self.supportedArchitectures.contains(arch) else { throw ModelError.unsupportedArchitecture(arch) }
        architecture = arch

        func required(_ name: String) throws -> Int {
            let key = "\(arch).\(name)"
            guard let v = metadata.int(key) else { throw ModelError.missingMetadata(key) }
            guard v > 0, v < 1 << 24 else { throw ModelError.invalidMetadata(key: key, reason: "\(v) is out of range") }
            return v
        }
        hiddenSize = try required("embedding_length")
        intermediateSize = try required("feed_forward_length")
        layerCount = try required("block_count")
        headCount = try required("attention.head_count")
        kvHeadCount = metadata.int("\(arch).attention.head_count_kv") ?? headCount
        contextLength = try required("context_length")
        guard kvHeadCount > 0, headCount % kvHeadCount == 0 else {
            throw ModelError.invalidMetadata(key: "\(arch).attention.head_count_kv", reason: "\(headCount) query heads cannot share \(kvHeadCount) key/value heads evenly")
        }
        guard hiddenSize % headCount == 0 else {
            throw ModelError.invalidMetadata(key: "\(arch).attention.head_count", reason: "\(hiddenSize) is not divisible by \(headCount) heads")
        }
        headDimension = metadata.int("\(arch).attention.key_length") ?? hiddenSize / headCount
        ropeDimension = metadata.int("\(arch).rope.dimension_count") ?? headDimension
        guard ropeDimension > 0, ropeDimension <= headDimension, ropeDimension % 2 == 0 else {
            throw ModelError.invalidMetadata(key: "\(arch).rope.dimension_count", reason: "\(ropeDimension) must be even and at most the head size \(headDimension)")
        }
        ropeFrequencyBase = metadata.float("\(arch).rope.freq_base") ?? 10_000
        rmsEpsilon = metadata.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5
        // The vocabulary size may be absent from the metadata; the tokenizer's list is then the truth.
        vocabularySize = metadata.int("\(arch).vocab_size") ?? metadata.values["tokenizer.ggml.tokens"]?.array?.count ?? 0
        guard vocabularySize > 0 else { throw ModelError.missingMetadata("\(arch).vocab_size") }
    }
}
