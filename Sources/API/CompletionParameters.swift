import Backends
import JSONValue

/// A parsed and validated `/v1/completions` body: what goes to the backend, and
/// how the response is to be written.
struct CompletionParameters {
    var model: String?
    var request: CompletionRequest
    var stream = false
    var includeUsage = false
    var continuousUsageStats = false
    var returnTokenIds = false
    var returnTokensAsTokenIds = false
    /// Alternatives per token in `logprobs` (nil: no `logprobs` object).
    var logprobs: Int?
    /// Top-k in `prompt_logprobs` (nil: no `prompt_logprobs`); defaults to
    /// `logprobs` when `echo` is set.
    var promptLogprobs: Int?
    /// `prompt_logprobs: -1`: the whole vocabulary at every prompt position
    /// (then `promptLogprobs` is nil), written as `promptLogprobsEncoding` says.
    var fullPromptDistribution = false
    var promptLogprobsEncoding = PromptLogprobsEncoding.json
    var user: String?
    /// The research instruments asked for, by field name: only a local model
    /// can give them (`InstrumentGuard`).
    var instruments: [String] = []
    /// Activation capture, steering and the logit lens, resolved once the model is known.
    var instrumentParameters: InstrumentParameters!
    /// Choices returned per prompt. The backend samples `request.n` sequences:
    /// `best_of` when it is larger, of which the `n` most likely are returned.
    var n = 1

    /// Choices to sample per prompt when `n` of them are returned; nil: all are returned.
    var bestOf: Int? { request.n > n ? request.n : nil }

    /// The most sequences `best_of` may ask for: each is sampled and billed.
    static let maxBestOf = 16

    /// The longest `user` accepted, in UTF-8 bytes: it is stored with every usage
    /// row, and an end-user id needs no more (OpenAI's own limit is similar).
    static let maxUserBytes = 256

    /// Temperatures below this are greedy (vLLM's threshold).
    static let greedyTemperature = 1e-5

