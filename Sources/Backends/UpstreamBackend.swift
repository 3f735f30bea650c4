import AsyncHTTPClient
import Foundation
import JSONValue
import Logging
import NIOCore

/// A model served by other OpenAI-compatible servers (vLLM, llama.cpp's
/// `llama-server`) behind BaseServe's keys, limits and accounting. Requests are
/// translated into the upstream's `/v1/completions` and its answers back into
/// the same events the local backend yields, so the API formats both alike.
///
/// Replicas: each request goes to the healthy replica with the fewest
/// outstanding requests; a background check (`GET /health`) takes failing
/// replicas out and puts them back. A request whose connection could not be
/// opened is sent to another replica; nothing is retried once it was sent.
public final class UpstreamBackend: Backend {
    public let descriptor: ModelDescriptor
    public let configuration: UpstreamConfiguration
    /// The upstream's own name for the model, sent as `model`.
    public let servedModelName: String
    let client: UpstreamClient
    let pool: ReplicaPool
    let logger: Logger
    private let healthTask: Task<Void, Never>

    init(configuration c: UpstreamConfiguration, servedModelName: String, maxModelLength: Int, vocabularySize: Int,
         client: UpstreamClient, logger: Logger) {
        configuration = c
        self.servedModelName = servedModelName
        self.client = client
        self.logger = logger
        let pool = ReplicaPool(urls: c.urls)
        self.pool = pool
        descriptor = ModelDescriptor(
            name: c.name, maxModelLength: maxModelLength, vocabularySize: vocabularySize,
            created: Int(Date().timeIntervalSince1970), ownedBy: "baseserve",
            capabilities: .init(promptLogprobs: c.capabilities.promptLogprobs, echo: true,
                                scoring: c.capabilities.promptLogprobs || c.capabilities.echo,
                                tokenization: c.capabilities.tokenize),
            kind: .upstream)
        healthTask = Task {
            await UpstreamHealthCheck(model: c.name, pool: pool, client: client, path: c.healthPath,
                                      interval: c.healthCheckSeconds, logger: logger).run()
        }
    }

    deinit { healthTask.cancel() }

    /// Connects to an upstream model. Without `served_model_name` or
    /// `max_model_len` in the configuration, they are read from the first
    /// replica whose `/v1/models` answers; when none does, BaseServe does not
    /// start (a model without a known context length cannot be validated).
    /// With both configured it starts without contacting the upstream.
    public static func connect(_ c: UpstreamConfiguration, logger: Logger) async throws -> UpstreamBackend {
        if let problem = c.problem() { throw ConfigurationError(problem) }
        let client = UpstreamClient(configuration: c)
        var served = c.servedModelName
        var maxLength = c.maxModelLength
        var vocabulary = c.vocabularySize
        if served == nil || maxLength == nil {
            var reasons: [String] = []
            for url in c.urls {
                do {
                    let found = try await UpstreamModelInfo.fetch(client: client, base: url, kind: c.kind, servedModelName: served)
                    served = served ?? found.id
                    maxLength = maxLength ?? found.maxModelLength
                    vocabulary = vocabulary ?? found.vocabularySize
                    break
                } catch let error as ConfigurationError {
                    throw ConfigurationError("upstream model \(c.name): \(error)")
                } catch let failure as UpstreamClient.Failure {
                    reasons.append(failure.error.message)
                }
            }
            guard let length = maxLength else {
                throw ConfigurationError(
                    "upstream model \(c.name): cannot read its max_model_len from /v1/models (\(reasons.joined(separator: " "))); start the upstream first, or set served_model_name and max_model_len in the configuration")
            }
            maxLength = length
        }
        return UpstreamBackend(configuration: c, servedModelName: served ?? c.name, maxModelLength: maxLength!,
                               vocabularySize: vocabulary ?? 0, client: client, logger: logger)
    }

    public var load: BackendLoad { BackendLoad(jobs: pool.outstanding) }

    var capabilities: UpstreamCapabilities { configuration.capabilities }
    var kind: UpstreamKind { configuration.kind }

    // MARK: Sending

