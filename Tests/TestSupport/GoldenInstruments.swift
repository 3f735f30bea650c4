import Foundation

/// Reference values for the research instruments (`Tests/Data/golden/<model>.instruments.json`),
/// computed in float64 by `scripts/reference-instruments.py`, an implementation
/// independent of BaseServe. Tests/Data/golden/README.md explains the fields.
public struct GoldenInstruments: Decodable, Sendable {
    public let layers: Int
    public let hidden_size: Int
    public let cases: [Case]
    public let steering_vector: SteeringVector
    /// Strided perplexity of the long golden prompt (Hugging Face's guide).
    public let rolling: Rolling?
    /// The whole next-token distribution at a few positions of one short prompt.
    public let full: Full?

    /// Row r of `shape` [positions.count, V] is the log-softmax at `positions[r]`,
    /// predicting `token_ids[positions[r]]`.
    public struct Full: Decodable, Sendable {
        public let token_ids: [Int]
        public let positions: [Int]
        public let shape: [Int]
        public let data: String
        public var values: [Float] { decodeFloat32(data) }
    }

    public struct Rolling: Decodable, Sendable {
        public let token_ids: [Int]
        public let window: Int
        public let stride: Int
        /// Null first, then every token's logprob.
        public let token_logprobs: [Double?]
        public let logprob: Double
        public let num_tokens: Int
        public let perplexity: Double
    }

    public struct Case: Decodable, Sendable {
        public let prompt: String
        public let token_ids: [Int]
        /// Null at position 0, then the entropy (nats) of the distribution predicting each token.
        public let prompt_entropy: [Double?]
        public let greedy: Greedy
        public let residual: Residual
        /// Per layer (as a string), per position: null at 0, then the top-5 `[id, logprob]`.
        public let lens: [String: [[GoldenAlternative]?]]
        public let steering: Steering
    }

    public struct Greedy: Decodable, Sendable {
        public let token_ids: [Int]
        public let logprobs: [Double]
        public let entropies: [Double]
    }

    /// The residual stream after each of `layers`, `shape` [L, T, H], over the prompt and
    /// every generated token but the last.
    public struct Residual: Decodable, Sendable {
        public let layers: [Int]
        public let shape: [Int]
        public let data: String
        public var values: [Float] { decodeFloat32(data) }
    }

    public struct Steering: Decodable, Sendable {
        public let scale: Double
        public let greedy: Greedy
        public let prompt_logprobs: [Double?]
    }

    /// A difference-of-means vector: the first case's mean residual after `layer`
    /// minus the second's.
    public struct SteeringVector: Decodable, Sendable {
        public let layer: Int
        public let data: String
        public var values: [Float] { decodeFloat32(data) }
    }

    public static func load(_ model: String) throws -> GoldenInstruments {
        let url = TestPaths.data.appendingPathComponent("golden/\(model).instruments.json")
        return try JSONDecoder().decode(GoldenInstruments.self, from: Data(contentsOf: url))
    }
}

/// Little-endian float32 values from base64, as the API and the reference write them.
public func decodeFloat32(_ base64: String) -> [Float] {
    guard let data = Data(base64Encoded: base64) else { return [] }
    return data.withUnsafeBytes { raw in
        (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
}
