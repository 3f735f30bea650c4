import JSONValue

/// What BaseServe does with one request field.
enum FieldSupport: Sendable, Equatable {
    /// Read and acted on.
    case honoured
    /// A field vLLM or OpenAI defines that BaseServe does not implement: any
    /// value is a 400 `unsupported_parameter` saying `reason`, except null and
    /// `off` (the value that asks for nothing, such as `use_beam_search: false`).
    case unsupported(reason: String, off: JSON? = nil)
}

/// The fields a request body (or a nested object of one) may carry, each
/// honoured or refused: the one place that says what BaseServe does with every
/// field vLLM and OpenAI define for these endpoints. A field in no table is a
/// 400 `unknown_parameter` — usually a typo, which a server that ignored it
/// would answer as if the field had never been sent.
struct RequestFields: Sendable {
    /// Where these fields are read, for messages (`/v1/completions`, `stream_options`).
    let place: String
    /// Put before a field's name in `param`: `stream_options.` for a nested object's fields.
    var paramPrefix = ""
    let fields: [(name: String, support: FieldSupport)]

    func support(of name: String) -> FieldSupport? {
        fields.first { $0.name == name }?.support
    }

    /// Throws the 400 for the first field of `body` that is unknown, or
    /// unsupported and set to something other than null or its `off` value.
    func check(_ body: JSON) throws {
        guard case .object(let members) = body else { return }
        for (name, value) in members {
            switch support(of: name) {
            case .honoured:
                continue
            case .unsupported(let reason, let off):
                if value == .null || off.map({ Self.same(value, $0) }) == true { continue }
                throw APIError(.unsupportedParameter, "`\(name)` is not supported by this server: \(reason)",
                               param: paramPrefix + name)
            case nil:
                var message = "Unknown parameter `\(name)` in \(place)"
                if let guess = suggestion(for: name) {
                    message += ": did you mean `\(guess)`?"
                } else {
                    message += "; the accepted fields are listed in /openapi.json."
                }
                throw APIError(.unknownParameter, message, param: paramPrefix + name)
            }
        }
    }

    /// A known field one edit (insertion, deletion, substitution or swap of
    /// neighbours) away from `name`; honoured fields first.
    func suggestion(for name: String) -> String? {
        let near = fields.filter { Self.withinOneEdit(name, $0.name) }
        return (near.first { $0.support == .honoured } ?? near.first)?.name
    }

    static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        let x = Array(a.lowercased().unicodeScalars), y = Array(b.lowercased().unicodeScalars)
        if x == y { return true }
        if abs(x.count - y.count) > 1 { return false }
        var i = 0
        while i < min(x.count, y.count), x[i] == y[i] { i += 1 }
        if x.count == y.count {
            // One substitution, or two neighbours swapped.
            if x[(i + 1)...] == y[(i + 1)...] { return true }
            return i + 1 < x.count && x[i] == y[i + 1] && x[i + 1] == y[i] && x[(i + 2)...] == y[(i + 2)...]
        }
        // One insertion or deletion.
        return x.count > y.count ? x[(i + 1)...] == y[i...] : x[i...] == y[(i + 1)...]
    }

    /// JSON values equal as values: 1 and 1.0 are the same number.
    static func same(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        default: return a == b
        }
    }
}

extension RequestFields {
    private static let guided = "structured output (guided decoding) is not implemented; BaseServe samples from the model as it is."
    private static let noPriority = "requests are served in arrival order; there is no priority scheduling."

