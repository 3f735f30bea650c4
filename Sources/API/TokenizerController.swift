import Backends
import Hummingbird
import JSONValue

/// `POST /tokenize`, `POST /detokenize` and `GET /tokenizer_info`: with these,
/// clients such as lm-evaluation-harness use the server's own tokenizer.
struct TokenizerController {
    let models: ModelRegistry
    let configuration: ServerConfiguration

    func addProtectedRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("tokenize", use: tokenize)
        group.post("detokenize", use: detokenize)
    }

    func addPublicRoutes(to router: Router<APIRequestContext>) {
        router.get("tokenizer_info", use: tokenizerInfo)
    }

    @Sendable func tokenize(request: Request, context: APIRequestContext) async throws -> Response {
        let f = try FieldReader(body: try await request.jsonBody(limit: configuration.maxBodyBytes), fields: .tokenize)
        let backend = try models.resolve(try f.string("model"), principal: context.record.principal)
        guard let prompt = try f.string("prompt") else {
            throw APIError.invalid("`prompt` (a string) is required.", param: "prompt")
        }
        let tokens = try await backend.tokenize(prompt, addSpecialTokens: try f.bool("add_special_tokens") ?? true)
        var members: [(String, JSON)] = [
            ("count", .int(tokens.count)),
            ("max_model_len", .int(backend.descriptor.maxModelLength)),
            ("tokens", .array(tokens.map { .int($0) })),
        ]
        if try f.bool("return_token_strs") ?? false {
            var strings: [JSON] = []
            for id in tokens { strings.append(.string(try await backend.detokenize([id], skipSpecialTokens: false))) }
            members.append(("token_strs", .array(strings)))
        }
        return jsonResponse(.object(members))
    }

    @Sendable func detokenize(request: Request, context: APIRequestContext) async throws -> Response {
        let f = try FieldReader(body: try await request.jsonBody(limit: configuration.maxBodyBytes), fields: .detokenize)
        let backend = try models.resolve(try f.string("model"), principal: context.record.principal)
        guard let tokens = try f.intList("tokens") else {
            throw APIError.invalid("`tokens` (a list of token ids) is required.", param: "tokens")
        }
        let text = try await backend.detokenize(tokens, skipSpecialTokens: false)
        return jsonResponse(.object([("prompt", .string(text))]))
    }

    @Sendable func tokenizerInfo(request: Request, context: APIRequestContext) async throws -> Response {
        let model = request.uri.queryParameters["model"].map(String.init)
        let backend = try models.resolve(model, principal: nil)
        let info = try await backend.tokenizerInfo()
        return jsonResponse(.object([
            ("tokenizer_class", .string(info.tokenizerClass)),
            ("bos_token", info.bosToken.json),
            ("bos_token_id", info.bosTokenId.json),
            ("eos_token", info.eosToken.json),
            ("eos_token_id", info.eosTokenId.json),
            ("pad_token", .null),
            ("unk_token", .null),
            ("add_bos_token", .bool(info.addsBOS)),
            ("add_eos_token", .bool(false)),
            ("model_max_length", .int(info.modelMaxLength)),
            ("vocab_size", .int(info.vocabularySize)),
            ("chat_template", .null),
        ]))
    }
}
