import API
import Access
import ArgumentParser
import Backends
import Dashboard
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
            With no arguments, serves the default model on 127.0.0.1:8000, with the access database
            in ./data (SQLite). On first start with no admin it prints a one-time setup link that
            creates the first admin account; members then get keys through the web pages.
            --model NAME=PATH names a model; a bare PATH is named after its file: the file name
            without .gguf and without a trailing quantization tag, lowercased
            (SmolLM2-135M-Instruct.Q4_1.gguf -> smollm2-135m-instruct).
            API calls need `Authorization: Bearer KEY`: a member's key (bsk_…) or an operator's key
            given with --api-key KEY (repeatable) or BASESERVE_API_KEY (comma-separated).
            --no-auth serves the API without keys, on a loopback address only.
            """
    )

    @Option(name: .long, help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port to listen on.") var port = 8000
    @Option(name: .long, help: ArgumentHelp("A model to serve, as PATH or NAME=PATH (repeatable).", valueName: "[name=]path"))
    var model: [String] = []
    @Option(name: .long, help: "Largest logprobs / prompt_logprobs a request may ask for.") var maxLogprobs = 20
    @Option(name: .long, help: "Prompt plus completion length limit (default: the model's context length).") var maxModelLen: Int?
    @Option(name: .long, help: "Largest request body in bytes (larger: 413).") var maxBodyBytes = 16 << 20
    @Option(name: .long, help: "Most continuations (or items) one /v1/score request may score (more: 400).")
    var maxScoreContinuations = 64
    @Option(name: .long, help: "Most layers × positions one request may capture with output_residual_stream (more: 400).")
    var maxActivationPositions = 262_144
    @Option(name: .long, help: "Most prompt positions × choices one request may ask the whole vocabulary for with prompt_logprobs: -1 (more: 400).")
    var maxFullVocabPositions = 2048
    @Option(name: .long, help: "Threads for the model's kernels (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("kv-cache-mb"),
            help: "Memory for the KV caches of all requests together, per model, in MiB (default: 1024, or one full context if more).")
    var kvCacheMB: Int?
    @Flag(name: .customLong("no-prefix-cache"), help: "Do not keep computed prompt prefixes for reuse by later requests.")
    var noPrefixCache = false
    @Option(name: .long, help: ArgumentHelp("An operator's API key, accepted beside members' keys (repeatable).", valueName: "key"))
    var apiKey: [String] = []
    @Flag(name: .long, help: "Serve the API without API keys (loopback addresses only).") var noAuth = false
    @OptionGroup var access: AccessOptions
    @Option(name: .customLong("smtp-url"), help: ArgumentHelp(
        "Email invites through smtp://[user:password@]host[:port]?from=address (default: admins pass links on; or $BASESERVE_SMTP_URL).",
        valueName: "url"))
    var smtpURLOption: String?
    var smtpURL: String? { smtpURLOption ?? ProcessInfo.processInfo.environment["BASESERVE_SMTP_URL"] }
    @Option(name: .long, help: "Seconds a new connection has to send a whole request head (then it is closed).")
    var headTimeout: Double = 10
    @Option(name: .long, help: "Seconds a request body has to arrive whole after its head (then the connection is closed).")
    var bodyTimeout: Double = 60
    @Option(name: .long, help: "Seconds a kept-alive connection may sit idle between requests (then it is closed).")
    var idleTimeout: Double = 15
    @Option(name: .long, help: "Open connections at most; more are closed at once (default: the open-file limit less 128).")
    var maxConnections: Int?
    @Option(name: .customLong("metrics-token"), help: ArgumentHelp(
        "Serve /metrics to any client that sends `Authorization: Bearer TOKEN`, and only to them (default: loopback clients only; or $BASESERVE_METRICS_TOKEN).",
        valueName: "token"))
    var metricsTokenOption: String?
    var metricsToken: String? { metricsTokenOption ?? ProcessInfo.processInfo.environment["BASESERVE_METRICS_TOKEN"] }
    @Option(name: .long, help: "Requests of one API key that run at once (a key's or member's own setting overrides it).")
    var keyConcurrency = 8
    @Option(name: .long, help: "Requests of one API key that may wait for a turn beyond the running ones (more: 429 queue_full).")
    var keyQueue = 64
    @Option(name: .long, help: "Days to keep per-request usage rows (daily totals are kept).") var usageRetentionDays = 90
    @Option(name: .long, help: "Largest file /v1/files takes, in bytes (larger: 413).") var maxBatchFileBytes = 200_000_000
    @Option(name: .long, help: "Most requests (lines) one batch file may hold.") var maxBatchFileLines = 50_000
    @Option(name: .long, help: "Batch lines this process runs at once, after interactive requests (0: none; other servers on the database run them).")
    var batchConcurrency = 8
    @Option(name: .long, help: "Seconds a running batch line's lease lasts; a line whose process died is run again after it lapses.")
    var batchLeaseSeconds = 30.0
    @Option(name: .long, help: ArgumentHelp("Seconds a batch's completion_window \"24h\" lasts on this server: 86400, or less to test expiry.",
                                            valueName: "seconds"))
    var batchWindowSeconds = 86_400.0
    @Option(name: .long, help: ArgumentHelp(
        "Monthly token budget (prompt plus completion, per UTC month) of each member without one of their own.",
        valueName: "tokens")) var monthlyTokenBudget: Int?
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @OptionGroup var modelSources: ModelSourceOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (0...1000).contains(maxLogprobs) else { throw ValidationError("--max-logprobs must be between 0 and 1000") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard maxScoreContinuations >= 1 else { throw ValidationError("--max-score-continuations must be at least 1") }
        guard maxActivationPositions >= 1 else { throw ValidationError("--max-activation-positions must be at least 1") }
        guard maxFullVocabPositions >= 0 else { throw ValidationError("--max-full-vocab-positions must be at least 0") }
        guard threads >= 1, threads <= 512 else { throw ValidationError("--threads must be between 1 and 512") }
        if let maxModelLen { guard maxModelLen >= 1 else { throw ValidationError("--max-model-len must be at least 1") } }
        if let kvCacheMB { guard kvCacheMB >= 1 else { throw ValidationError("--kv-cache-mb must be at least 1") } }
        for (name, seconds) in [("--head-timeout", headTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout)] {
            guard seconds > 0, seconds <= 86400 else { throw ValidationError("\(name) must be between 0 and 86400 seconds") }
        }
        if let maxConnections { guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") } }
        if let metricsTokenOption { guard !metricsTokenOption.isEmpty else { throw ValidationError("--metrics-token must not be empty") } }
        guard keyConcurrency >= 1 else { throw ValidationError("--key-concurrency must be at least 1") }
        guard keyQueue >= 0 else { throw ValidationError("--key-queue must be at least 0") }
        guard maxBatchFileBytes >= 1 else { throw ValidationError("--max-batch-file-bytes must be at least 1") }
        guard maxBatchFileLines >= 1 else { throw ValidationError("--max-batch-file-lines must be at least 1") }
        guard (0...1024).contains(batchConcurrency) else { throw ValidationError("--batch-concurrency must be between 0 and 1024") }
        guard batchLeaseSeconds >= 1 else { throw ValidationError("--batch-lease-seconds must be at least 1") }
        guard batchWindowSeconds >= 1, batchWindowSeconds <= 86_400 else { throw ValidationError("--batch-window-seconds must be between 1 and 86400") }
        guard usageRetentionDays >= 1 else { throw ValidationError("--usage-retention-days must be at least 1") }
        if let monthlyTokenBudget, monthlyTokenBudget < 1 { throw ValidationError("--monthly-token-budget must be at least 1") }
        if noAuth && !apiKey.isEmpty { throw ValidationError("--no-auth and --api-key contradict each other") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "baseserve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // Every connection is a descriptor: take all the system allows, and
        // cap connections below it so the server never runs out.
        let descriptors = DescriptorLimit.raise()
        let connectionCap = maxConnections ?? DescriptorLimit.defaultMaxConnections(limit: descriptors)
        logger.info("open-file limit \(descriptors); at most \(connectionCap) connections")
        if connectionCap > descriptors - DescriptorLimit.reserve {
            logger.warning("--max-connections \(connectionCap) leaves fewer than \(DescriptorLimit.reserve) of \(descriptors) descriptors for the server's own files")
        }

        let keys = apiKey + (ProcessInfo.processInfo.environment["BASESERVE_API_KEY"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !noAuth || ServerConfiguration.isLoopback(host) else {
            printError("baseserve: refusing to serve the API without keys on \(host): --no-auth is for loopback addresses (127.0.0.1) only")
            throw ExitCode.failure
        }
        let mailer: SMTPMailer?
        do {
            mailer = try smtpURL.map { try SMTPMailer(url: $0) }
        } catch {
            printError("baseserve: \(error)")
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
                let local = try LocalBackend(engine: engine, name: name, maxModelLength: maxModelLen)
                if let print = local.descriptor.fingerprint {
                    logger.info("model \(name): \(path), \(print.quantization), sha256 \(print.sha256)")
                }
                backends.append(local)
            }
            backends += try await configured.upstreamBackends(after: backends.map(\.descriptor.name), logger: logger)
        } catch let error as BackendError {
            if case .invalidRequest(let message, _) = error { printError("baseserve: \(message)") } else { printError("baseserve: \(error)") }
            throw ExitCode.failure
        } catch let error as CommandFailure {
            printError("baseserve: \(error.description)")
            throw ExitCode.failure
        }

        let store: SQLAccessStore
        do {
            store = try await access.openStore(logger: logger, defaultMonthlyTokenBudget: monthlyTokenBudget)
        } catch let error as CommandFailure {
            printError("baseserve: \(error.description)")
            throw ExitCode.failure
        }
        let publicURL = access.publicBase(defaultHost: host, defaultPort: port)
        logger.info("access database: \(access.database.map(AccessOptions.redacted) ?? "SQLite in \(access.dataDir)/"); invites \(mailer.map { "emailed through \($0.summary)" } ?? "shown to admins")")
        if try await !store.hasAdmin() {
            let token = try await store.createSetupToken(lifetime: 24 * 3600)
            logger.notice("no admin yet: open \(publicURL)/setup/\(token) to create the first admin account (the link works once, for 24 hours)")
        }

        let limits = ConnectionLimits(headTimeout: .seconds(headTimeout), bodyTimeout: .seconds(bodyTimeout),
                                      idleTimeout: .seconds(idleTimeout), maxConnections: connectionCap)
        var configuration = ServerConfiguration(host: host, port: port, maxLogprobs: maxLogprobs, maxBodyBytes: maxBodyBytes,
                                                connections: limits, metricsAccess: MetricsAccess(token: metricsToken),
                                                maxScoreContinuations: maxScoreContinuations,
                                                keyConcurrency: keyConcurrency, keyQueue: keyQueue)
        configuration.maxActivationPositions = maxActivationPositions
        configuration.maxFullVocabPositions = maxFullVocabPositions
        configuration.batches = BatchSettings(maxFileBytes: maxBatchFileBytes, maxFileLines: maxBatchFileLines,
                                              windowSeconds: batchWindowSeconds, concurrency: batchConcurrency,
                                              leaseSeconds: batchLeaseSeconds)
        let state = ServerState()
        let dashboard = DashboardConfiguration(publicURL: publicURL, secureCookies: publicURL.lowercased().hasPrefix("https://"))
        // Keys, and the Workbench's signed-in pages (billed to a key of the member's).
        let authenticator: (any APIKeyAuthenticator)? = noAuth ? nil : WorkbenchGate(
            keys: AccessGate(store: store, operatorKeys: keys, logger: logger), store: store, configuration: dashboard, logger: logger)
        let metrics = ServerMetrics()
        let app = buildApplication(
            models: ModelRegistry(backends), authenticator: authenticator,
            configuration: configuration, metrics: metrics, state: state, logger: logger, batchStore: store,
            addRoutes: { addDashboardRoutes(to: $0, store: store, mailer: mailer, configuration: dashboard, logger: logger) })
        let served = backends.map { "\($0.descriptor.name) (max_model_len \($0.descriptor.maxModelLength))" }.joined(separator: ", ")
        let auth = noAuth ? "none (--no-auth, loopback only)"
            : "members' keys\(keys.isEmpty ? "" : " and \(keys.count) operator key\(keys.count == 1 ? "" : "s")")"
        logger.info("BaseServe \(configuration.version) serving \(served) on http://\(host):\(port) (pages at \(publicURL)/), API auth: \(auth)")
        // The watcher's end must not end the group: it returns as draining begins.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: DrainWatcher(state: state, logger: logger), successTerminationBehavior: .ignore),
                .init(service: UsagePruner(store: store, retentionDays: usageRetentionDays, logger: logger),
                      successTerminationBehavior: .ignore),
                .init(service: BatchRunner(
                    store: store, principals: noAuth ? nil : BatchKeyPrincipals(store: store, logger: logger),
                    dispatcher: BatchLineDispatcher(models: ModelRegistry(backends), configuration: configuration, metrics: metrics,
                                                    settings: configuration.batches, logger: logger),
                    settings: configuration.batches, logger: logger),
                      successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await store.close()
        logger.info("BaseServe stopped")
    }

    static func nameAndPath(_ spec: String) -> (String, String) { ModelNaming.nameAndPath(spec) }
}
