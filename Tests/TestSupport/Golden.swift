import Foundation

/// Reference results computed in float64 by an independent implementation
/// (Tests/Data/golden/README.md explains the fields).
public struct GoldenFile: Decodable, Sendable {
    public let cases: [GoldenCase]

    public static func load(_ name: String) throws -> GoldenFile {
        let url = TestPaths.data.appendingPathComponent("golden/\(name)")
        return try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
    }
}

public struct GoldenCase: Decodable, Sendable {
    public let prompt: String
    public let token_ids: [Int]
    public let tokens: [String]
    public let prompt_logprobs: [GoldenPosition?]
    public let next_token_top: [GoldenAlternative]
    public let greedy: GoldenGreedy
}

public struct GoldenPosition: Decodable, Sendable {
    public let token_id: Int
    public let logprob: Double
    public let rank: Int
    public let top: [GoldenAlternative]
}

/// A `[token_id, logprob]` pair.
public struct GoldenAlternative: Decodable, Sendable {
    public let id: Int
    public let logprob: Double

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        id = try c.decode(Int.self)
        logprob = try c.decode(Double.self)
    }
}

public struct GoldenGreedy: Decodable, Sendable {
    public let token_ids: [Int]
    public let logprobs: [Double]
    public let text: String
}
