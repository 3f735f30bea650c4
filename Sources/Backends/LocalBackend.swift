import Engine
import Foundation
import Tokenizer

/// A backend over the in-process engine: tokenizes, checks the request against
/// the model, runs one engine job per choice, and turns tokens into text with
/// stop strings and special-token handling as vLLM does.
public final class LocalBackend: Backend {
    public let engine: Engine
    public let descriptor: ModelDescriptor

    /// `maxModelLength` defaults to the model's context length and may not exceed it.
    /// The model file's SHA-256 is computed here, once, as the model loads,
    /// unless `fingerprint` brings it (from an earlier load of the same file).
    public init(engine: Engine, name: String, maxModelLength: Int? = nil, created: Int = Int(Date().timeIntervalSince1970),
                fingerprint: ModelFingerprint? = nil) throws {
        let limit = maxModelLength ?? engine.contextLength
        guard limit >= 1, limit <= engine.contextLength else {
            throw BackendError.invalidRequest(
                "--max-model-len \(limit) must be between 1 and the model's context length \(engine.contextLength)", param: nil)
        }
        self.engine = engine
        let file = try fingerprint ?? ModelFingerprint(file: engine.file)
        descriptor = ModelDescriptor(name: name, maxModelLength: limit, vocabularySize: engine.vocabularySize, created: created,
                                     kind: .local, layerCount: engine.config.layerCount, hiddenSize: engine.config.hiddenSize,
                                     fingerprint: file, systemFingerprint: file.systemFingerprint(engine: Engine.numericsIdentity))
    }

    var tokenizer: Tokenizer { engine.tokenizer }
    public var load: BackendLoad { BackendLoad(jobs: engine.activeJobs, kvCacheBytes: engine.kvCacheBytes) }

    // MARK: Tokenizer

    public func tokenize(_ text: String, addSpecialTokens: Bool) async throws -> [Int] {
        let tokenizer = self.tokenizer
        return try await TokenizingQueue.run { tokenizer.encode(text, addSpecialTokens: addSpecialTokens) }
    }

    public func detokenize(_ tokens: [Int], skipSpecialTokens: Bool) async throws -> String {
        try checkVocabulary(tokens, param: "tokens")
        return tokenizer.decode(tokens, skipSpecialTokens: skipSpecialTokens)
    }

    public func tokenizerInfo() async throws -> TokenizerInfo {
        TokenizerInfo(
            tokenizerClass: tokenizer.modelName == "llama" ? "LlamaTokenizer" : "PreTrainedTokenizerFast",
            bosToken: tokenizer.bosTokenId.map(tokenizer.tokenText), bosTokenId: tokenizer.bosTokenId,
            eosToken: tokenizer.eosTokenId.map(tokenizer.tokenText), eosTokenId: tokenizer.eosTokenId,
            addsBOS: tokenizer.addsBOS, vocabularySize: tokenizer.vocabularySize, modelMaxLength: descriptor.maxModelLength)
    }

    private func checkVocabulary(_ ids: [Int], param: String) throws {
        if let bad = ids.first(where: { !tokenizer.isValid($0) }) {
            throw BackendError.invalidRequest(
                "Token id \(bad) is out of vocabulary (the model has \(tokenizer.vocabularySize) tokens).", param: param)
        }
    }

    private func tokens(of prompt: PromptInput, addSpecialTokens: Bool, param: String) throws -> [Int] {
        switch prompt {
        case .text(let text): return tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
        case .tokens(let ids):
            try checkVocabulary(ids, param: param)
            return ids
        }
    }

