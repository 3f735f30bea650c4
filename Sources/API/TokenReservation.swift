import Backends
import Foundation

/// The most tokens a request can cost, known before any work: what is reserved
/// against a member's token limits at admission (and settled to the tokens
/// actually used once the request ends).
enum WorstCaseTokens {
    /// Special tokens a tokenizer may add to a text (BOS and EOS at most).
    static let addedSpecialTokens = 2

    /// A prompt's tokens without tokenizing it: a tokenizer makes at most one
    /// token per UTF-8 byte, plus the special tokens it adds; never more than
    /// the model's context (or `truncatedTo`). Token-id prompts are exact.
    static func prompt(_ input: PromptInput, addSpecialTokens: Bool, maxModelLength: Int, truncatedTo: Int? = nil) -> Int {
        var count: Int
        switch input {
        case .tokens(let ids): count = ids.count
        case .text(let text): count = text.utf8.count + (addSpecialTokens ? addedSpecialTokens : 0)
        }
        if let truncatedTo, truncatedTo >= 0 { count = min(count, truncatedTo) }
        return min(count, maxModelLength)
    }

    /// Every prompt, plus `max_tokens` for each of its `n` choices (the rest of
    /// the context when `max_tokens` is null).
    static func completion(_ request: CompletionRequest, maxModelLength: Int) -> Int {
        let perChoice = min(request.maxTokens ?? maxModelLength, maxModelLength)
        return request.prompts.reduce(0) { total, input in
            total + prompt(input, addSpecialTokens: request.addSpecialTokens, maxModelLength: maxModelLength,
                           truncatedTo: request.truncatePromptTokens) + request.n * perChoice
        }
    }

    /// The context and the continuation of every item.
    static func score(_ request: ScoreRequest, maxModelLength: Int) -> Int {
        request.items.reduce(0) { total, item in
            total + prompt(item.context, addSpecialTokens: request.addSpecialTokens, maxModelLength: maxModelLength)
                + prompt(item.continuation, addSpecialTokens: false, maxModelLength: maxModelLength)
        }
    }
}

extension RequestRecord {
    /// Reserves `tokens`, the request's worst case, on its key's account (keys
    /// without an account have no limits). Called after the body is read and
    /// before any engine work; throws the 429 when the tokens do not fit.
    func reserveTokens(_ tokens: Int) async throws {
        guard let account = principal?.account else { return }
        var report = rateLimitReport ?? RateLimitReport()
        func withTokenFigures(_ reserved: RateLimitReport) -> RateLimitReport {
            guard reserved.tokenLimit != nil else { return report }
            report.tokenLimit = reserved.tokenLimit
            report.tokensRemaining = reserved.tokensRemaining ?? report.tokensRemaining
            return report
        }
        switch try await account.reserve(tokens: tokens) {
        case .reserved(let reserved):
            setRateLimitReport(withTokenFigures(reserved))
        case .limited(let reserved, let limit, let retryAfter):
            throw APIError.rateLimited(withTokenFigures(reserved), limit: limit, retryAfterSeconds: retryAfter)
        case .exceedsLimit(let reserved, let limit, let maximum):
            // No Retry-After: waiting would not help, and a client must not loop on it.
            var error = APIError(
                .rateLimitExceeded,
                "This request may use up to \(tokens) tokens (its prompt plus max_tokens for each choice), more than the whole limit of \(maximum) \(limit): it can never run. Ask for fewer tokens (a lower max_tokens, n or best_of, a shorter prompt).")
            error.headers = withTokenFigures(reserved).headers
            throw error
        case .overBudget(let reserved, let refusal):
            var error = APIError.budgetExceeded(refusal)
            error.headers = withTokenFigures(reserved).headers
            throw error
        }
    }
}

extension APIError {
    /// The 429 for a spent token budget: which budget, its size and when it
    /// resets. No Retry-After: retrying before the reset cannot succeed, and
    /// clients that honour Retry-After would only loop on it.
    static func budgetExceeded(_ refusal: BudgetRefusal) -> APIError {
        let resets = ISO8601DateFormatter().string(from: refusal.resetsAt)
        let message: String
        if refusal.requested > refusal.size {
            message = "Token budget exceeded: this request may use up to \(refusal.requested) tokens (its prompt plus max_tokens for each choice), more than the whole \(refusal.budget) budget of \(refusal.size) tokens, so it can never run. Ask for fewer tokens, or \(refusal.whoCanRaise). The budget resets at \(resets)."
        } else {
            message = "Token budget exceeded: the \(refusal.budget) budget of \(refusal.size) tokens has \(max(0, refusal.size - refusal.used)) left, and this request may use up to \(refusal.requested). It resets at \(resets); until then \(refusal.whoCanRaise)."
        }
        return APIError(.budgetExceeded, message)
    }
}
