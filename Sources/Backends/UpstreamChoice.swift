import JSONValue

/// One choice (or one streamed chunk of a choice) of an upstream's completion,
/// read into BaseServe's types.
struct UpstreamChoice: Equatable {
    var index: Int
    var text: String
    var tokens: [ScoredToken]
    var promptTokenIds: [Int]?
    var promptLogprobs: [ScoredToken?]?
    var finish: (reason: CompletionFinishReason, stop: StopReason?)?

    static func == (a: UpstreamChoice, b: UpstreamChoice) -> Bool {
        a.index == b.index && a.text == b.text && a.tokens == b.tokens && a.promptTokenIds == b.promptTokenIds
            && a.promptLogprobs == b.promptLogprobs && a.finish?.reason == b.finish?.reason && a.finish?.stop == b.finish?.stop
    }

    /// Reads a choice; `promptLogprobsK` is the `prompt_logprobs` asked for (it
    /// tells the appended actual token from the top-k).
    init(_ d: JSON, promptLogprobsK: Int?) throws {
        index = d["index"]?.intValue ?? 0
        text = d["text"]?.stringValue ?? ""
        promptTokenIds = d["prompt_token_ids"]?.intListValue
        let tokenIds = d["token_ids"]?.intListValue
        tokens = Self.generated(d["logprobs"], tokenIds: tokenIds)
        if let entries = d["prompt_logprobs"]?.arrayValue {
            guard let ids = promptTokenIds, ids.count == entries.count else {
                throw BackendError.upstreamFailure("The upstream sent prompt_logprobs without the prompt's token ids.")
            }
            promptLogprobs = zip(ids, entries).map { id, entry in
                entry.members.map { Self.promptPosition($0, actual: id, k: promptLogprobsK ?? 0) }
            }
        }
        if let reason = d["finish_reason"]?.stringValue {
            let stop: StopReason?
            if let s = d["stop_reason"]?.stringValue { stop = .string(s) }
            else if let id = d["stop_reason"]?.intValue { stop = .tokenId(id) }
            else { stop = nil }
            switch reason {
            case "length": finish = (.length, nil)
            case "stop", "eos": finish = (.stop, stop)
            default: throw BackendError.upstreamFailure("The upstream ended a choice with finish_reason \(reason).")
            }
        }
    }

    /// One `prompt_logprobs` entry: token id -> {logprob, rank, decoded_token}.
    /// The actual token is in it; when it has more than k members, the actual
    /// token was appended beyond the top-k and is not one of them.
    static func promptPosition(_ entry: [(String, JSON)], actual: Int, k: Int) -> ScoredToken {
        var all: [(token: TokenLogprob, rank: Int)] = entry.compactMap { key, v -> (token: TokenLogprob, rank: Int)? in
            guard let id = Int(key), v.members != nil else { return nil }
            let logprob = Float(v["logprob"]?.doubleValue ?? -9999)
            return (TokenLogprob(id: id, text: v["decoded_token"]?.stringValue ?? "", logprob: logprob),
                    v["rank"]?.intValue ?? Int.max)
        }
        all.sort { ($0.rank, -$0.token.logprob, $0.token.id) < ($1.rank, -$1.token.logprob, $1.token.id) }
        let mine = all.first { $0.token.id == actual }
        let top = all.count > k ? all.filter { $0.token.id != actual } : all
        return ScoredToken(token: mine?.token ?? TokenLogprob(id: actual, text: "", logprob: -9999),
                           rank: mine?.rank ?? 0, top: top.map(\.token))
    }

    /// Generated tokens from `logprobs` in OpenAI's completions form
    /// (`tokens`, `token_logprobs`, `top_logprobs`) or the chat form llama.cpp
    /// uses (`content: [{id, token, logprob, top_logprobs}]`); without logprobs,
    /// just the ids. Alternatives known only by text get distinct negative ids.
    static func generated(_ logprobs: JSON?, tokenIds: [Int]?) -> [ScoredToken] {
        if let lp = logprobs, let texts = lp["tokens"]?.arrayValue {
            let values = lp["token_logprobs"]?.arrayValue ?? []
            let tops = lp["top_logprobs"]?.arrayValue ?? []
            return texts.enumerated().map { i, t in
                var text = t.stringValue ?? ""
                var id = tokenIds.flatMap { i < $0.count ? $0[i] : nil } ?? -1
                if text.hasPrefix("token_id:"), let parsed = Int(text.dropFirst(9)) { id = parsed; text = "" }
                let logprob = Float((i < values.count ? values[i].doubleValue : nil) ?? 0)
                var top: [TokenLogprob] = []
                if i < tops.count, let alternatives = tops[i].members {
                    var synthetic = -2
                    top = alternatives.compactMap { key, value -> TokenLogprob? in
                        guard let lp = value.doubleValue else { return nil }
                        if key == text { return TokenLogprob(id: id, text: key, logprob: Float(lp)) }
                        defer { synthetic -= 1 }
                        return TokenLogprob(id: synthetic, text: key, logprob: Float(lp))
                    }.sorted { ($0.logprob, $1.text) > ($1.logprob, $0.text) }
                }
                let token = TokenLogprob(id: id, text: text, logprob: logprob)
                return ScoredToken(token: token, rank: rank(of: token, in: top), top: top)
            }
        }
        if let lp = logprobs, let content = lp["content"]?.arrayValue {
            func token(_ e: JSON) -> TokenLogprob {
                TokenLogprob(id: e["id"]?.intValue ?? -1, text: e["token"]?.stringValue ?? "",
                             logprob: Float(e["logprob"]?.doubleValue ?? 0))
            }
            return content.map { e in
                let t = token(e)
                let top = (e["top_logprobs"]?.arrayValue ?? []).map(token).sorted { $0.logprob > $1.logprob }
                return ScoredToken(token: t, rank: rank(of: t, in: top), top: top)
            }
        }
        return (tokenIds ?? []).map { ScoredToken(token: TokenLogprob(id: $0, text: "", logprob: 0), rank: 0, top: []) }
    }

    /// The rank as far as the alternatives tell: exact within them, else one past them.
    static func rank(of token: TokenLogprob, in top: [TokenLogprob]) -> Int {
        1 + top.filter { $0.logprob > token.logprob }.count
    }
}

extension CompletionUsage {
    /// `usage` of an upstream response, when it has one.
    init?(upstream v: JSON?) {
        guard let u = v, let prompt = u["prompt_tokens"]?.intValue else { return nil }
        let completion = u["completion_tokens"]?.intValue ?? 0
        let cached = u["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
        self.init(promptTokens: prompt, completionTokens: completion, cachedTokens: cached)
    }
}