    /// `POST /v1/completions`: vLLM's CompletionRequest (which includes OpenAI's fields), field by field.
    static let completions = RequestFields(place: "/v1/completions", fields: [
        // OpenAI's fields.
        ("model", .honoured), ("prompt", .honoured), ("best_of", .honoured), ("echo", .honoured),
        ("frequency_penalty", .honoured), ("logit_bias", .honoured), ("logprobs", .honoured), ("max_tokens", .honoured),
        ("n", .honoured), ("presence_penalty", .honoured), ("seed", .honoured), ("stop", .honoured), ("stream", .honoured),
        ("stream_options", .honoured), ("temperature", .honoured), ("top_p", .honoured), ("user", .honoured),
        ("suffix", .unsupported(reason: "base models have no insertion (fill-in-the-middle); put all the text in `prompt`.")),
        // vLLM's sampling fields.
        ("top_k", .honoured), ("min_p", .honoured), ("repetition_penalty", .honoured), ("stop_token_ids", .honoured),
        ("include_stop_str_in_output", .honoured), ("ignore_eos", .honoured), ("min_tokens", .honoured),
        ("skip_special_tokens", .honoured), ("spaces_between_special_tokens", .honoured),
        ("truncate_prompt_tokens", .honoured), ("allowed_token_ids", .honoured), ("prompt_logprobs", .honoured),
        ("use_beam_search", .unsupported(
            reason: "beam search is not implemented. `best_of` samples that many sequences and returns the `n` with the highest cumulative logprob.",
            off: .bool(false))),
        ("length_penalty", .unsupported(reason: "it only weighs beam search, which is not implemented.", off: .int(1))),
        // vLLM's extra fields.
        ("add_special_tokens", .honoured), ("return_tokens_as_token_ids", .honoured), ("return_token_ids", .honoured),
        ("prompt_embeds", .unsupported(reason: "prompts are text or token ids; embeddings cannot be sent.")),
        ("response_format", .unsupported(reason: guided)),
        ("guided_json", .unsupported(reason: guided)), ("guided_regex", .unsupported(reason: guided)),
        ("guided_choice", .unsupported(reason: guided)), ("guided_grammar", .unsupported(reason: guided)),
        ("guided_decoding_backend", .unsupported(reason: guided)), ("guided_whitespace_pattern", .unsupported(reason: guided)),
        ("structured_outputs", .unsupported(reason: guided)),
        ("priority", .unsupported(reason: noPriority, off: .int(0))),
        ("request_id", .unsupported(reason: "the server gives every request its own id.")),
        ("logits_processors", .unsupported(reason: "custom logits processors cannot run in BaseServe's engine; `logit_bias` and `allowed_token_ids` are honoured.")),
        ("cache_salt", .unsupported(reason: "the prefix cache is not salted per request.")),
        ("kv_transfer_params", .unsupported(reason: "disaggregated prefill is not implemented.")),
        ("vllm_xargs", .unsupported(reason: "there are no custom extensions to pass arguments to.")),
        ("prompt_logprobs_temperature", .honoured),
        // BaseServe's research instruments (local models only).
        ("return_entropy", .honoured), ("output_residual_stream", .honoured), ("apply_steering_vectors", .honoured),
        ("logit_lens", .honoured), ("prompt_logprobs_encoding", .honoured),
    ])

    /// One entry of `apply_steering_vectors`.
    static let steeringVector = RequestFields(place: "an entry of `apply_steering_vectors`", paramPrefix: "apply_steering_vectors.", fields: [
        ("vector", .honoured), ("layer_indices", .honoured), ("scale", .honoured), ("positions", .honoured),
    ])

    /// `logit_lens`.
    static let logitLens = RequestFields(place: "logit_lens", paramPrefix: "logit_lens.", fields: [
        ("layers", .honoured), ("top_k", .honoured),
    ])

    /// `stream_options` of a completion request.
    static let streamOptions = RequestFields(place: "stream_options", paramPrefix: "stream_options.", fields: [
        ("include_usage", .honoured), ("continuous_usage_stats", .honoured),
    ])

    /// `POST /v1/score`. vLLM's own `/v1/score` is a cross-encoder's (`text_1`,
    /// `text_2`); its fields are refused with the form BaseServe takes instead.
    static let score = RequestFields(place: "/v1/score", fields: [
        ("model", .honoured), ("context", .honoured), ("continuation", .honoured), ("continuations", .honoured),
        ("context_token_ids", .honoured), ("continuation_token_ids", .honoured), ("items", .honoured),
        ("add_special_tokens", .honoured), ("top_logprobs", .honoured), ("return_tokens_as_token_ids", .honoured),
        ("apply_steering_vectors", .honoured), ("text", .honoured), ("rolling", .honoured),
        ("text_1", .unsupported(reason: "this /v1/score scores continuations of a context, not text pairs with a cross-encoder; send `context` and `continuations`.")),
        ("text_2", .unsupported(reason: "this /v1/score scores continuations of a context, not text pairs with a cross-encoder; send `context` and `continuations`.")),
        ("truncate_prompt_tokens", .unsupported(reason: "a truncated context would change the score, so scoring never truncates.")),
        ("priority", .unsupported(reason: noPriority, off: .int(0))),
    ])

    /// `/v1/score`'s `rolling`.
    static let rolling = RequestFields(place: "rolling", paramPrefix: "rolling.", fields: [
        ("window", .honoured), ("stride", .honoured),
    ])

    /// One entry of `/v1/score`'s `items`.
    static let scoreItem = RequestFields(place: "an entry of `items`", paramPrefix: "items.", fields: [
        ("context", .honoured), ("continuation", .honoured),
    ])

    private static let noChat = "base models have no chat template; send the text as `prompt`."

    /// `POST /tokenize`: vLLM's completion form; its chat form is refused.
    static let tokenize = RequestFields(place: "/tokenize", fields: [
        ("model", .honoured), ("prompt", .honoured), ("add_special_tokens", .honoured), ("return_token_strs", .honoured),
        ("messages", .unsupported(reason: noChat)), ("add_generation_prompt", .unsupported(reason: noChat)),
        ("continue_final_message", .unsupported(reason: noChat)), ("chat_template", .unsupported(reason: noChat)),
        ("chat_template_kwargs", .unsupported(reason: noChat)), ("tools", .unsupported(reason: noChat)),
        ("mm_processor_kwargs", .unsupported(reason: "the models served take text only.")),
    ])

    /// `POST /detokenize`.
    static let detokenize = RequestFields(place: "/detokenize", fields: [
        ("model", .honoured), ("tokens", .honoured),
    ])
}
