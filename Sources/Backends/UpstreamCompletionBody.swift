import JSONValue
import NIOCore

/// Translates a validated `CompletionRequest` into the JSON body of an
/// upstream's `/v1/completions`, with every default made explicit, so the
/// upstream's own defaults never change an answer. A field the upstream's kind
/// cannot honour, set to anything but its default, is a 400 naming the model
/// and the field, rather than a different answer.
///
/// Floats go as the decimal the client wrote (`JSON.decimal`): temperature 0.7
/// is sent as 0.7, not the 0.699999988 of its widening to a double.
///
/// Echo is never sent: BaseServe puts the prompt's text (and its logprobs, from
/// `prompt_logprobs`) in front of the completion itself, as for local models.
struct UpstreamCompletionBody {
    let model: String
    let servedModelName: String
    let kind: UpstreamKind
    let capabilities: UpstreamCapabilities

    /// `prompts` are what to send: the text or ids as given, or ids already truncated.
    /// `maxTokens` per prompt when BaseServe knows the prompt's length, else nil (the upstream decides).
    /// `truncatePromptTokens`: truncation left to the upstream (vLLM), when BaseServe cannot tokenize.
    func body(for r: CompletionRequest, prompts: [JSON], maxTokens: Int?, stream: Bool,
              truncatePromptTokens: Int? = nil) throws -> JSON {
        try check(r)
        var b: [(String, JSON)] = [
            ("model", .string(servedModelName)),
            ("prompt", prompts.count == 1 ? prompts[0] : .array(prompts)),
            ("max_tokens", (maxTokens ?? r.maxTokens).map { .int($0) } ?? .null),
            ("temperature", .decimal(r.temperature)),
            ("top_p", .decimal(r.topP)),
            ("n", .int(r.n)),
            ("presence_penalty", .decimal(r.presencePenalty)),
            ("frequency_penalty", .decimal(r.frequencyPenalty)),
            ("stop", JSON(r.stop)),
            ("echo", false),
            ("stream", .bool(stream)),
        ]
        // A seed is any 64-bit pattern; one beyond Int.max is written as the unsigned number it is.
        if let seed = r.seed { b.append(("seed", seed <= UInt64(Int.max) ? .int(Int(seed)) : .written(ByteBuffer(string: String(seed))))) }
        if let k = r.logprobs { b.append(("logprobs", .int(k))) }
        if stream { b.append(("stream_options", .object([("include_usage", true)]))) }
        // vLLM and OpenAI: {"id": bias}, ids in order so that the body is the same each time.
        let biasObject = JSON.object(r.logitBias.sorted { $0.key < $1.key }.map { (String($0.key), .decimal($0.value)) })
        switch kind {
        case .vllm:
            b += [
                ("top_k", .int(r.topK > 0 ? r.topK : -1)),
                ("min_p", .decimal(r.minP)),
                ("repetition_penalty", .decimal(r.repetitionPenalty)),
                ("min_tokens", .int(r.minTokens)),
                ("ignore_eos", .bool(r.ignoreEOS)),
                ("stop_token_ids", JSON(r.stopTokenIds)),
                ("include_stop_str_in_output", .bool(r.includeStopStrInOutput)),
                ("add_special_tokens", .bool(r.addSpecialTokens)),
                ("skip_special_tokens", .bool(r.skipSpecialTokens)),
                ("spaces_between_special_tokens", .bool(r.spacesBetweenSpecialTokens)),
                // Token ids of the prompt and of each generated token, for logprobs and accounting.
                ("return_token_ids", true),
            ]
            if let k = r.promptLogprobs { b.append(("prompt_logprobs", .int(k))) }
            if let t = truncatePromptTokens { b.append(("truncate_prompt_tokens", .int(t))) }
            b.append(("logit_bias", biasObject))
            if let allowed = r.allowedTokenIds { b.append(("allowed_token_ids", JSON(allowed))) }
            if r.promptLogprobsTemperature != 1 {
                b.append(("prompt_logprobs_temperature", .decimal(r.promptLogprobsTemperature)))
            }
        case .llamaCpp:
            b += [
                ("top_k", .int(r.topK)),
                ("min_p", .decimal(r.minP)),
                ("repeat_penalty", .decimal(r.repetitionPenalty)),
                ("ignore_eos", .bool(r.ignoreEOS)),
                // llama-server's own form of logit_bias: [[id, bias], ...].
                ("logit_bias", .array(r.logitBias.sorted { $0.key < $1.key }.map { .array([.int($0.key), .decimal($0.value)]) })),
            ]
        case .openai:
            b.append(("logit_bias", biasObject))
        }
        return .object(b)
    }

    /// Refuses what this kind of upstream would silently ignore or answer differently.
    func check(_ r: CompletionRequest) throws {
        if r.promptLogprobs != nil, !capabilities.promptLogprobs {
            let why = r.echo && r.logprobs != nil ? "`echo` with `logprobs` needs prompt logprobs, which" : "`prompt_logprobs`"
            throw BackendError.invalidRequest(
                "The model `\(model)` is served by a \(kind.rawValue) upstream: \(why) it does not return.",
                param: r.echo && r.logprobs != nil ? "echo" : "prompt_logprobs")
        }
        var unsupported: [(String, Bool)] = []
        switch kind {
        case .vllm:
            break
        case .llamaCpp:
            unsupported = [
                ("allowed_token_ids", r.allowedTokenIds != nil),
                ("prompt_logprobs_temperature", r.promptLogprobsTemperature != 1),
                ("n", r.n != 1), ("min_tokens", r.minTokens != 0), ("stop_token_ids", !r.stopTokenIds.isEmpty),
                ("include_stop_str_in_output", r.includeStopStrInOutput), ("skip_special_tokens", !r.skipSpecialTokens),
                ("spaces_between_special_tokens", !r.spacesBetweenSpecialTokens),
            ]
        case .openai:
            unsupported = [
                ("allowed_token_ids", r.allowedTokenIds != nil),
                ("prompt_logprobs_temperature", r.promptLogprobsTemperature != 1),
                ("top_k", r.topK > 0), ("min_p", r.minP != 0), ("repetition_penalty", r.repetitionPenalty != 1),
                ("min_tokens", r.minTokens != 0), ("ignore_eos", r.ignoreEOS), ("stop_token_ids", !r.stopTokenIds.isEmpty),
                ("include_stop_str_in_output", r.includeStopStrInOutput), ("skip_special_tokens", !r.skipSpecialTokens),
                ("spaces_between_special_tokens", !r.spacesBetweenSpecialTokens), ("add_special_tokens", !r.addSpecialTokens),
            ]
        }
        if let (field, _) = unsupported.first(where: { $0.1 }) {
            throw BackendError.invalidRequest(
                "The model `\(model)` is served by a \(kind.rawValue) upstream, which does not support `\(field)` as asked.",
                param: field)
        }
    }
}