    init(body: JSON, maxLogprobs: Int) throws {
        let f = try FieldReader(body: body, fields: .completions)
        model = try f.string("model")
        guard let prompts = try f.prompts("prompt") else {
            throw APIError.invalid("`prompt` is required.", param: "prompt")
        }
        request = CompletionRequest(prompts: prompts)

        stream = try f.bool("stream") ?? false
        if let options = f.value("stream_options") {
            guard case .object = options else { throw f.typeError("stream_options", "an object", options) }
            guard stream else {
                throw APIError.invalid("Stream options can only be defined when `stream=True`.", param: "stream_options")
            }
            let o = try FieldReader(body: options, fields: .streamOptions)
            includeUsage = try o.bool("include_usage") ?? false
            continuousUsageStats = try o.bool("continuous_usage_stats") ?? false
        }

        let maxTokens: Int? = f.members["max_tokens"] == .null
            ? nil  // explicit null: as many as the context leaves (vLLM)
            : try f.int("max_tokens", in: 0...Int(Int32.max), rangeText: "at least 0") ?? 16
        request.maxTokens = maxTokens
        request.echo = try f.bool("echo") ?? false
        if maxTokens == 0, !request.echo {
            throw APIError.invalid("`max_tokens` must be at least 1 unless `echo` is true (which scores the prompt).", param: "max_tokens")
        }
        request.n = try f.int("n", in: 1...128) ?? 1

        let logprobRange = 0...maxLogprobs
        logprobs = try f.int("logprobs", in: logprobRange, rangeText: "between 0 and \(maxLogprobs) (the server's --max-logprobs)")
        // -1 is vLLM's "the whole vocabulary": every entry at every position.
        fullPromptDistribution = f.value("prompt_logprobs") == .int(-1)
        let explicitPromptLogprobs = fullPromptDistribution ? nil : try f.int(
            "prompt_logprobs", in: logprobRange,
            rangeText: "-1 (the whole vocabulary) or between 0 and \(maxLogprobs) (the server's --max-logprobs)")
        if stream, explicitPromptLogprobs != nil || fullPromptDistribution {
            throw APIError.invalid("`prompt_logprobs` are not available when `stream=True`.", param: "prompt_logprobs")
        }
        promptLogprobsEncoding = try PromptLogprobsEncoding(f, fullDistribution: fullPromptDistribution)
        promptLogprobs = explicitPromptLogprobs ?? (request.echo && !fullPromptDistribution ? logprobs : nil)
        request.logprobs = logprobs
        // The backend computes enough alternatives for both `prompt_logprobs` and
        // the prompt part of echoed `logprobs` (the whole distribution comes from its own file).
        let promptNeed = [promptLogprobs, request.echo ? logprobs : nil, fullPromptDistribution ? 0 : nil].compactMap { $0 }.max()
        request.promptLogprobs = promptNeed
        if let t = try f.number("prompt_logprobs_temperature") {
            guard t > 0, t.isFinite, t <= 1e6 else {
                throw APIError.invalid("`prompt_logprobs_temperature` must be greater than 0, got \(t).", param: "prompt_logprobs_temperature")
            }
            guard promptNeed != nil else {
                throw APIError.invalid("`prompt_logprobs_temperature` has no effect without `prompt_logprobs` (or `echo` with `logprobs`).",
                                       param: "prompt_logprobs_temperature")
            }
            request.promptLogprobsTemperature = Float(t)
        }

        let temperature = try f.number("temperature", in: 0...2) ?? 1
        request.temperature = Float(temperature)
        request.topP = Float(try f.number("top_p", in: 0...1, rangeText: "in (0, 1]") ?? 1)
        if request.topP <= 0 { throw APIError.invalid("`top_p` must be in (0, 1], got \(request.topP).", param: "top_p") }
        let topK = try f.int("top_k", in: -1...Int(Int32.max), rangeText: "0 or -1 (off), or at least 1") ?? 0
        request.topK = topK == -1 ? 0 : topK
        request.minP = Float(try f.number("min_p", in: 0...1) ?? 0)
        if let seed = try f.int("seed") { request.seed = UInt64(bitPattern: Int64(seed)) }
        request.presencePenalty = Float(try f.number("presence_penalty", in: -2...2) ?? 0)
        request.frequencyPenalty = Float(try f.number("frequency_penalty", in: -2...2) ?? 0)
        let repetition = try f.number("repetition_penalty") ?? 1
        guard repetition > 0, repetition.isFinite, repetition <= 1e6 else {
            throw APIError.invalid("`repetition_penalty` must be greater than 0, got \(repetition).", param: "repetition_penalty")
        }
        request.repetitionPenalty = Float(repetition)
        if let bias = f.value("logit_bias") {
            guard case .object(let members) = bias else { throw f.typeError("logit_bias", "an object of token id to bias", bias) }
            for (key, value) in members {
                guard let id = Int(key) else {
                    throw APIError.invalid("`logit_bias` keys must be token ids, got \"\(key)\".", param: "logit_bias")
                }
                let b: Double
                switch value {
                case .int(let i): b = Double(i)
                case .double(let d): b = d
                default: throw f.typeError("logit_bias", "an object of token id to number", value)
                }
                request.logitBias[id] = Float(min(100, max(-100, b)))
            }
        }
        request.minTokens = try f.int("min_tokens", in: 0...Int(Int32.max), rangeText: "at least 0") ?? 0
        if let maxTokens, request.minTokens > maxTokens {
            throw APIError.invalid("`min_tokens` (\(request.minTokens)) must be less than or equal to `max_tokens` (\(maxTokens)).", param: "min_tokens")
        }
        request.ignoreEOS = try f.bool("ignore_eos") ?? false
        if request.n > 1, temperature < Self.greedyTemperature {
            throw APIError.invalid("`n` must be 1 when using greedy sampling (temperature 0), got \(request.n).", param: "n")
        }
        n = request.n
        if let bestOf = try f.int("best_of", in: 1...Self.maxBestOf, rangeText: "between 1 and \(Self.maxBestOf)") {
            // vLLM's rules (before it dropped best_of): at least n, and 1 when greedy.
            guard bestOf >= n else {
                throw APIError.invalid("`best_of` must be greater than or equal to `n`, got n=\(n) and best_of=\(bestOf).", param: "best_of")
            }
            if bestOf > 1, temperature < Self.greedyTemperature {
                throw APIError.invalid("`best_of` must be 1 when using greedy sampling (temperature 0), got \(bestOf).", param: "best_of")
            }
            if bestOf > n, stream {
                // As OpenAI: which sequences win is known only once all have finished.
                throw APIError.invalid("`best_of` cannot be used with `stream=True`: the best choices are known only at the end.", param: "best_of")
            }
            request.n = bestOf
            // Choosing needs each token's logprob; the response shows them only if asked.
            if bestOf > n, request.logprobs == nil { request.logprobs = 0 }
        }
        if let allowed = try f.intList("allowed_token_ids") {
            guard !allowed.isEmpty else {
                throw APIError.invalid("`allowed_token_ids` must not be empty: no token could be sampled.", param: "allowed_token_ids")
            }
            request.allowedTokenIds = allowed
        }

        request.stop = try f.stringOrList("stop") ?? []
        if request.stop.contains("") { throw APIError.invalid("`stop` cannot contain an empty string.", param: "stop") }
        request.stopTokenIds = try f.intList("stop_token_ids") ?? []
        request.includeStopStrInOutput = try f.bool("include_stop_str_in_output") ?? false

        request.addSpecialTokens = try f.bool("add_special_tokens") ?? true
        if let t = try f.int("truncate_prompt_tokens", in: -1...Int(Int32.max), rangeText: "-1 (the model's length) or at least 1") {
            guard t != 0 else { throw APIError.invalid("`truncate_prompt_tokens` must be -1 (the model's length) or at least 1, got 0.", param: "truncate_prompt_tokens") }
            request.truncatePromptTokens = t  // -1 is resolved against the model later
        }
        request.skipSpecialTokens = try f.bool("skip_special_tokens") ?? true
        request.spacesBetweenSpecialTokens = try f.bool("spaces_between_special_tokens") ?? true
        request.returnEntropy = try f.bool("return_entropy") ?? false
        if request.returnEntropy { instruments.append("return_entropy") }
        if fullPromptDistribution { instruments.append("prompt_logprobs") }
        instrumentParameters = try InstrumentParameters(f, maxLogprobs: maxLogprobs)
        instruments += instrumentParameters.fields
        if stream, let field = instruments.first {
            throw APIError.invalid("`\(field)` is not available when `stream=True`.", param: field)
        }
        returnTokensAsTokenIds = try f.bool("return_tokens_as_token_ids") ?? false
        returnTokenIds = try f.bool("return_token_ids") ?? false
        user = try f.string("user")
        if let user, user.utf8.count > Self.maxUserBytes {
            throw APIError.invalid("`user` must be at most \(Self.maxUserBytes) bytes (UTF-8), got \(user.utf8.count).", param: "user")
        }
    }
}
