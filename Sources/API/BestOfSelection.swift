/// `best_of`, as vLLM had it: of the `best_of` sequences sampled for each
/// prompt, the `n` with the highest cumulative logprob are returned, most
/// likely first. Every sequence sampled is still billed.
enum BestOfSelection {
    /// `choices` holds `sampled` choices per prompt, prompt-major; the result
    /// holds the best `keep` of each prompt's, in the same order of prompts.
    static func select(_ choices: [ChoiceResult], sampled: Int, keep: Int) -> [ChoiceResult] {
        guard sampled > keep, sampled > 0 else { return choices }
        return stride(from: 0, to: choices.count, by: sampled).flatMap { start in
            let group = choices[start..<min(start + sampled, choices.count)]
            // Sorted by cumulative logprob, highest first; ties keep sampling order.
            let ranked = group.enumerated().sorted { a, b in
                let x = cumulativeLogprob(a.element), y = cumulativeLogprob(b.element)
                return x != y ? x > y : a.offset < b.offset
            }
            return ranked.prefix(keep).map(\.element)
        }
    }

    /// The sum of the logprobs of a choice's generated tokens.
    static func cumulativeLogprob(_ choice: ChoiceResult) -> Double {
        choice.tokens.reduce(0) { $0 + Double($1.token.logprob) }
    }
}
