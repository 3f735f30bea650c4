import API
import ArgumentParser
import Backends
import Engine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models behind the OpenAI-compatible API (vLLM's /v1/completions, /v1/score, ...).",
        discussion: """
            With no arguments, serves the default model on 127.0.0.1:8000 without authentication.
            --model NAME=PATH names a model; a bare PATH is named after its file: the file name
            without .gguf and without a trailing quantization tag, lowercased
            (SmolLM2-135M-Instruct.Q4_1.gguf -> smollm2-135m-instruct).
            API keys: --api-key KEY (repeatable) or BASESERVE_API_KEY (comma-separated). Without a
            key the server only binds to a loopback address.
            """
    )

    @Option(name: .long, help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port to listen on.") var port = 8000
    @Option(name: .long, help: ArgumentHelp("A model to serve, as PATH or NAME=PATH (repeatable).", valueName: "[name=]path"))
    var model: [String] = []
    @Option(name: .long, help: "Largest logprobs / prompt_logprobs a request may ask for.") var maxLogprobs = 20
    @Option(name: .long, help: "Prompt plus completion length limit (default: the model's context length).") var maxModelLen: Int?
    @Option(name: .long, help: "Largest request body in bytes (larger: 413).") var maxBodyBytes = 16 << 20
    @Option(name: .long, help: "Threads for the model's kernels (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("kv-cache-mb"),
            help: "Memory for the KV caches of all requests together, per model, in MiB (default: 1024, or one full context if more).")
    var kvCacheMB: Int?
    @Flag(name: .customLong("no-prefix-cache"), help: "Do not keep computed prompt prefixes for reuse by later requests.")
    var noPrefixCache = false
    @Option(name: .long, help: ArgumentHelp("An accepted API key (repeatable).", valueName: "key")) var apiKey: [String] = []
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @OptionGroup var modelSources: ModelSourceOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (0...1000).contains(maxLogprobs) else { throw ValidationError("--max-logprobs must be between 0 and 1000") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard threads >= 1, threads <= 512 else { throw ValidationError("--threads must be between 1 and 512") }
        if let maxModelLen { guard maxModelLen >= 1 else { throw ValidationError("--max-model-len must be at least 1") } }
        if let kvCacheMB { guard kvCacheMB >= 1 else { throw ValidationError("--kv-cache-mb must be at least 1") } }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "baseserve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let keys = apiKey + (ProcessInfo.processInfo.environment["BASESERVE_API_KEY"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !keys.isEmpty || ServerConfiguration.isLoopback(host) else {
            printError("baseserve: refusing to listen on \(host) without an API key: pass --api-key KEY (or set BASESERVE_API_KEY), or listen on 127.0.0.1")
            throw ExitCode.failure
        }

        var backends: [any Backend] = []
        do {
            let configured = try modelSources.load()
            for spec in model.isEmpty && !modelSources.isUsed ? [ModelOptions.defaultModel] : model + configured.localModelSpecs {
                let (name, path) = Self.nameAndPath(spec)
                guard !backends.contains(where: { $0.descriptor.name == name }) else {
                    throw CommandFailure("two models are named \(name); name them with --model NAME=PATH")
                }
                let engine = try ModelOptions(model: path, threads: threads, kvCacheMB: kvCacheMB, noPrefixCache: noPrefixCache).load()
                backends.append(try LocalBackend(engine: engine, name: name, maxModelLength: maxModelLen))
            }
            backends += try await configured.upstreamBackends(after: backends.map(\.descriptor.name), logger: logger)
        } catch let error as BackendError {
            if case .invalidRequest(let message, _) = error { printError("baseserve: \(message)") } else { printError("baseserve: \(error)") }
            throw ExitCode.failure
        } catch let error as CommandFailure {
            printError("baseserve: \(error.description)")
            throw ExitCode.failure
        }

        let configuration = ServerConfiguration(host: host, port: port, maxLogprobs: maxLogprobs, maxBodyBytes: maxBodyBytes)
        let state = ServerState()
        let app = buildApplication(
            models: ModelRegistry(backends), authenticator: keys.isEmpty ? nil : StaticAPIKeys(keys: keys),
            configuration: configuration, state: state, logger: logger)
        let served = backends.map { "\($0.descriptor.name) (max_model_len \($0.descriptor.maxModelLength))" }.joined(separator: ", ")
        logger.info("BaseServe \(configuration.version) serving \(served) on http://\(host):\(port), auth: \(keys.isEmpty ? "none (loopback only)" : "\(keys.count) API key\(keys.count == 1 ? "" : "s")")")
        // The watcher's end must not end the group: it returns as draining begins.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: DrainWatcher(state: state, logger: logger), successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("BaseServe stopped")
    }

    static func nameAndPath(_ spec: String) -> (String, String) { ModelNaming.nameAndPath(spec) }
}
