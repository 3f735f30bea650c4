import ArgumentParser
import Backends
import Logging

/// Where `serve` finds its models besides `--model`: a configuration file
/// (`--config`, TOML: local GGUF files and upstream servers) and upstream
/// servers given as flags. Parsed here so that ServeCommand only asks for the
/// result.
struct ModelSourceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A TOML file of [[model]] tables: local GGUF files and upstream servers (see README, Serving large models).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("A model served by vLLM or llama.cpp at these URLs (repeatable).", valueName: "name=url[,url...]"))
    var upstream: [String] = []

    @Option(name: .customLong("upstream-key"), help: ArgumentHelp("The API key BaseServe sends to the upstream NAME (repeatable).", valueName: "name=key"))
    var upstreamKey: [String] = []

    @Option(name: .customLong("upstream-kind"), help: ArgumentHelp("What serves the upstream NAME: vllm (default), llama.cpp or openai (repeatable).", valueName: "name=kind"))
    var upstreamKind: [String] = []

    /// Whether any model comes from here (then no default model is loaded).
    var isUsed: Bool { config != nil || !upstream.isEmpty }

    func validate() throws {
        // With a file, the flags may name its models: checked once it is read.
        guard config == nil else { return }
        do { _ = try flagUpstreams(existing: []) } catch let error as CommandFailure { throw ValidationError(error.description) }
    }

    /// The configuration file's models with the flags' upstreams added.
    func load() throws -> ServeConfigurationFile {
        var file = ServeConfigurationFile()
        if let config {
            do { file = try ServeConfigurationFile.load(path: config) } catch let error as ConfigurationError {
                throw CommandFailure(error.description)
            }
        }
        file.upstreams = try flagUpstreams(existing: file.upstreams)
        return file
    }

    /// `--upstream`, then `--upstream-key` and `--upstream-kind` applied to
    /// those or to the file's upstreams of that name.
    private func flagUpstreams(existing: [UpstreamConfiguration]) throws -> [UpstreamConfiguration] {
        var upstreams = existing
        for spec in upstream {
            let (name, value) = try Self.split(spec, flag: "--upstream")
            guard !upstreams.contains(where: { $0.name == name }) else { throw CommandFailure("two upstream models are named \(name)") }
            upstreams.append(UpstreamConfiguration(name: name, urls: value.split(separator: ",").map(String.init)))
        }
        for spec in upstreamKind {
            let (name, value) = try Self.split(spec, flag: "--upstream-kind")
            guard let kind = UpstreamKind(rawValue: value) else {
                throw CommandFailure("--upstream-kind \(name)=\(value): the kind must be vllm, llama.cpp or openai")
            }
            let i = try Self.index(of: name, in: upstreams, flag: "--upstream-kind")
            upstreams[i].kind = kind
            upstreams[i].capabilities = kind.defaultCapabilities
            upstreams[i].healthPath = kind.defaultHealthPath
        }
        for spec in upstreamKey {
            // The key itself never goes into a message.
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else {
                throw CommandFailure("--upstream-key takes NAME=KEY")
            }
            let name = String(spec[..<eq])
            let i = try Self.index(of: name, in: upstreams, flag: "--upstream-key")
            upstreams[i].apiKey = String(spec[spec.index(after: eq)...])
        }
        for u in upstreams { if let problem = u.problem() { throw CommandFailure(problem) } }
        return upstreams
    }

    private static func split(_ spec: String, flag: String) throws -> (String, String) {
        guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
            throw CommandFailure("\(flag) takes NAME=VALUE, got \(spec)")
        }
        return (String(spec[..<eq]), String(spec[spec.index(after: eq)...]))
    }

    private static func index(of name: String, in upstreams: [UpstreamConfiguration], flag: String) throws -> Int {
        guard let i = upstreams.firstIndex(where: { $0.name == name }) else {
            throw CommandFailure("\(flag) names \(name), which is not an upstream model (give it with --upstream \(name)=URL or in --config)")
        }
        return i
    }
}

extension ServeConfigurationFile {
    /// Local models as `--model` specs (NAME=PATH, or PATH to name it after the file).
    var localModelSpecs: [String] { localModels.map { m in m.name.map { "\($0)=\(m.path)" } ?? m.path } }

    /// Connects to every upstream model, refusing a name already taken.
    func upstreamBackends(after taken: [String], logger: Logger) async throws -> [any Backend] {
        var names = taken
        var backends: [any Backend] = []
        for u in upstreams {
            guard !names.contains(u.name) else { throw CommandFailure("two models are named \(u.name)") }
            names.append(u.name)
            do {
                let backend = try await UpstreamBackend.connect(u, logger: logger)
                logger.info("upstream model \(u.name): \(backend.configuration.kind.rawValue) \(backend.servedModelName) on \(u.urls.count) replica\(u.urls.count == 1 ? "" : "s")")
                backends.append(backend)
            } catch let error as ConfigurationError {
                throw CommandFailure(error.description)
            }
        }
        guard !names.isEmpty else { throw CommandFailure("no models to serve: give --model, --upstream or a --config with [[model]] tables") }
        return backends
    }
}