    /// Refuses text that cannot fit in `limit` tokens, judged from its bytes
    /// (`Tokenizer.fewestTokens`): tokenizing a few megabytes to find out would
    /// take seconds.
    func checkFits(_ texts: [String], limit: Int, describing what: String, param: String) throws {
        let fewest = texts.reduce(0) { $0 + tokenizer.fewestTokens($1) }
        guard fewest > limit else { return }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        throw BackendError.contextLengthExceeded(
            "This model\'s maximum context length is \(limit) tokens. However, \(what) is \(bytes) bytes of text, which is at least \(fewest) tokens (no token of this model stands for more than \(tokenizer.longestTokenInputBytes) bytes). Please reduce the length of the input.",
            param: param)
    }

    func text(_ id: Int) -> String { tokenizer.tokenText(id) }

    func scored(_ s: PositionScore) -> ScoredToken { ScoredToken(s, text: text) }

    func scored(_ t: GeneratedToken) -> ScoredToken {
        ScoredToken(PositionScore(tokenId: t.id, logprob: t.logprob, rank: t.rank, top: t.top, entropy: t.entropy), text: text)
    }

    // MARK: Completions

    /// A prompt ready to run: its tokens, its text for echo, and how many tokens to generate.
    struct PreparedPrompt {
        var tokens: [Int]
        var text: String
        var maxTokens: Int
    }

    func prepare(_ request: CompletionRequest) throws -> [PreparedPrompt] {
        let limit = descriptor.maxModelLength
        try request.checkTruncation(limit: limit)
        if let bad = request.logitBias.keys.first(where: { !tokenizer.isValid($0) }) {
            throw BackendError.invalidRequest(
                "Token id \(bad) in logit_bias is out of vocabulary (the model has \(tokenizer.vocabularySize) tokens).",
                param: "logit_bias")
        }
        try checkVocabulary(request.allowedTokenIds ?? [], param: "allowed_token_ids")
        // Truncation keeps the last tokens of a prompt of any length, so only an
        // untruncated prompt can be refused by its length before tokenizing.
        if request.truncatePromptTokens == nil {
            for case .text(let text) in request.prompts {
                try checkFits([text], limit: limit, describing: "your prompt", param: "prompt")
            }
        }
        let prepared = try request.prompts.map { prompt in
            var ids = try tokens(of: prompt, addSpecialTokens: request.addSpecialTokens, param: "prompt")
            var truncated = false
            if let t = request.truncatePromptTokens, ids.count > t {
                ids = Array(ids.suffix(t))
                truncated = true
            }
            let maxTokens = try request.completionBudget(promptLength: ids.count, limit: limit)
            try checkCapture(request, promptLength: ids.count, maxTokens: maxTokens)
            if maxTokens == 0, !request.echo {
                throw BackendError.invalidRequest(
                    "max_tokens is 0 and echo is false: there is nothing to return. Set echo to true to score the prompt.",
                    param: "max_tokens")
            }
            if request.minTokens > maxTokens {
                throw BackendError.invalidRequest(
                    "min_tokens (\(request.minTokens)) must be less than or equal to max_tokens (\(maxTokens)).", param: "min_tokens")
            }
            let text: String
            if case .text(let original) = prompt, !truncated {
                text = original
            } else {
                text = tokenizer.decode(ids)
            }
            return PreparedPrompt(tokens: ids, text: text, maxTokens: maxTokens)
        }
        try checkFullDistributions(request, prompts: prepared)
        return prepared
    }

    /// Refuses whole distributions at more prompt positions than the server's
    /// --max-full-vocab-positions, every choice of every prompt counted (each
    /// computes and sends its own), before any work: each position is the
    /// whole vocabulary (SmolLM2: 192 KiB of float32, some 3 MB of JSON).
    private func checkFullDistributions(_ request: CompletionRequest, prompts: [PreparedPrompt]) throws {
        guard request.instruments.fullDistribution else { return }
        let positions = prompts.reduce(0) { $0 + $1.tokens.count } * request.n
        guard positions > request.maxFullVocabPositions else { return }
        let asked = prompts.count == 1 ? "\(prompts[0].tokens.count) prompt tokens" : "\(prompts.count) prompts"
        let choices = request.n > 1 ? " × \(request.n) choices" : ""
        throw BackendError.invalidRequest(
            "`prompt_logprobs: -1` asks for the whole vocabulary (\(vocabularySize) entries) at \(positions) prompt positions (\(asked)\(choices)); the most one request may ask for is \(request.maxFullVocabPositions) (the server's --max-full-vocab-positions): send a shorter prompt or fewer choices, or ask for the top-k.",
            param: "prompt_logprobs")
    }

