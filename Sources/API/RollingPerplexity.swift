import Backends
import Foundation
import JSONValue

/// `/v1/score` with `{"text", "rolling": {"window": W, "stride": S}}`: the
/// perplexity of a text of any length, as Hugging Face's strided-perplexity
/// guide computes it. Windows of W tokens start every S tokens; each scores the
/// tokens no earlier window scored (its last S, the first window all of its
/// own but the first token, which has no context), with the rest of the window
/// as context. Every token but the first is scored exactly once.
struct RollingPerplexity {
    let window: Int
    let stride: Int

    static let param = "rolling"

    init(_ value: JSON, maxModelLength: Int) throws {
        guard case .object = value else {
            throw APIError.invalid("`rolling` must be an object {window, stride}.", param: Self.param)
        }
        let f = try FieldReader(body: value, fields: .rolling)
        // FieldReader names the field alone; here it lives inside `rolling`.
        func read(_ name: String, in range: ClosedRange<Int>, _ text: String) throws -> Int? {
            do { return try f.int(name, in: range, rangeText: text) } catch var error as APIError {
                error.param = "rolling.\(name)"
                throw error
            }
        }
        guard let window = try read("window", in: 2...max(2, maxModelLength), "between 2 and the model's length \(maxModelLength)") else {
            throw APIError.invalid("`rolling.window` is required: the tokens each window holds.", param: "rolling.window")
        }
        guard let stride = try read("stride", in: 1...(window - 1), "at least 1 and less than `window` (\(window))") else {
            throw APIError.invalid("`rolling.stride` is required: how far each window starts after the last.", param: "rolling.stride")
        }
        self.window = window
        self.stride = stride
    }

    /// The windows of `tokens` as scoring items: each one's context and the tokens it scores.
    func items(_ tokens: [Int]) -> [ScoreRequest.Item] {
        var items: [ScoreRequest.Item] = []
        var scoredUpTo = 1  // token 0 has no context
        var begin = 0
        while scoredUpTo < tokens.count {
            let end = min(begin + window, tokens.count)
            items.append(.init(context: .tokens(Array(tokens[begin..<scoredUpTo])), continuation: .tokens(Array(tokens[scoredUpTo..<end]))))
            scoredUpTo = end
            begin += stride
        }
        return items
    }

    /// The `data` entry: every token's logprob (null first), their total, the
    /// number scored and the perplexity exp(−total / number).
    static func result(tokens: [Int], firstText: String, scores: ScoreResult, returnIds: Bool) -> JSON {
        let scored = scores.items.flatMap(\.tokens)
        let total = scored.reduce(0.0) { $0 + Double($1.token.logprob) }
        let texts = [returnIds ? "token_id:\(tokens[0])" : firstText] + scored.map { returnIds ? "token_id:\($0.token.id)" : $0.token.text }
        return .object([
            ("index", 0),
            ("logprob", .logprob(total)),
            ("token_logprobs", .array([.null] + scored.map { .logprob($0.token.logprob) })),
            ("tokens", .array(texts.map { .string($0) })),
            ("token_ids", .array(tokens.map { .int($0) })),
            ("num_tokens", .int(scored.count)),
            ("perplexity", .double(exp(-total / Double(max(1, scored.count))))),
            ("windows", .int(scores.items.count)),
        ])
    }
}
