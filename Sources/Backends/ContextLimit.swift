/// The context-length rules every backend applies to a completion request, with
/// vLLM's messages, so local and upstream models refuse alike.
extension CompletionRequest {
    /// `truncate_prompt_tokens` may not exceed the model's context.
    func checkTruncation(limit: Int) throws {
        if let t = truncatePromptTokens, t > limit {
            throw BackendError.invalidRequest(
                "truncate_prompt_tokens value (\(t)) is greater than max_model_len (\(limit)). Please, select a smaller truncation size.",
                param: "truncate_prompt_tokens")
        }
    }

    /// The tokens a prompt of `promptLength` tokens may generate: `max_tokens`, or
    /// what the context leaves when it is null. An empty prompt, or one that with
    /// its completion does not fit in `limit` tokens, is a 400.
    func completionBudget(promptLength: Int, limit: Int) throws -> Int {
        guard promptLength > 0 else {
            throw BackendError.invalidRequest("The prompt is empty: give at least one token.", param: "prompt")
        }
        guard promptLength <= limit else {
            throw BackendError.contextLengthExceeded(
                "This model's maximum context length is \(limit) tokens. However, your request has \(promptLength) input tokens. Please reduce the length of the input.",
                param: "prompt")
        }
        let budget = maxTokens ?? (limit - promptLength)
        guard promptLength + budget <= limit else {
            throw BackendError.contextLengthExceeded(
                "This model's maximum context length is \(limit) tokens. However, you requested \(promptLength + budget) tokens (\(promptLength) in the prompt, \(budget) in the completion). Please reduce the length of the prompt or completion.",
                param: "max_tokens")
        }
        return budget
    }
}
