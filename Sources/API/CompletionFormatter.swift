import Backends
import JSONValue

/// Writes completion responses and stream chunks in vLLM's shape.
struct CompletionFormatter {
    let parameters: CompletionParameters
    let id: String
    let created: Int
    let model: String
    /// The model's `system_fingerprint` (nil for upstream models: not sent).
    var systemFingerprint: String? = nil

    /// A token as `logprobs` names it: its text, or `token_id:N`.
    func tokenString(_ t: TokenLogprob) -> String {
        parameters.returnTokensAsTokenIds ? "token_id:\(t.id)" : t.text
    }

    /// `top_logprobs` at one position: the chosen token first, then the top-N,
    /// keyed by text (a later token with the same text overwrites the value but
    /// keeps the position, as a Python dict does).
    func topLogprobs(_ s: ScoredToken, count: Int) -> JSON {
        var members: [(String, JSON)] = []
        var seenIds: Set<Int> = []
        for t in [s.token] + s.top.prefix(count) where seenIds.insert(t.id).inserted {
            let key = tokenString(t)
            if let i = members.firstIndex(where: { $0.0 == key }) {
                members[i].1 = .logprob(t.logprob)
            } else {
                members.append((key, .logprob(t.logprob)))
            }
        }
        return .object(members)
    }

    /// The `logprobs` object of a choice: prompt positions first when echoing
    /// (position 0 with null logprob and null top_logprobs), then generated tokens.
    /// `textOffset` is where the first token's text starts.
    func logprobsObject(prompt: PromptPart?, generated: [ScoredToken], textOffset: Int) -> (JSON, nextOffset: Int) {
        let k = parameters.logprobs ?? 0
        var tokens: [JSON] = [], logprobs: [JSON] = [], tops: [JSON] = [], offsets: [JSON] = [], entropies: [JSON] = []
        var offset = textOffset
        func add(_ text: String, _ logprob: JSON, _ top: JSON, _ entropy: Float?) {
            tokens.append(.string(text))
            logprobs.append(logprob)
            tops.append(top)
            offsets.append(.int(offset))
            entropies.append(entropy.map { .logprob($0) } ?? .null)
            offset += text.unicodeScalars.count
        }
        if let prompt {
            for (i, id) in prompt.tokenIds.enumerated() {
                if i < prompt.scores.count, let s = prompt.scores[i] {
                    add(tokenString(s.token), .logprob(s.token.logprob), topLogprobs(s, count: k), s.entropy)
                } else {
                    let text = i < prompt.tokenTexts.count ? prompt.tokenTexts[i] : ""
                    add(tokenString(TokenLogprob(id: id, text: text, logprob: 0)), .null, .null, nil)
                }
            }
        }
        for s in generated {
            add(tokenString(s.token), .logprob(s.token.logprob), topLogprobs(s, count: k), s.entropy)
        }
        var members: [(String, JSON)] = [
            ("tokens", .array(tokens)),
            ("token_logprobs", .array(logprobs)),
            ("top_logprobs", .array(tops)),
            ("text_offset", .array(offsets)),
        ]
        // Aligned with `tokens`: null where a position has no distribution (the first prompt token).
        if parameters.request.returnEntropy { members.append(("entropies", .array(entropies))) }
        return (.object(members), offset)
    }

    /// `prompt_logprobs`: null at position 0; then the top-k in rank order and the
    /// actual token appended when it ranks below them.
    func promptLogprobs(_ scores: [ScoredToken?], k: Int) -> JSON { API.promptLogprobs(scores, topK: k) }

    func usage(_ u: CompletionUsage) -> JSON { usageJSON(u) }

    func finishReason(_ r: CompletionFinishReason?) -> JSON { r.map { .string($0.rawValue) } ?? .null }

    func stopReason(_ r: StopReason?) -> JSON {
        switch r {
        case .none: return .null
        case .string(let s): return .string(s)
        case .tokenId(let id): return .int(id)
        }
    }

    func envelope(choices: [JSON], usage: JSON?) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .string(id)), ("object", "text_completion"), ("created", .int(created)), ("model", .string(model)),
        ]
        if let systemFingerprint { members.append(("system_fingerprint", .string(systemFingerprint))) }
        members.append(("choices", .array(choices)))
        if let usage { members.append(("usage", usage)) }
        return .object(members)
    }
}

/// `usage` in vLLM's shape: `prompt_tokens_details` is null unless some prompt
/// tokens came from the prefix cache.
func usageJSON(_ u: CompletionUsage) -> JSON {
    .object([("prompt_tokens", .int(u.promptTokens)), ("total_tokens", .int(u.totalTokens)),
             ("completion_tokens", .int(u.completionTokens)),
             ("prompt_tokens_details", u.cachedTokens > 0 ? .object([("cached_tokens", .int(u.cachedTokens))]) : .null)])
}

/// What a choice knows of its prompt.
struct PromptPart {
    var tokenIds: [Int]
    var text: String
    /// Entry per prompt token (nil at 0); empty when prompt logprobs were not computed.
    var scores: [ScoredToken?]
    /// Each prompt token's text on its own.
    var tokenTexts: [String]
}

/// A choice put together from the backend's events (non-streaming responses).
struct ChoiceResult {
    var prompt: PromptPart?
    var text = ""
    var tokens: [ScoredToken] = []
    var finishReason: CompletionFinishReason?
    var stopReason: StopReason?
    var instruments: ChoiceInstruments?
}

/// `prompt_logprobs` in the API's shape: `null` for position 0, then per position
/// the top-k keyed by token id in rank order, followed by the actual token when
/// it ranks below them (so k or k+1 members). Also what `baseserve score --json` prints.
///
/// Each position is written out as soon as it is built: an 8,000-token prompt
/// with k = 20 would otherwise hold some 170,000 small JSON values at once.
public func promptLogprobs(_ scores: [ScoredToken?], topK k: Int) -> JSON {
    JSON.writtenArray(scores) { promptLogprobEntry($0, topK: k) }
}

/// One position of `prompt_logprobs`.
public func promptLogprobEntry(_ entry: ScoredToken?, topK k: Int) -> JSON {
    guard let s = entry else { return .null }
    var members: [(String, JSON)] = []
    func member(_ t: TokenLogprob, _ rank: Int) {
        members.append((String(t.id), .object([
            ("logprob", .logprob(t.logprob)), ("rank", .int(rank)), ("decoded_token", .string(t.text)),
        ])))
    }
    let top = Array(s.top.prefix(k))
    // Tied logprobs share a rank: 1 + the number strictly greater.
    var rank = 1
    for (i, t) in top.enumerated() {
        if i > 0, t.logprob < top[i - 1].logprob { rank = i + 1 }
        member(t, t.id == s.token.id ? s.rank : rank)
    }
    if !top.contains(where: { $0.id == s.token.id }) { member(s.token, s.rank) }
    return .object(members)
}
