import ArgumentParser
import Engine
import Foundation
import Kernels

/// Where the model is and how many threads run it; shared by every command.
struct ModelOptions: ParsableArguments {
    static let defaultModelPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    /// The model used when none is given: `$BASESERVE_MODEL`, else the set-up script's.
    static var defaultModel: String { ProcessInfo.processInfo.environment["BASESERVE_MODEL"] ?? defaultModelPath }

    @Option(name: .long, help: ArgumentHelp("Path of the GGUF model file.", valueName: "path"))
    var model: String = ProcessInfo.processInfo.environment["BASESERVE_MODEL"] ?? ModelOptions.defaultModelPath

    @Option(name: .long, help: "Threads for the model's kernels (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("kv-cache-mb"),
            help: "Memory for the KV caches of all requests together, in MiB (default: 1024, or one full context if more).")
    var kvCacheMB: Int?

    @Flag(name: .customLong("no-prefix-cache"), help: "Do not keep computed prompt prefixes for reuse by later prompts.")
    var noPrefixCache = false

    init() {}

    init(model: String, threads: Int, kvCacheMB: Int? = nil, noPrefixCache: Bool = false) {
        self.model = model
        self.threads = threads
        self.kvCacheMB = kvCacheMB
        self.noPrefixCache = noPrefixCache
    }

    func validate() throws {
        guard threads >= 1, threads <= 512 else { throw ValidationError("--threads must be between 1 and 512") }
        if let kvCacheMB { guard kvCacheMB >= 1 else { throw ValidationError("--kv-cache-mb must be at least 1") } }
    }

    /// Loads the model, telling the user on stderr what is happening.
    func load() throws -> Engine {
        guard FileManager.default.fileExists(atPath: model) else {
            if model == Self.defaultModelPath {
                throw CommandFailure("no model at \(model); run scripts/setup.sh to fetch the default model, or pass --model PATH")
            }
            throw CommandFailure("no model file at \(model)")
        }
        mapLargeAllocationsSeparately()
        limitAllocatorArenas(cores: ProcessInfo.processInfo.activeProcessorCount)
        let started = Date()
        let size = (try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0
        printError("loading \(model) (\(size / 1_000_000) MB) on \(threads) thread\(threads == 1 ? "" : "s")…")
        do {
            let engine = try Engine(modelPath: model, threads: threads, kvCacheBytes: kvCacheMB.map { $0 << 20 },
                                    prefixReuse: !noPrefixCache)
            let c = engine.config
            printError(String(format: "loaded %@: %d layers, hidden %d, %d heads (%d kv), vocabulary %d, context %d, in %.2f s",
                              engine.file.metadata.string("general.name") ?? "model", c.layerCount, c.hiddenSize,
                              c.headCount, c.kvHeadCount, c.vocabularySize, c.contextLength, Date().timeIntervalSince(started)))
            let pool = engine.model.kvPool
            printError("KV cache: up to \((pool.capacity * pool.blockBytes) >> 20) MiB (\(pool.capacity) blocks of \(pool.blockSize) positions), prefix reuse \(engine.reusesPrefixes ? "on" : "off")")
            return engine
        } catch {
            throw CommandFailure("cannot load \(model): \(error)")
        }
    }
}

/// A failure reported to the user as one sentence, exiting with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs a command body, turning any error into one line on stderr and exit 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CommandFailure {
        printError("baseserve: \(error.description)")
        throw ExitCode.failure
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("baseserve: \(error)")
        throw ExitCode.failure
    }
}

/// The text argument, or standard input when it is absent or "-".
func readText(_ argument: String?) throws -> String {
    if let argument, argument != "-" { return argument }
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure("standard input is not valid UTF-8") }
    return text
}

/// A token's text made visible on one line: control characters escaped.
func visible(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
