import JSONValue

/// How a whole-vocabulary `prompt_logprobs` (-1) is written: vLLM's entries
/// (`{"<id>": {logprob, rank, decoded_token}}` per position), or one
/// `[T, V]` float32 array in base64, some 15 times smaller and read with
/// `numpy.frombuffer` (`prompt_logprobs_encoding: "base64_float32"`).
enum PromptLogprobsEncoding: String, CaseIterable {
    case json
    case base64Float32 = "base64_float32"

    static let param = "prompt_logprobs_encoding"

    /// The body's `prompt_logprobs_encoding`: only with `prompt_logprobs: -1`,
    /// where it changes something; absent or null is `json`.
    init(_ f: FieldReader, fullDistribution: Bool) throws {
        guard let v = f.value(Self.param) else {
            self = .json
            return
        }
        let accepted = Self.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        guard case .string(let name) = v, let encoding = Self(rawValue: name) else {
            throw APIError.invalid("`\(Self.param)` must be \(accepted), got \(v.serialized).", param: Self.param)
        }
        guard fullDistribution else {
            throw APIError.invalid(
                "`\(Self.param)` applies only to `prompt_logprobs: -1` (the whole vocabulary at every position); send `prompt_logprobs: -1` with it, or leave it out.",
                param: Self.param)
        }
        self = encoding
    }
}
