import JSONValue
/// BaseServe's own checks of a completion's prompts against an upstream model,
/// the same 400s as for local models, before anything is sent. Where the
/// upstream can tokenize, the prompt's length is known and checked against
/// max_model_len here; where it cannot, the upstream checks and its 400 is
/// passed on.
struct UpstreamPromptPreparation {
    let backend: UpstreamBackend

    struct Prompt: Sendable {
        /// Token ids, when known before sending.
        var ids: [Int]?
        /// The prompt's text, for echo.
        var text: String
        /// The first token's text on its own, for echoed logprobs (prompt logprobs start at the second).
        var firstTokenText = ""
    }

    struct Prepared {
        var prompts: [Prompt]
        /// What goes in the upstream request's `prompt`, per prompt: the text or ids as given, or truncated ids.
        var sendValues: [JSON]
        /// `max_tokens` to send; nil: as the request says (or the upstream's "as many as fit").
        var maxTokens: Int?
        /// `truncate_prompt_tokens` left to the upstream (vLLM) when BaseServe cannot tokenize.
        var upstreamTruncation: Int?
    }

    func prepare(_ request: CompletionRequest) async throws -> Prepared {
        let model = backend.descriptor
        let limit = model.maxModelLength
        try request.checkTruncation(limit: limit)
        try backend.checkVocabulary(Array(request.logitBias.keys), param: "logit_bias")
        try backend.checkVocabulary(request.allowedTokenIds ?? [], param: "allowed_token_ids")
        var upstreamTruncation: Int?
        var computedMaxTokens: [Int] = []
        var prompts: [Prompt] = []
        var sendValues: [JSON] = []
        for prompt in request.prompts {
            var ids = try await backend.ids(of: prompt, addSpecialTokens: request.addSpecialTokens, param: "prompt")
            var truncated = false
            if let t = request.truncatePromptTokens {
                if var known = ids {
                    if known.count > t {
                        known = Array(known.suffix(t))
                        truncated = true
                    }
                    ids = known
                } else if backend.kind == .vllm {
                    upstreamTruncation = t
                } else {
                    throw BackendError.invalidRequest(
                        "The model `\(model.name)` is served by an upstream that can neither tokenize nor truncate: `truncate_prompt_tokens` needs token ids.",
                        param: "truncate_prompt_tokens")
                }
            }
            if let ids {
                let maxTokens = try request.completionBudget(promptLength: ids.count, limit: limit)
                if request.minTokens > maxTokens {
                    throw BackendError.invalidRequest(
                        "min_tokens (\(request.minTokens)) must be less than or equal to max_tokens (\(maxTokens)).", param: "min_tokens")
                }
                computedMaxTokens.append(maxTokens)
            }
            var text = ""
            if case .text(let original) = prompt, !truncated {
                text = original
            } else if request.echo, let ids, backend.capabilities.tokenize {
                text = try await backend.detokenize(ids, skipSpecialTokens: false)
            }
            switch prompt {
            case .text(let original) where !truncated: sendValues.append(.string(original))
            case .tokens(let given) where !truncated: sendValues.append(JSON(given))
            default: sendValues.append(JSON(ids ?? []))
            }
            var first = ""
            if request.echo, request.logprobs != nil, let id = ids?.first, backend.capabilities.tokenize {
                first = try await backend.detokenize([id], skipSpecialTokens: false)
            }
            prompts.append(Prompt(ids: ids, text: text, firstTokenText: first))
        }
        // One max_tokens for the whole request: when the request leaves it open and
        // the prompts differ in length, the upstream fills each prompt's context.
        var maxTokens = request.maxTokens
        if maxTokens == nil, computedMaxTokens.count == prompts.count, Set(computedMaxTokens).count == 1 {
            maxTokens = computedMaxTokens[0]
        }
        return Prepared(prompts: prompts, sendValues: sendValues, maxTokens: maxTokens, upstreamTruncation: upstreamTruncation)
    }
}
