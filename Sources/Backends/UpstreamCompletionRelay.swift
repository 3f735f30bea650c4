import AsyncHTTPClient
import JSONValue
import NIOCore

/// Turns an upstream's completion answer into BaseServe's completion events:
/// per choice its prompt (with prompt logprobs when asked for), then deltas with
/// their tokens, then its finish; then one usage, the upstream's own figures.
/// A streamed answer is parsed as it arrives and each chunk yielded at once.
struct UpstreamCompletionRelay {
    let backend: UpstreamBackend
    let request: CompletionRequest
    let prompts: [UpstreamPromptPreparation.Prompt]
    let output: AsyncThrowingStream<CompletionEvent, any Error>.Continuation

    /// What has been said of each choice so far.
    final class Progress {
        var started: Set<Int> = []
        var finished: Set<Int> = []
        var completionTokens = 0
        var promptTokens: [Int: Int] = [:]
        var usage: CompletionUsage?
    }

    var choiceCount: Int { request.prompts.count * request.n }

    func relayStream(_ body: HTTPClientResponse.Body) async throws {
        var parser = ServerSentEventParser()
        let progress = Progress()
        for try await buffer in body {
            for data in parser.append(buffer.readableBytesView) {
                try handle(data, progress)
            }
        }
        if let data = parser.finish() { try handle(data, progress) }
        try end(progress)
    }

    func relayWhole(_ body: HTTPClientResponse.Body) async throws {
        let bytes = try await body.collect(upTo: 1 << 30)
        let progress = Progress()
        try handle(String(decoding: bytes.readableBytesView, as: UTF8.self), progress)
        try end(progress)
    }

    /// One JSON object: a whole response or a stream chunk.
    private func handle(_ data: String, _ progress: Progress) throws {
        if data == "[DONE]" { return }
        guard let object = UpstreamJSON.decode(data.utf8), object.members != nil else {
            throw BackendError.upstreamFailure("The upstream of model `\(backend.descriptor.name)` sent an answer that is not JSON.")
        }
        if object["error"] != nil || object["object"]?.stringValue == "error" {
            let message = UpstreamJSON.errorMessage(object)?.message ?? "unknown error"
            throw BackendError.upstreamFailure("The upstream of model `\(backend.descriptor.name)` failed: \(backend.client.redact(message))")
        }
        if let usage = CompletionUsage(upstream: object["usage"]) { progress.usage = usage }
        for item in object["choices"]?.arrayValue ?? [] where item.members != nil {
            let choice = try UpstreamChoice(item, promptLogprobsK: request.promptLogprobs)
            try emit(choice, progress)
        }
    }

    private func emit(_ c: UpstreamChoice, _ progress: Progress) throws {
        let i = c.index
        guard (0..<choiceCount).contains(i), !progress.finished.contains(i) else {
            throw BackendError.upstreamFailure("The upstream of model `\(backend.descriptor.name)` sent a choice \(i) it should not have.")
        }
        if progress.started.insert(i).inserted {
            let prompt = prompts[i / request.n]
            let ids = c.promptTokenIds ?? prompt.ids ?? []
            progress.promptTokens[i / request.n] = ids.count
            var texts = c.promptLogprobs.map { $0.map { $0?.token.text ?? "" } } ?? []
            if !texts.isEmpty { texts[0] = prompt.firstTokenText }
            output.yield(.prompt(choice: i, tokenIds: ids, tokenTexts: texts, text: prompt.text, logprobs: c.promptLogprobs))
        }
        if !c.text.isEmpty || !c.tokens.isEmpty {
            progress.completionTokens += c.tokens.count
            output.yield(.delta(choice: i, text: c.text, tokens: c.tokens, finishing: c.finish != nil))
        }
        if let finish = c.finish {
            progress.finished.insert(i)
            output.yield(.finished(choice: i, reason: finish.reason, stopReason: finish.stop))
        }
    }

    private func end(_ progress: Progress) throws {
        guard progress.finished.count == choiceCount else {
            throw BackendError.upstreamFailure(
                "The upstream of model `\(backend.descriptor.name)` ended its answer before every choice finished.")
        }
        output.yield(.usage(progress.usage ?? CompletionUsage(
            promptTokens: progress.promptTokens.values.reduce(0, +), completionTokens: progress.completionTokens)))
    }
}
