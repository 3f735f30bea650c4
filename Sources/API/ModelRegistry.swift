import Backends

/// The models this server serves, by name, in the order they were given.
public struct ModelRegistry: Sendable {
    public let backends: [any Backend]

    public init(_ backends: [any Backend]) {
        self.backends = backends
    }

    public var names: [String] { backends.map(\.descriptor.name) }

    /// The backend for a request's `model`; it may be left out when exactly one
    /// model is served. Unknown models, and models the key may not use, are errors.
    public func resolve(_ name: String?, principal: Principal?) throws -> any Backend {
        guard let name else {
            if backends.count == 1, let only = backends.first { return try resolve(only.descriptor.name, principal: principal) }
            throw APIError.invalid("`model` is required: this server serves \(names.joined(separator: ", ")).", param: "model")
        }
        guard let backend = backends.first(where: { $0.descriptor.name == name }) else {
            throw APIError(.modelNotFound, "The model `\(name)` does not exist. Models served: \(names.joined(separator: ", ")).",
                           param: "model")
        }
        if let allowed = principal?.allowedModels, !allowed.contains(name) {
            throw APIError(.modelNotAllowed, "This API key may not use the model `\(name)`.", param: "model")
        }
        return backend
    }

    /// The models a principal may use.
    public func visible(to principal: Principal?) -> [any Backend] {
        guard let allowed = principal?.allowedModels else { return backends }
        return backends.filter { allowed.contains($0.descriptor.name) }
    }

    public var load: BackendLoad { backends.reduce(BackendLoad()) { $0 + $1.load } }
}
