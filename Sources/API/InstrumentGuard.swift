import Backends

/// The research instruments (entropy, activations, steering, logit lens…) read
/// BaseServe's own engine as it runs: an upstream server cannot give them, so a
/// request for one on an upstream model is refused before any work, naming the
/// model and the field.
enum InstrumentGuard {
    static func check(_ fields: [String], model: ModelDescriptor) throws {
        guard model.kind == .upstream, let field = fields.first else { return }
        throw APIError.invalid(
            "`\(field)` is computed by BaseServe's own engine, but model `\(model.name)` is served by an upstream server; ask a local model for it.",
            param: field)
    }
}
