import Backends

/// Counts a completion's tokens from its events as the backend produces them,
/// so that a request that ends early (the client left, the work was cancelled,
/// the backend failed) is billed for every token made, not only through a
/// final `.usage` that never comes.
struct CompletionTokenMeter {
    /// Choices per prompt (`n`): each choice repeats its prompt, billed once.
    let choicesPerPrompt: Int
    private var promptTokens: [Int: Int] = [:]
    private var completionTokens = 0
    /// Deltas with text but no tokens: an upstream that reports no token ids
    /// (llama.cpp, OpenAI without logprobs) still sends at least one token per
    /// streamed chunk, which is what such a stream cut short is billed.
    private var untokenizedDeltas = 0
    private var reported: CompletionUsage?

    init(choicesPerPrompt: Int) {
        self.choicesPerPrompt = max(1, choicesPerPrompt)
    }

    mutating func count(_ event: CompletionEvent) {
        switch event {
        case .prompt(let choice, let ids, _, _, _):
            promptTokens[choice / choicesPerPrompt] = ids.count
        case .delta(_, let text, let tokens, _):
            completionTokens += tokens.count
            if tokens.isEmpty, !text.isEmpty { untokenizedDeltas += 1 }
        case .usage(let usage):
            reported = usage
        case .finished, .instruments:
            break
        }
    }

    /// The backend's own totals where it gave them, never less than was seen.
    var prompt: Int { max(promptTokens.values.reduce(0, +), reported?.promptTokens ?? 0) }
    var completion: Int {
        guard let reported else {
            return completionTokens > 0 ? completionTokens : untokenizedDeltas
        }
        return max(completionTokens, reported.completionTokens)
    }
}

extension RequestRecord {
    func setTokens(_ meter: CompletionTokenMeter) {
        setTokens(prompt: meter.prompt, completion: meter.completion)
    }
}
