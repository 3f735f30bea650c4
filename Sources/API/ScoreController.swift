import Backends
import Hummingbird
import JSONValue

/// `POST /v1/score`: exact log-likelihoods of continuations after a context.
///
/// Forms: `{"context", "continuations": [...]}` (or `"continuation"`), the
/// token-id forms `context_token_ids` / `continuation_token_ids` (a list, or a
/// list of lists), or `items: [{context, continuation}]` (each text or token ids).
struct ScoreController {
    let models: ModelRegistry
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let queues: KeyQueues

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("score", use: score)
    }

    @Sendable func score(request: Request, context: APIRequestContext) async throws -> Response {
        try await request.handlingJSON(limit: configuration.maxBodyBytes, cancelOnDisconnect: configuration.cancelOnDisconnect) { body in
            try await score(body: body, context: context)
        }
    }

    private func score(body: JSON, context: APIRequestContext) async throws -> Response {
        var parsed = try parse(body: body, principal: context.record.principal)
        parsed.request.priority = context.record.priority
        context.record.setModel(parsed.backend.descriptor.name)
        var rollingTokens: [Int] = []
        if let rolling = parsed.rolling {
            rollingTokens = try await parsed.backend.tokenize(parsed.rollingText, addSpecialTokens: try parsed.fields.bool("add_special_tokens") ?? true)
            guard rollingTokens.count >= 2 else {
                throw APIError.invalid("`text` must be at least two tokens long: the first has no context to be scored in.", param: "text")
            }
            parsed.request.items = rolling.items(rollingTokens)
        }
        try await context.record.waitForTurn(in: queues, metrics: metrics)
        return try await run(parsed, rollingTokens: rollingTokens, context: context)
    }

    /// A `/v1/score` body read and validated: what the route runs and a batch checks.
    struct ParsedScore {
        let fields: FieldReader
        let backend: any Backend
        var request: ScoreRequest
        /// Rolling perplexity: the windows are formed once `rollingText` is tokenized.
        let rolling: RollingPerplexity?
        let rollingText: String
    }

    /// Reads and validates a body, as the route and a batch's validation both do.
    func parse(body: JSON, principal: Principal?) throws -> ParsedScore {
        let f = try FieldReader(body: body, fields: .score)
        let backend = try models.resolve(try f.string("model"), principal: principal)
        let instruments = try InstrumentParameters(f, maxLogprobs: configuration.maxLogprobs)
        let rolling = try f.value("rolling").map { try RollingPerplexity($0, maxModelLength: backend.descriptor.maxModelLength) }
        try InstrumentGuard.check(instruments.fields + (rolling == nil ? [] : ["rolling"]), model: backend.descriptor)
        let steering = try instruments.resolve(model: backend.descriptor).steering

        var items: [ScoreRequest.Item] = []
        var rollingText = ""
        if rolling != nil {
            guard let text = try f.string("text") else {
                throw APIError.invalid("`rolling` scores `text`: give the text to score.", param: "text")
            }
            rollingText = text
        } else if f.value("text") != nil {
            throw APIError.invalid("`text` is scored with `rolling` {window, stride}; to score a continuation send `context` and `continuations`.",
                                   param: "text")
        } else if let list = f.value("items") {
            guard case .array(let entries) = list, !entries.isEmpty else {
                throw APIError.invalid("`items` must be a non-empty list of {context, continuation} objects.", param: "items")
            }
            try checkCount(entries.count, param: "items")
            for entry in entries {
                let e = try FieldReader(body: entry, fields: .scoreItem)
                guard let c = try single(e, "context", "items"), let x = try single(e, "continuation", "items") else {
                    throw APIError.invalid("Each of `items` needs a `context` and a `continuation` (text or token ids).", param: "items")
                }
                items.append(.init(context: c, continuation: x))
            }
        } else {
            let context: PromptInput
            if let text = try f.string("context") {
                context = .text(text)
            } else if let ids = try f.intList("context_token_ids") {
                context = .tokens(ids)
            } else {
                throw APIError.invalid("`context` (or `context_token_ids`) is required.", param: "context")
            }
            var continuations: [PromptInput] = []
            if let texts = try f.stringOrList("continuations") ?? f.stringOrList("continuation") {
                continuations = texts.map { .text($0) }
                try checkCount(continuations.count, param: "continuations")
            } else if let ids = f.value("continuation_token_ids") {
                continuations = try tokenLists(ids, name: "continuation_token_ids")
                try checkCount(continuations.count, param: "continuation_token_ids")
            }
            guard !continuations.isEmpty else {
                throw APIError.invalid("`continuations` (or `continuation_token_ids`) must hold at least one continuation.", param: "continuations")
            }
            items = continuations.map { .init(context: context, continuation: $0) }
        }
        var scoreRequest = ScoreRequest(items: items)
        scoreRequest.steering = steering
        // A rolling text is tokenized already, BOS included where the model wants it.
        scoreRequest.addSpecialTokens = rolling == nil ? try f.bool("add_special_tokens") ?? true : false
        scoreRequest.topLogprobs = try f.int("top_logprobs", in: 0...configuration.maxLogprobs) ?? 0
        return ParsedScore(fields: f, backend: backend, request: scoreRequest, rolling: rolling, rollingText: rollingText)
    }

    private func run(_ parsed: ParsedScore, rollingTokens: [Int], context: APIRequestContext) async throws -> Response {
        let (f, backend, scoreRequest) = (parsed.fields, parsed.backend, parsed.request)
        try await context.record.reserveTokens(WorstCaseTokens.score(scoreRequest, maxModelLength: backend.descriptor.maxModelLength))
        // Scoring runs to its end in a task of its own, even when the client
        // leaves: its work is bounded by the request, and every token it
        // evaluates is billed.
        let finalRequest = scoreRequest
        let result = try await Task { try await backend.score(finalRequest) }.value
        context.record.addTokens(prompt: result.promptTokens)
        if Task.isCancelled { throw CancellationError() }

        let returnIds = try f.bool("return_tokens_as_token_ids") ?? false
        var results: [JSON] = result.items.enumerated().map { i, item in
            var members: [(String, JSON)] = [
                ("index", .int(i)),
                ("logprob", .logprob(item.logprob)),
                ("token_logprobs", .array(item.tokens.map { .logprob($0.token.logprob) })),
                ("tokens", .array(item.tokens.map { .string(returnIds ? "token_id:\($0.token.id)" : $0.token.text) })),
                ("token_ids", .array(item.tokens.map { .int($0.token.id) })),
                ("ranks", .array(item.tokens.map { .int($0.rank) })),
                ("is_greedy", .bool(item.isGreedy)),
                ("num_tokens", .int(item.tokens.count)),
                ("context_tokens", .int(item.contextTokens)),
            ]
            if scoreRequest.topLogprobs > 0 {
                members.append(("top_logprobs", .array(item.tokens.map { t in
                    .object(t.top.map { ($0.text, .logprob($0.logprob)) })
                })))
            }
            return .object(members)
        }
        if parsed.rolling != nil {
            let first = try await backend.detokenize([rollingTokens[0]], skipSpecialTokens: false)
            results = [RollingPerplexity.result(tokens: rollingTokens, firstText: first, scores: result, returnIds: returnIds)]
        }
        var envelope: [(String, JSON)] = [("object", "score"), ("model", .string(backend.descriptor.name))]
        if let print = backend.descriptor.systemFingerprint { envelope.append(("system_fingerprint", .string(print))) }
        return jsonResponse(.object(envelope + [
            ("data", .array(results)),
            ("usage", usageJSON(CompletionUsage(promptTokens: result.promptTokens, completionTokens: 0, cachedTokens: result.cachedTokens))),
        ]))
    }

    /// Refuses more continuations than the server's `--max-score-continuations`.
    private func checkCount(_ count: Int, param: String) throws {
        let most = configuration.maxScoreContinuations
        guard count > most else { return }
        throw APIError.invalid(
            "`\(param)` holds \(count) continuations; the most one request may score is \(most) (the server's --max-score-continuations): split them over several requests.",
            param: param)
    }

    private func single(_ f: FieldReader, _ name: String, _ param: String) throws -> PromptInput? {
        guard let v = f.value(name) else { return nil }
        switch v {
        case .string(let s): return .text(s)
        case .array: return .tokens(try f.intList(name) ?? [])
        default: throw APIError.invalid("`\(name)` must be a string or a list of token ids, got \(v.typeName).", param: param)
        }
    }

    private func tokenLists(_ v: JSON, name: String) throws -> [PromptInput] {
        guard case .array(let items) = v else {
            throw APIError.invalid("`\(name)` must be a list of token ids or a list of lists of token ids.", param: name)
        }
        if items.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
            return [.tokens(items.map { if case .int(let x) = $0 { return x } else { return 0 } })]
        }
        return try items.map { item in
            guard case .array(let ids) = item else {
                throw APIError.invalid("`\(name)` must be a list of token ids or a list of lists of token ids.", param: name)
            }
            return .tokens(try ids.map { id in
                guard case .int(let x) = id else {
                    throw APIError.invalid("`\(name)` must be a list of token ids or a list of lists of token ids.", param: name)
                }
                return x
            })
        }
    }
}
