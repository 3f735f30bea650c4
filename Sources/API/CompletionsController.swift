import Backends
import Foundation
import HTTPTypes
import Hummingbird
import JSONValue

/// `POST /v1/completions`, with vLLM's semantics: echo, logprobs, prompt_logprobs,
/// batches of prompts, n choices, and SSE streaming.
struct CompletionsController {
    let models: ModelRegistry
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let queues: KeyQueues

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("completions", use: complete)
    }

    @Sendable func complete(request: Request, context: APIRequestContext) async throws -> Response {
        try await request.handlingJSON(limit: configuration.maxBodyBytes, cancelOnDisconnect: configuration.cancelOnDisconnect) { body in
            try await complete(body: body, context: context)
        }
    }

    private func complete(body: JSON, context: APIRequestContext) async throws -> Response {
        let parameters = try CompletionParameters(body: body, maxLogprobs: configuration.maxLogprobs)
        let backend = try models.resolve(parameters.model, principal: context.record.principal)
        let model = backend.descriptor
        try InstrumentGuard.check(parameters.instruments, model: model)
        context.record.setModel(model.name)
        if let user = parameters.user { context.record.setUser(user) }
        var backendRequest = parameters.request
        backendRequest.instruments = try parameters.instrumentParameters.resolve(model: model)
        backendRequest.instruments.fullDistribution = parameters.fullPromptDistribution
        backendRequest.maxActivationPositions = configuration.maxActivationPositions
        backendRequest.maxFullVocabPositions = configuration.maxFullVocabPositions
        if backendRequest.truncatePromptTokens == -1 { backendRequest.truncatePromptTokens = model.maxModelLength }
        backendRequest.priority = context.record.priority
        // A stream keeps its slot until its last byte: the request log releases it.
        try await context.record.waitForTurn(in: queues, metrics: metrics)
        try await context.record.reserveTokens(WorstCaseTokens.completion(backendRequest, maxModelLength: model.maxModelLength))
        let started = ContinuousClock.now
        let events = try await backend.complete(backendRequest)
        let formatter = CompletionFormatter(
            parameters: parameters, id: "cmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
            created: Int(Date().timeIntervalSince1970), model: model.name, systemFingerprint: model.systemFingerprint)
        let choiceCount = backendRequest.prompts.count * backendRequest.n
        if parameters.stream {
            return streamingResponse(events, formatter: formatter, choicesPerPrompt: backendRequest.n, choiceCount: choiceCount,
                                     started: started, record: context.record)
        }

        defer { events.cancel() }
        // The events are read in a task of their own, which the client leaving
        // does not cancel: the work is stopped instead, and every token it made
        // up to then is still read and counted.
        let record = context.record
        let metrics = self.metrics
        let n = backendRequest.n
        let reading = Task { () throws -> (choices: [ChoiceResult], usage: CompletionUsage) in
            var choices = [ChoiceResult](repeating: ChoiceResult(), count: choiceCount)
            var usage = CompletionUsage(promptTokens: 0, completionTokens: 0)
            var meter = CompletionTokenMeter(choicesPerPrompt: n)
            var firstToken = true
            for try await event in events {
                meter.count(event)
                record.setTokens(meter)
                switch event {
                case .prompt(let i, let ids, let texts, let text, let scores):
                    choices[i].prompt = PromptPart(tokenIds: ids, text: text, scores: scores ?? [], tokenTexts: texts)
                case .delta(let i, let text, let tokens, _):
                    if firstToken, !tokens.isEmpty {
                        firstToken = false
                        metrics.recordTimeToFirstToken(seconds: seconds(since: started))
                    }
                    choices[i].text += text
                    choices[i].tokens += tokens
                case .finished(let i, let reason, let stop):
                    choices[i].finishReason = reason
                    choices[i].stopReason = stop
                case .instruments(let i, let readings):
                    choices[i].instruments = readings
                case .usage(let u):
                    usage = u
                }
            }
            return (choices, usage)
        }
        let (choices, usage) = try await withTaskCancellationHandler {
            try await reading.value
        } onCancel: {
            events.cancel()
        }
        if Task.isCancelled { throw CancellationError() }
        let returned = BestOfSelection.select(choices, sampled: n, keep: parameters.n)
        var streaming = InstrumentStreaming()
        let json = formatter.envelope(
            choices: returned.enumerated().map { choiceJSON(index: $0.offset, $0.element, formatter: formatter, streaming: &streaming) },
            usage: formatter.usage(usage))
        return streaming.response(json)
    }

    private func choiceJSON(index: Int, _ c: ChoiceResult, formatter: CompletionFormatter,
                            streaming: inout InstrumentStreaming) -> JSON {
        let p = formatter.parameters
        let echo = p.request.echo
        var text = c.text
        if echo, let prompt = c.prompt { text = prompt.text + text }
        var logprobs = JSON.null
        if p.logprobs != nil {
            logprobs = formatter.logprobsObject(prompt: echo ? c.prompt : nil, generated: c.tokens, textOffset: 0).0
        }
        var members: [(String, JSON)] = [
            ("index", .int(index)), ("text", .string(text)), ("logprobs", logprobs),
            ("finish_reason", formatter.finishReason(c.finishReason)), ("stop_reason", formatter.stopReason(c.stopReason)),
        ]
        // Always present, null when not asked for, as vLLM sends it.
        if p.fullPromptDistribution, let d = c.instruments?.distributions, let prompt = c.prompt {
            members.append(("prompt_logprobs", streaming.promptLogprobs(
                d, prompt: prompt.tokenIds, vocabularyTexts: c.instruments?.vocabularyTexts ?? [], encoding: p.promptLogprobsEncoding)))
        } else if let k = p.promptLogprobs, let prompt = c.prompt {
            members.append(("prompt_logprobs", formatter.promptLogprobs(prompt.scores, k: k)))
        } else {
            members.append(("prompt_logprobs", .null))
        }
        if p.request.returnEntropy {
            // Aligned with `prompt_logprobs`: null at position 0, which has no context.
            let scores = c.prompt?.scores ?? []
            members.append(("prompt_entropy", .array(scores.map { $0?.entropy.map { .logprob($0) } ?? .null })))
        }
        if let instruments = c.instruments {
            if let captured = instruments.activations { members.append(("activations", streaming.json(captured))) }
            if !instruments.lens.isEmpty {
                // Layers in the order asked, each in `prompt_logprobs`'s format.
                let k = p.instrumentParameters.lensTopK
                members.append(("logit_lens", .object(p.instrumentParameters.lensLayers.compactMap { layer in
                    instruments.lens[layer].map { (String(layer), promptLogprobs($0, topK: k)) }
                })))
            }
        }
        if p.returnTokenIds {
            members.append(("prompt_token_ids", .array((c.prompt?.tokenIds ?? []).map { .int($0) })))
            members.append(("token_ids", .array(c.tokens.map { .int($0.token.id) })))
        }
        return .object(members)
    }

    // MARK: Streaming

    private func streamingResponse(_ events: CompletionStream, formatter: CompletionFormatter, choicesPerPrompt: Int,
                                   choiceCount: Int, started: ContinuousClock.Instant, record: RequestRecord) -> Response {
        let metrics = self.metrics
        let body = ResponseBody { writer in
            // However this ends (finished, client gone, write failed), the work stops.
            defer { events.cancel() }
            var state = StreamState(formatter: formatter, choiceCount: choiceCount)
            var meter = CompletionTokenMeter(choicesPerPrompt: choicesPerPrompt)
            var iterator = events.makeAsyncIterator()
            var firstToken = true
            do {
                while true {
                    let event: CompletionEvent?
                    do {
                        event = try await iterator.next()
                    } catch let error where !(error is CancellationError) {
                        // An error after the stream began is sent as a chunk holding the error.
                        try await writer.write(ByteBuffer(string: "data: " + APIError(error).json.serialized + "\n\n"))
                        break
                    }
                    guard let event else { break }
                    meter.count(event)
                    record.setTokens(meter)
                    if firstToken, case .delta(_, _, let tokens, _) = event, !tokens.isEmpty {
                        firstToken = false
                        metrics.recordTimeToFirstToken(seconds: seconds(since: started))
                    }
                    for chunk in state.handle(event) {
                        try await writer.write(ByteBuffer(string: "data: " + chunk.serialized + "\n\n"))
                    }
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                // The client is gone. Stop the work, then read what it made up to
                // the stop (nobody sees it, but every token made is billed).
                events.cancel()
                while let event = try? await iterator.next() {
                    meter.count(event)
                }
                record.setTokens(meter)
                throw error
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// Turns backend events into stream chunks. Each delta is sent as it comes,
/// except one its backend marks `finishing`: that chunk waits for the choice's
/// `.finished`, so that the finish reason rides on the last token's chunk, as
/// vLLM sends it. (Holding every chunk until the next event would delay each
/// token by a whole step of the batch.)
struct StreamState {
    let formatter: CompletionFormatter
    /// A choice's chunk held back, with the completion tokens counted when it was made.
    var pending: [(members: [(String, JSON)], completionTokens: Int)?]
    var offsets: [Int]
    var promptTokens: [Int]
    var completionTokens: [Int]
    var promptIds: [[Int]?]

    init(formatter: CompletionFormatter, choiceCount: Int) {
        self.formatter = formatter
        pending = Array(repeating: nil, count: choiceCount)
        offsets = Array(repeating: 0, count: choiceCount)
        promptTokens = Array(repeating: 0, count: choiceCount)
        completionTokens = Array(repeating: 0, count: choiceCount)
        promptIds = Array(repeating: nil, count: choiceCount)
    }

    var parameters: CompletionParameters { formatter.parameters }

    mutating func handle(_ event: CompletionEvent) -> [JSON] {
        switch event {
        case .prompt(let i, let ids, let texts, let text, let scores):
            promptTokens[i] = ids.count
            guard parameters.request.echo else {
                promptIds[i] = ids
                return []
            }
            var logprobs = JSON.null
            if parameters.logprobs != nil {
                let part = PromptPart(tokenIds: ids, text: text, scores: scores ?? [], tokenTexts: texts)
                let (object, next) = formatter.logprobsObject(prompt: part, generated: [], textOffset: offsets[i])
                logprobs = object
                offsets[i] = next
            }
            var members = choice(i, text: text, logprobs: logprobs)
            if parameters.returnTokenIds {
                members.append(("prompt_token_ids", .array(ids.map { .int($0) })))
                members.append(("token_ids", .array([])))
            }
            return flush(i) + [chunk([.object(members)], choice: i, completionTokens: completionTokens[i])]
        case .delta(let i, let text, let tokens, let finishing):
            guard !text.isEmpty || !tokens.isEmpty else { return [] }
            completionTokens[i] += tokens.count
            var logprobs = JSON.null
            if parameters.logprobs != nil {
                let (object, next) = formatter.logprobsObject(prompt: nil, generated: tokens, textOffset: offsets[i])
                logprobs = object
                offsets[i] = next
            }
            var members = choice(i, text: text, logprobs: logprobs)
            if parameters.returnTokenIds {
                if let ids = promptIds[i] {
                    members.append(("prompt_token_ids", .array(ids.map { .int($0) })))
                    promptIds[i] = nil
                }
                members.append(("token_ids", .array(tokens.map { .int($0.token.id) })))
            }
            let held = flush(i)
            guard finishing else { return held + [chunk([.object(members)], choice: i, completionTokens: completionTokens[i])] }
            pending[i] = (members, completionTokens[i])
            return held
        case .finished(let i, let reason, let stop):
            var members = pending[i]?.members ?? choice(i, text: "", logprobs: .null)
            pending[i] = nil
            set(&members, "finish_reason", formatter.finishReason(reason))
            set(&members, "stop_reason", formatter.stopReason(stop))
            return [chunk([.object(members)], choice: i, completionTokens: completionTokens[i])]
        case .instruments:
            return []  // instruments are refused with `stream`
        case .usage(let u):
            let rest = pending.indices.flatMap { flush($0) }
            guard parameters.includeUsage else { return rest }
            return rest + [formatter.envelope(choices: [], usage: formatter.usage(u))]
        }
    }

    private func choice(_ i: Int, text: String, logprobs: JSON) -> [(String, JSON)] {
        [("index", .int(i)), ("text", .string(text)), ("logprobs", logprobs), ("finish_reason", .null), ("stop_reason", .null)]
    }

    private func set(_ members: inout [(String, JSON)], _ key: String, _ value: JSON) {
        if let k = members.firstIndex(where: { $0.0 == key }) { members[k].1 = value } else { members.append((key, value)) }
    }

    private mutating func flush(_ i: Int) -> [JSON] {
        guard let held = pending[i] else { return [] }
        pending[i] = nil
        return [chunk([.object(held.members)], choice: i, completionTokens: held.completionTokens)]
    }

    private func chunk(_ choices: [JSON], choice i: Int, completionTokens: Int) -> JSON {
        let usage: JSON? = parameters.includeUsage && parameters.continuousUsageStats
            ? formatter.usage(CompletionUsage(promptTokens: promptTokens[i], completionTokens: completionTokens))
            : nil
        return formatter.envelope(choices: choices, usage: usage)
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

public func jsonResponse(_ json: JSON, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(contentsOf: json.serializedPieces))
}