    var vocabularySize: Int { engine.vocabularySize }

    /// Refuses a capture larger than the server's --max-activation-positions:
    /// layers × (prompt + every generated token but the last), at worst.
    private func checkCapture(_ request: CompletionRequest, promptLength: Int, maxTokens: Int) throws {
        let layers = request.instruments.captureLayers.count
        guard layers > 0 else { return }
        let positions = promptLength + max(0, maxTokens - 1)
        guard layers * positions > request.maxActivationPositions else { return }
        throw BackendError.invalidRequest(
            "Capturing \(layers) layers at \(positions) positions (\(promptLength) prompt tokens and up to \(max(0, maxTokens - 1)) generated) is \(layers * positions) layer-positions; the most one request may capture is \(request.maxActivationPositions) (the server's --max-activation-positions): capture fewer layers, or lower max_tokens.",
            param: "output_residual_stream")
    }

    public func complete(_ request: CompletionRequest) async throws -> CompletionStream {
        let prepared = try await TokenizingQueue.run { try self.prepare(request) }
        // Decoded once per request, shared by its choices' distributions.
        let vocabularyTexts = request.instruments.fullDistribution ? (0..<vocabularySize).map(text) : []
        let (stream, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let task = Task {
            let (completionTokens, cachedTokens) = await withTaskGroup(of: (Int, Int).self) { group in
                for (p, prompt) in prepared.enumerated() {
                    for j in 0..<request.n {
                        let choice = p * request.n + j
                        group.addTask {
                            await self.run(choice: choice, seedOffset: j, prompt: prompt, request: request,
                                             vocabularyTexts: vocabularyTexts, into: continuation)
                        }
                    }
                }
                return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
            }
            // Also after a cancel: the usage then counts what was made before the
            // work stopped, which a consumer still reading bills.
            continuation.yield(.usage(CompletionUsage(promptTokens: prepared.reduce(0) { $0 + $1.tokens.count },
                                                      completionTokens: completionTokens, cachedTokens: cachedTokens)))
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return CompletionStream(events: stream, onCancel: { task.cancel() })
    }

    /// Runs one choice to its end; returns how many tokens it generated, and how
    /// many of its prompt tokens came from the prefix cache.
    private func run(choice: Int, seedOffset: Int, prompt: PreparedPrompt, request: CompletionRequest,
                     vocabularyTexts: [String], into out: AsyncThrowingStream<CompletionEvent, any Error>.Continuation) async -> (Int, Int) {
        let sampling = SamplingParameters(
            temperature: request.temperature, topK: request.topK, topP: request.topP, minP: request.minP,
            seed: request.seed.map { $0 &+ UInt64(seedOffset) },
            presencePenalty: request.presencePenalty, frequencyPenalty: request.frequencyPenalty,
            repetitionPenalty: request.repetitionPenalty, logitBias: request.logitBias,
            allowedTokenIds: request.allowedTokenIds.map(Set.init))
        // The prompt's entropies and whole distributions come with its scores: asking for them scores the prompt.
        let scoresPrompt = request.returnEntropy || request.instruments.fullDistribution
        var job = CompletionJob(
            prompt: prompt.tokens, promptLogprobs: request.promptLogprobs ?? (scoresPrompt ? 0 : nil),
            maxTokens: prompt.maxTokens, logprobs: request.logprobs, sampling: sampling,
            stopTokenIds: Set(request.stopTokenIds), ignoreEOS: request.ignoreEOS, minTokens: request.minTokens,
            promptLogprobsTemperature: request.promptLogprobsTemperature)
        job.returnEntropy = request.returnEntropy
        job.instruments = request.instruments
        job.priority = request.priority == .batch ? .batch : .interactive
        if job.promptLogprobs == nil {
            out.yield(.prompt(choice: choice, tokenIds: prompt.tokens, tokenTexts: prompt.tokens.map(text), text: prompt.text, logprobs: nil))
        }
        var decoder = IncrementalDecoder(tokenizer: tokenizer, skipSpecialTokens: request.skipSpecialTokens, continuesText: true)
        var matcher = StopStringMatcher(stops: request.stop, includeStopString: request.includeStopStrInOutput)
        var generated = 0
        var cached = 0
        let eos = request.ignoreEOS ? nil : tokenizer.eosTokenId
        let stopIds = Set(request.stopTokenIds)
        var events = engine.submit(job).makeAsyncIterator()
        while let event = await events.next() {
            switch event {
            case .admitted(let cachedPromptTokens):
                cached = cachedPromptTokens
            case .evaluated:
                break
            case .instruments(let readings):
                if let failure = readings.captureFailure {
                    // Answering without what was asked for would pass for a capture of nothing.
                    out.finish(throwing: BackendError.unavailable(
                        "The instrument output asked for (output_residual_stream, or prompt_logprobs -1) could not be "
                            + "written: \(failure). The server writes it to its temporary directory ($TMPDIR, else /tmp), "
                            + "which must exist, be writable and have room."))
                    return (generated, cached)
                }
                let lens = readings.lens.mapValues { $0.map { $0.map(scored) } }
                out.yield(.instruments(choice: choice, ChoiceInstruments(
                    activations: readings.activations, lens: lens, distributions: readings.distributions,
                    vocabularyTexts: readings.distributions == nil ? [] : vocabularyTexts)))
            case .promptScores(let scores):
                let logprobs = scores.map { s in s.map(scored) }
                out.yield(.prompt(choice: choice, tokenIds: prompt.tokens, tokenTexts: prompt.tokens.map(text), text: prompt.text, logprobs: logprobs))
            case .token(let t):
                generated += 1
                let token = scored(t)
                // The text of a stop token (EOS or stop_token_ids) is left out, as vLLM does,
                // unless the stop string is to be included.
                let endsOnToken = generated >= request.minTokens && (t.id == eos || stopIds.contains(t.id))
                let piece = endsOnToken && !request.includeStopStrInOutput ? "" : decoder.append(t.id)
                let (text, stop) = matcher.append(piece, checking: generated >= request.minTokens)
                // The engine ends the job on this token when it is a stop token or the
                // last one allowed; saying so lets the stream send it with the finish.
                let finishing = stop != nil || endsOnToken || generated == prompt.maxTokens
                out.yield(.delta(choice: choice, text: text, tokens: [token], finishing: finishing))
                if let stop {
                    out.yield(.finished(choice: choice, reason: .stop, stopReason: .string(stop)))
                    // The engine drops a job when its consumer is cancelled; this task
                    // is a child of the request's task group, so only this choice stops.
                    withUnsafeCurrentTask { $0?.cancel() }
                    _ = await events.next()
                    return (generated, cached)
                }
            case .finished(let reason):
                let rest = matcher.append(decoder.flush()).text + matcher.flush()
                if !rest.isEmpty { out.yield(.delta(choice: choice, text: rest, tokens: [], finishing: true)) }
                switch reason {
                case .length:
                    out.yield(.finished(choice: choice, reason: .length, stopReason: nil))
                case .stopToken(let id):
                    out.yield(.finished(choice: choice, reason: .stop, stopReason: id == eos && !stopIds.contains(id) ? nil : .tokenId(id)))
                case .stoppedByCaller:
                    break
                }
                return (generated, cached)
            }
        }
        return (generated, cached)
    }

    // MARK: Scoring

    struct PreparedScore: Sendable { var context: [Int]; var continuation: [Int] }

    /// Each item's context and continuation as tokens, checked against the model's length.
    func prepare(_ request: ScoreRequest) throws -> [PreparedScore] {
        let limit = descriptor.maxModelLength
        for (i, item) in request.items.enumerated() {
            try checkFits([item.context.text, item.continuation.text].compactMap { $0 }, limit: limit,
                          describing: "the text of item \(i)", param: "continuations")
        }
        return try request.items.enumerated().map { i, item in
            let context = try tokens(of: item.context, addSpecialTokens: request.addSpecialTokens, param: "context")
            let continuation = try tokens(of: item.continuation, addSpecialTokens: false, param: "continuations")
            guard !context.isEmpty else {
                throw BackendError.invalidRequest("The context of item \(i) is empty: give at least one token of context.", param: "context")
            }
            guard !continuation.isEmpty else {
                throw BackendError.invalidRequest("The continuation of item \(i) is empty: give at least one token.", param: "continuations")
            }
            guard context.count + continuation.count <= limit else {
                throw BackendError.contextLengthExceeded(
                    "This model\'s maximum context length is \(limit) tokens. However, item \(i) has \(context.count + continuation.count) tokens (\(context.count) in the context, \(continuation.count) in the continuation).",
                    param: "continuations")
            }
            return PreparedScore(context: context, continuation: continuation)
        }
    }

    public func score(_ request: ScoreRequest) async throws -> ScoreResult {
        let prepared = try await TokenizingQueue.run { try self.prepare(request) }
        // Items with the same context share one evaluation of it, in first-seen order.
        var groups: [(context: [Int], members: [Int])] = []
        var groupOf: [[Int]: Int] = [:]
        for (i, item) in prepared.enumerated() {
            if let g = groupOf[item.context] { groups[g].members.append(i) } else {
                groupOf[item.context] = groups.count
                groups.append((item.context, [i]))
            }
        }
        let engine = self.engine
        let topK = request.topLogprobs
        var items = [ScoreResult.Item?](repeating: nil, count: prepared.count)
        var evaluated = 0
        var cached = 0
        for group in groups {
            let continuations = group.members.map { prepared[$0].continuation }
            // A request whose client went away is cancelled: its jobs stop at the next step.
            guard let result = await engine.scoreContinuations(context: group.context, continuations: continuations, topK: topK,
                                                               steering: request.steering,
                                                               priority: request.priority == .batch ? .batch : .interactive) else {
                throw CancellationError()
            }
            // Without prefix reuse each continuation is evaluated after its own copy of the context.
            let contextEvaluations = engine.reusesPrefixes && request.steering.isEmpty ? 1 : continuations.count
            evaluated += group.context.count * contextEvaluations + continuations.reduce(0) { $0 + $1.count }
            cached += result.cachedTokens
            for (member, s) in zip(group.members, result.scores) {
                let tokens = s.map(scored)
                items[member] = ScoreResult.Item(
                    logprob: tokens.reduce(0.0) { $0 + Double($1.token.logprob) }, tokens: tokens,
                    isGreedy: s.allSatisfy { $0.rank == 1 }, contextTokens: group.context.count)
            }
        }
        return ScoreResult(items: items.map { $0! }, promptTokens: evaluated, cachedTokens: cached)
    }
}

extension PromptInput {
    /// The text of a text input (token ids are counted as they are, later).
    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

extension ScoredToken {
    /// An engine's score with each token's text (`text(id)`: the token decoded on its own).
    public init(_ s: PositionScore, text: (Int) -> String) {
        self.init(token: TokenLogprob(id: s.tokenId, text: text(s.tokenId), logprob: s.logprob), rank: s.rank,
                  top: s.top.map { TokenLogprob(id: $0.id, text: text($0.id), logprob: $0.logprob) }, entropy: s.entropy)
    }
}