    /// Sends to a replica, trying the next when one cannot be connected to.
    /// Returns the response head and the replica, which the caller releases.
    func send(_ path: String, body: JSON, rotates: Bool = true) async throws -> (HTTPClientResponse, replica: Int) {
        var tried: Set<Int> = []
        var last: BackendError?
        while let i = pool.acquire(excluding: tried, rotates: rotates) {
            do {
                return (try await client.send(.POST, pool.urls[i] + path, body: body), i)
            } catch {
                pool.release(i)
                guard error.notSent, !Task.isCancelled else { throw error.error }
                tried.insert(i)
                last = error.error
                if pool.setHealthy(i, false) {
                    logger.warning("upstream replica \(UpstreamClient.host(pool.urls[i])) of model \(descriptor.name) is unreachable; trying another")
                }
            }
        }
        throw last ?? BackendError.upstreamFailure("The model `\(descriptor.name)` has no upstream replica.")
    }

    /// A request with a small JSON answer, on any replica.
    func call(_ path: String, body: JSON, rotates: Bool = false) async throws -> JSON {
        let (response, replica) = try await send(path, body: body, rotates: rotates)
        defer { pool.release(replica) }
        do {
            let bytes = try await response.body.collect(upTo: 64 << 20)
            guard let value = UpstreamJSON.decode(bytes.readableBytesView) else {
                throw BackendError.upstreamFailure("The upstream of model `\(descriptor.name)` sent a body that is not JSON.")
            }
            return value
        } catch let error as BackendError {
            throw error
        } catch {
            throw client.failure(error, url: pool.urls[replica]).error
        }
    }

    // MARK: Tokenizer

    func requireTokenizer(_ param: String?) throws {
        guard capabilities.tokenize else {
            throw BackendError.invalidRequest(
                "The model `\(descriptor.name)` is served by an upstream without tokenization: send token ids instead of text.",
                param: param)
        }
    }

    public func tokenize(_ text: String, addSpecialTokens: Bool) async throws -> [Int] {
        try requireTokenizer("prompt")
        let body: JSON = kind == .llamaCpp
            ? .object([("content", .string(text)), ("add_special", .bool(addSpecialTokens))])
            : .object([("model", .string(servedModelName)), ("prompt", .string(text)), ("add_special_tokens", .bool(addSpecialTokens))])
        let answer = try await call("/tokenize", body: body)
        // llama-server gives ids, or {id, piece} objects when asked for pieces.
        guard let list = answer["tokens"]?.arrayValue else {
            throw BackendError.upstreamFailure("The upstream of model `\(descriptor.name)` sent a /tokenize answer without tokens.")
        }
        return try list.map { item in
            if let id = item.intValue ?? item["id"]?.intValue { return id }
            throw BackendError.upstreamFailure("The upstream of model `\(descriptor.name)` sent a token that is not an id.")
        }
    }

    public func detokenize(_ tokens: [Int], skipSpecialTokens: Bool) async throws -> String {
        try requireTokenizer("tokens")
        try checkVocabulary(tokens, param: "tokens")
        let body: JSON = kind == .llamaCpp
            ? .object([("tokens", JSON(tokens))])
            : .object([("model", .string(servedModelName)), ("tokens", JSON(tokens))])
        let answer = try await call("/detokenize", body: body)
        guard let text = answer[kind == .llamaCpp ? "content" : "prompt"]?.stringValue else {
            throw BackendError.upstreamFailure("The upstream of model `\(descriptor.name)` sent a /detokenize answer without text.")
        }
        return text
    }

