import Foundation
import JSONValue
import NIOCore

/// `score` over an upstream: each context and continuation is tokenized on its
/// own and concatenated, then one completions request asks for the logprobs of
/// every prompt position: `prompt_logprobs` where the upstream has them (exact
/// ranks and top-k), else `echo` with `logprobs` (ranks only as far as the
/// alternatives tell). An upstream with neither cannot score: a 400.
struct UpstreamScoring {
    let backend: UpstreamBackend

    func score(_ request: ScoreRequest) async throws -> ScoreResult {
        let name = backend.descriptor.name
        let capabilities = backend.capabilities
        guard capabilities.promptLogprobs || capabilities.echo else {
            throw BackendError.invalidRequest(
                "The model `\(name)` is served by a \(backend.kind.rawValue) upstream, which returns neither prompt logprobs nor echoed logprobs: it cannot score.",
                param: "model")
        }
        let limit = backend.descriptor.maxModelLength
        var items: [(context: [Int], continuation: [Int])] = []
        for (i, item) in request.items.enumerated() {
            guard let context = try await backend.ids(of: item.context, addSpecialTokens: request.addSpecialTokens, param: "context"),
                  let continuation = try await backend.ids(of: item.continuation, addSpecialTokens: false, param: "continuations")
            else {
                throw BackendError.invalidRequest(
                    "The model `\(name)` is served by an upstream without tokenization: give context and continuations as token ids.",
                    param: "context")
            }
            guard !context.isEmpty else {
                throw BackendError.invalidRequest("The context of item \(i) is empty: give at least one token of context.", param: "context")
            }
            guard !continuation.isEmpty else {
                throw BackendError.invalidRequest("The continuation of item \(i) is empty: give at least one token.", param: "continuations")
            }
            guard context.count + continuation.count < limit else {
                throw BackendError.contextLengthExceeded(
                    "This model\'s maximum context length is \(limit) tokens. However, item \(i) has \(context.count + continuation.count) tokens (\(context.count) in the context, \(continuation.count) in the continuation), and scoring over an upstream needs one more.",
                    param: "continuations")
            }
            items.append((context, continuation))
        }
        let usePromptLogprobs = capabilities.promptLogprobs
        let k = request.topLogprobs
        var body: [(String, JSON)] = [
            ("model", .string(backend.servedModelName)), ("prompt", .array(items.map { JSON($0.context + $0.continuation) })),
            ("max_tokens", 1), ("temperature", 0), ("n", 1), ("stream", false),
        ]
        if usePromptLogprobs {
            body += [("prompt_logprobs", .int(k)), ("return_token_ids", true), ("echo", false)]
        } else {
            body += [("echo", true), ("logprobs", .int(max(k, 1)))]
        }
        let answer = try await backend.call("/v1/completions", body: .object(body), rotates: true)
        let listed = answer["choices"]?.arrayValue ?? []
        let choices = (listed.allSatisfy { $0.members != nil } ? listed : []).sorted {
            ($0["index"]?.intValue ?? 0) < ($1["index"]?.intValue ?? 0)
        }
        guard choices.count == items.count else {
            throw BackendError.upstreamFailure("The upstream of model `\(name)` answered \(choices.count) choices for \(items.count) items.")
        }
        var results: [ScoreResult.Item] = []
        for (item, raw) in zip(items, choices) {
            let all = item.context + item.continuation
            var choice = raw
            // An upstream that echoes rather than returning ids: the ids are the ones sent.
            if raw["prompt_token_ids"] == nil, case .object(let members) = raw {
                choice = .object(members + [("prompt_token_ids", JSON(all))])
            }
            let parsed = try UpstreamChoice(choice, promptLogprobsK: k)
            let positions: [ScoredToken?]
            if usePromptLogprobs {
                positions = parsed.promptLogprobs ?? []
            } else {
                // Echoed logprobs: prompt positions first (position 0 has none), then the generated token.
                positions = parsed.tokens.enumerated().map { $0.offset == 0 ? nil : $0.element }
            }
            guard positions.count >= all.count else {
                throw BackendError.upstreamFailure("The upstream of model `\(name)` returned logprobs for \(positions.count) of \(all.count) prompt positions.")
            }
            let tokens: [ScoredToken] = try (item.context.count..<all.count).map { p in
                guard var s = positions[p] else {
                    throw BackendError.upstreamFailure("The upstream of model `\(name)` left out the logprob of prompt position \(p).")
                }
                s.token.id = all[p]
                s.top = Array(s.top.prefix(k))
                return s
            }
            results.append(ScoreResult.Item(
                logprob: tokens.reduce(0.0) { $0 + Double($1.token.logprob) }, tokens: tokens,
                isGreedy: tokens.allSatisfy { $0.rank == 1 }, contextTokens: item.context.count))
        }
        let promptTokens = CompletionUsage(upstream: answer["usage"])?.promptTokens ?? items.reduce(0) { $0 + $1.context.count + $1.continuation.count }
        return ScoreResult(items: results, promptTokens: promptTokens)
    }
}
