import Foundation

/// Translates a validated `CompletionRequest` into the JSON body of an
/// upstream's `/v1/completions`, with every default made explicit, so the
/// upstream's own defaults never change an answer. A field the upstream's kind
/// cannot honour, set to anything but its default, is a 400 naming the model
/// and the field, rather than a different answer.
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
    func body(for r: CompletionRequest, prompts: [Any], maxTokens: Int?, stream: Bool) throws -> [String: Any] {
        try check(r)
        var b: [String: Any] = [
            "model": servedModelName,
            "prompt": prompts.count == 1 ? prompts[0] : prompts,
            "max_tokens": maxTokens.map { $0 as Any } ?? r.maxTokens.map { $0 as Any } ?? NSNull(),
            "temperature": UpstreamJSON.number(r.temperature),
            "top_p": UpstreamJSON.number(r.topP),
            "n": r.n,
            "presence_penalty": UpstreamJSON.number(r.presencePenalty),
            "frequency_penalty": UpstreamJSON.number(r.frequencyPenalty),
            "stop": r.stop,
            "echo": false,
            "stream": stream,
        ]
        if let seed = r.seed { b["seed"] = NSNumber(value: seed) }
        if let k = r.logprobs { b["logprobs"] = k }
        if stream { b["stream_options"] = ["include_usage": true] }
        switch kind {
        case .vllm:
            b["top_k"] = r.topK > 0 ? r.topK : -1
            b["min_p"] = UpstreamJSON.number(r.minP)
            b["repetition_penalty"] = UpstreamJSON.number(r.repetitionPenalty)
            b["min_tokens"] = r.minTokens
            b["ignore_eos"] = r.ignoreEOS
            b["stop_token_ids"] = r.stopTokenIds
            b["include_stop_str_in_output"] = r.includeStopStrInOutput
            b["add_special_tokens"] = r.addSpecialTokens
            b["skip_special_tokens"] = r.skipSpecialTokens
            b["spaces_between_special_tokens"] = r.spacesBetweenSpecialTokens
            // Token ids of the prompt and of each generated token, for logprobs and accounting.
            b["return_token_ids"] = true
            if let k = r.promptLogprobs { b["prompt_logprobs"] = k }
            b["logit_bias"] = Dictionary(uniqueKeysWithValues: r.logitBias.map { (String($0.key), UpstreamJSON.number($0.value)) })
        case .llamaCpp:
            b["top_k"] = r.topK
            b["min_p"] = UpstreamJSON.number(r.minP)
            b["repeat_penalty"] = UpstreamJSON.number(r.repetitionPenalty)
            b["ignore_eos"] = r.ignoreEOS
            // llama-server's own form of logit_bias: [[id, bias], ...].
            b["logit_bias"] = r.logitBias.sorted { $0.key < $1.key }.map { [$0.key, UpstreamJSON.number($0.value)] as [Any] }
        case .openai:
            b["logit_bias"] = Dictionary(uniqueKeysWithValues: r.logitBias.map { (String($0.key), UpstreamJSON.number($0.value)) })
        }
        return b
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
                ("n", r.n != 1), ("min_tokens", r.minTokens != 0), ("stop_token_ids", !r.stopTokenIds.isEmpty),
                ("include_stop_str_in_output", r.includeStopStrInOutput), ("skip_special_tokens", !r.skipSpecialTokens),
                ("spaces_between_special_tokens", !r.spacesBetweenSpecialTokens),
            ]
        case .openai:
            unsupported = [
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
