import Backends
import JSONValue

/// One `/v1/models` entry: OpenAI's fields, vLLM's `max_model_len`, and
/// `capabilities`, what a client may ask of the model here and which exact
/// weights answer (for local models, the GGUF's SHA-256 and quantization).
enum ModelListing {
    static func entry(_ d: ModelDescriptor, maxLogprobs: Int) -> JSON {
        var capabilities: [(String, JSON)] = [
            ("max_model_len", .int(d.maxModelLength)),
            ("max_logprobs", .int(maxLogprobs)),
            ("prompt_logprobs", .bool(d.capabilities.promptLogprobs)),
            ("echo", .bool(d.capabilities.echo)),
            ("score", .bool(d.capabilities.scoring)),
            ("n_layers", d.layerCount.map { .int($0) } ?? .null),
            ("hidden_size", d.hiddenSize.map { .int($0) } ?? .null),
            ("kind", .string(d.kind.rawValue)),
        ]
        if let fingerprint = d.fingerprint {
            capabilities += [("sha256", .string(fingerprint.sha256)), ("quantization", .string(fingerprint.quantization))]
        }
        return .object([
            ("id", .string(d.name)), ("object", "model"), ("created", .int(d.created)), ("owned_by", .string(d.ownedBy)),
            ("root", .string(d.name)), ("parent", .null), ("max_model_len", .int(d.maxModelLength)),
            ("capabilities", .object(capabilities)),
        ])
    }
}