    /// The upstream's `/tokenizer_info` where it has one (vLLM with its flag,
    /// BaseServe), else what BaseServe knows without it.
    public func tokenizerInfo() async throws -> TokenizerInfo {
        try requireTokenizer(nil)
        var info = TokenizerInfo(tokenizerClass: "PreTrainedTokenizerFast", bosToken: nil, bosTokenId: nil, eosToken: nil,
                                 eosTokenId: nil, addsBOS: false, vocabularySize: descriptor.vocabularySize,
                                 modelMaxLength: descriptor.maxModelLength)
        for url in pool.urls {
            let query = servedModelName.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? servedModelName
            guard let answer = try? await client.json(.GET, "\(url)/tokenizer_info?model=\(query)"), answer.members != nil else { continue }
            info.tokenizerClass = answer["tokenizer_class"]?.stringValue ?? info.tokenizerClass
            info.bosToken = answer["bos_token"]?.stringValue
            info.bosTokenId = answer["bos_token_id"]?.intValue
            info.eosToken = answer["eos_token"]?.stringValue
            info.eosTokenId = answer["eos_token_id"]?.intValue
            info.addsBOS = answer["add_bos_token"]?.boolValue ?? false
            info.vocabularySize = answer["vocab_size"]?.intValue ?? info.vocabularySize
            break
        }
        return info
    }

    func checkVocabulary(_ ids: [Int], param: String) throws {
        let size = descriptor.vocabularySize
        if let bad = ids.first(where: { $0 < 0 || (size > 0 && $0 >= size) }) {
            throw BackendError.invalidRequest(
                "Token id \(bad) is out of vocabulary\(size > 0 ? " (the model has \(size) tokens)" : "").", param: param)
        }
    }

    /// Token ids of a prompt: as given, or from the upstream's tokenizer; nil
    /// when the upstream cannot tokenize (its own checks then apply).
    func ids(of prompt: PromptInput, addSpecialTokens: Bool, param: String) async throws -> [Int]? {
        switch prompt {
        case .tokens(let ids):
            try checkVocabulary(ids, param: param)
            return ids
        case .text(let text):
            return capabilities.tokenize ? try await tokenize(text, addSpecialTokens: addSpecialTokens) : nil
        }
    }

    // MARK: Completions

    var completionBody: UpstreamCompletionBody {
        UpstreamCompletionBody(model: descriptor.name, servedModelName: servedModelName, kind: kind, capabilities: capabilities)
    }

    public func complete(_ request: CompletionRequest) async throws -> CompletionStream {
        try completionBody.check(request)
        let prepared = try await UpstreamPromptPreparation(backend: self).prepare(request)
        // Prompt logprobs come only without streaming (vLLM's rule); otherwise
        // the upstream streams and its chunks are relayed as they arrive.
        let stream = request.promptLogprobs == nil
        let body = try completionBody.body(for: request, prompts: prepared.sendValues, maxTokens: prepared.maxTokens,
                                           stream: stream, truncatePromptTokens: prepared.upstreamTruncation)
        let (response, replica) = try await send("/v1/completions", body: body)
        let (events, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let relay = UpstreamCompletionRelay(backend: self, request: request, prompts: prepared.prompts, output: continuation)
        let url = pool.urls[replica]
        let task = Task { [pool, client] in
            defer { pool.release(replica) }
            do {
                // The client's deadline covers only the response head: the body gets the same time here.
                let limit = configuration.timeoutSeconds
                let name = descriptor.name
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        if stream { try await relay.relayStream(response.body) } else { try await relay.relayWhole(response.body) }
                    }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int(limit * 1000)))
                        throw BackendError.upstreamTimeout(
                            "The upstream of model `\(name)` at \(UpstreamClient.host(url)) did not answer within \(limit) s.")
                    }
                    try await group.next()
                    group.cancelAll()
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch let error as BackendError {
                continuation.finish(throwing: error)
            } catch {
                let failure: any Error = Task.isCancelled ? CancellationError() : client.failure(error, url: url).error
                continuation.finish(throwing: failure)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return CompletionStream(events: events, onCancel: { task.cancel() })
    }

    // MARK: Scoring

    public func score(_ request: ScoreRequest) async throws -> ScoreResult {
        try await UpstreamScoring(backend: self).score(request)
    }
}

extension BackendError {
    /// The sentence a person reads.
    var message: String {
        switch self {
        case .invalidRequest(let m, _), .contextLengthExceeded(let m, _), .failed(let m), .unavailable(let m), .upstreamFailure(let m), .upstreamTimeout(let m):
            return m
        }
    }
}
