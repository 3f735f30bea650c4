import Kernels
import Model

extension Engine {
    /// One sequence in a step, with where its events go (`emit` returns false
    /// when the consumer wants no more).
    struct StepParticipant {
        let sequence: SequenceRun
        let emit: (EngineEvent) -> Bool
    }

    /// Step `number` of continuous batching, on the scheduler's thread: the last token of
    /// every generating sequence, then chunks of prompts in the order given
    /// until `tokenBudget` tokens are taken, all in one forward pass; then one
    /// product for the next-token logits of every generating sequence, and each
    /// sequence's scores and next token.
    ///
    /// Decode tokens always go in: a generating sequence never waits behind a
    /// long prompt for more than one chunk, and the weights are read once for all.
    /// Each sequence evaluated hears `.evaluated(step: number, ...)` first.
    func step(_ participants: [StepParticipant], number: Int) {
        var inputs: [(participant: StepParticipant, tokens: ArraySlice<Int>)] = []
        for p in participants where !p.sequence.isPrefilling {
            let tokens = p.sequence.nextInput(budget: 1)
            if !tokens.isEmpty { inputs.append((p, tokens)) }
        }
        // Prompts share what the decode tokens leave of the budget, but always
        // get a little, so many generating sequences cannot starve a new one.
        var budget = max(tokenBudget - inputs.count, min(tokenBudget, 32))
        for p in participants where p.sequence.isPrefilling && !p.sequence.isFinished && budget > 0 {
            let tokens = p.sequence.nextInput(budget: budget)
            inputs.append((p, tokens))
            budget -= tokens.count
        }
        guard !inputs.isEmpty else { return }

        let hiddenSize = config.hiddenSize
        let rows = inputs.reduce(0) { $0 + $1.tokens.count }
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: rows * hiddenSize)
        defer { hidden.deallocate() }
        model.forward(inputs.map { BatchSlice(tokens: $0.tokens, cache: $0.participant.sequence.cache) }, hidden: hidden,
                      afterBlock: instrumentTap(inputs))
        for input in inputs { _ = input.participant.emit(.evaluated(step: number, tokens: input.tokens.count)) }

        // Decode rows come first in the batch: their logits in one product.
        let decodeCount = inputs.prefix { !$0.participant.sequence.isPrefilling }.count
        if decodeCount > 0 {
            let vocab = vocabularySize
            let logits = UnsafeMutablePointer<Float>.allocate(capacity: decodeCount * vocab)
            defer { logits.deallocate() }
            model.logits(hidden: hidden, rows: decodeCount, output: logits)
            for (i, input) in inputs.prefix(decodeCount).enumerated() {
                input.participant.sequence.lastLogits.update(from: logits + i * vocab, count: vocab)
                input.participant.sequence.absorbToken(engine: self, emit: input.participant.emit)
            }
        }
        var row = decodeCount
        for input in inputs.dropFirst(decodeCount) {
            input.participant.sequence.absorbPrompt(hidden: hidden + row * hiddenSize, count: input.tokens.count,
                                                    engine: self, emit: input.participant.emit)
            row += input.tokens.count
        }
    }

    /// Where the model hands the residual stream after each block to the
    /// sequences with instruments, each its own rows; nil when none has any.
    private func instrumentTap(_ inputs: [(participant: StepParticipant, tokens: ArraySlice<Int>)])
        -> ((Int, UnsafeMutablePointer<Float>) -> Void)? {
        var taps: [(sequence: SequenceRun, row: Int, rows: Int, position: Int)] = []
        var row = 0
        for input in inputs {
            let sequence = input.participant.sequence
            if !sequence.job.instruments.isEmpty {
                taps.append((sequence, row, input.tokens.count, sequence.cache.count))
            }
            row += input.tokens.count
        }
        guard !taps.isEmpty else { return nil }
        let hiddenSize = config.hiddenSize
        return { layer, x in
            for t in taps {
                t.sequence.observe(layer: layer, residual: x + t.row * hiddenSize, rows: t.rows, position: t.position, engine: self)
            }
        }
    }

    /// Forms what the prompt positions `range` predict from their final hidden
    /// states: with `topK`, the score of each position from `from` on (logits
    /// `logitRows` at a time, so memory stays bounded); and with `next`, when
    /// the range ends the prompt, the next-token logits in `lastLogits`; with
    /// `distributions`, each scored position's logits (at `temperature`) and their
    /// log-sum-exp appended to it: its whole distribution.
    func scorePrompt(hidden: UnsafePointer<Float>, prompt: [Int], range: Range<Int>, from: Int, topK: Int?,
                     temperature: Float = 1, entropy: Bool = false, next: Bool,
                     scores: inout [PositionScore?], lastLogits: UnsafeMutablePointer<Float>,
                     distributions: DistributionCapture? = nil) {
        let vocab = vocabularySize
        let hiddenSize = config.hiddenSize
        let endsPrompt = range.upperBound == prompt.count
        // Position p predicts the token at p + 1: the first scored one needs the position before it.
        let firstRow = max(0, from - 1 - range.lowerBound)

        guard let k = topK, firstRow < range.count else {
            if next, endsPrompt { model.logits(hidden: hidden + (range.count - 1) * hiddenSize, rows: 1, output: lastLogits) }
            return
        }
        let capacity = min(logitRows, range.count - firstRow)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: capacity * vocab)
        defer { logits.deallocate() }
        // Each row's log-sum-exp, kept beside the row's logits when whole distributions are written.
        var logSumExps = [Double](repeating: 0, count: distributions == nil ? 0 : capacity)
        var first = firstRow
        while first < range.count {
            let rows = min(capacity, range.count - first)
            model.logits(hidden: hidden + first * hiddenSize, rows: rows, output: logits)
            // Row r predicts the token at position base + r + 1.
            let base = range.lowerBound + first
            // The first token is sampled from the model's own logits, whatever
            // temperature the prompt's logprobs are reported at: keep them first.
            if next, endsPrompt, base + rows == prompt.count {
                lastLogits.update(from: logits + (rows - 1) * vocab, count: vocab)
            }
            scores.withUnsafeMutableBufferPointer { out in
                logSumExps.withUnsafeMutableBufferPointer { lse in
                    model.pool.parallelFor(rows) { r in
                        let target = base + r + 1
                        guard target < prompt.count else { return }
                        let row = logits + r * vocab
                        if temperature != 1 {
                            // vLLM's prompt_logprobs_temperature: log-softmax of logits / T.
                            for i in 0..<vocab { row[i] /= temperature }
                        }
                        let s = scoreLogits(row, vocabularySize: vocab, target: prompt[target], topK: k)
                        out[target] = PositionScore(tokenId: prompt[target], logprob: s.logprob, rank: s.rank, top: s.top,
                                                    entropy: entropy ? Kernels.entropy(ofLogits: row, count: vocab) : nil)
                        if !lse.isEmpty { lse[r] = s.logSumExp }  // the one scoreLogits formed
                    }
                }
            }
            // Rows predicting a prompt token (the prompt's last position predicts none), in order.
            distributions?.append(logits: logits, logSumExps: logSumExps[0..<max(0, min(rows, prompt.count - 1 - base))])
            first += rows
        }
    }
}
