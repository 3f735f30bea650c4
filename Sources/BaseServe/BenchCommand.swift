import ArgumentParser
import Engine
import Foundation
import Kernels

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prefill and generation speed, as llama.cpp's llama-bench does.",
        discussion: """
            Prefill evaluates a prompt of --prompt-tokens pseudo-random tokens (llama-bench's
            pp512; only the last position's logits are formed). Generation produces
            --gen-tokens tokens one at a time (tg128), also shown as the weight bytes it
            reads per second (every matrix once per token), to read against the machine's
            memory bandwidth (bench/membw.c). Scoring is prefill with every
            position's logprob, rank and top-5 (what prompt_logprobs costs). Each figure
            is the median of --repetitions runs after one warm-up run. Prefix reuse is
            off: every run computes its whole prompt. --simd caps the kernels' SIMD level
            (e.g. avx2 on an AVX-512 machine, to measure the AVX2 path); the level in use
            is printed.
            """
    )

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "Prompt length for prefill and scoring.") var promptTokens: Int = 512
    @Option(name: .long, help: "Tokens to generate.") var genTokens: Int = 128
    @Option(name: .long, help: "Timed runs per figure.") var repetitions: Int = 5
    @Flag(name: .long, help: "Print one JSON object.") var json = false
    @Option(name: .long, help: ArgumentHelp("Highest SIMD level the kernels may use: avx512, avx2 or portable.", valueName: "level"))
    var simd = "avx512"

    func validate() throws {
        guard promptTokens >= 1, genTokens >= 1, repetitions >= 1 else {
            throw ValidationError("--prompt-tokens, --gen-tokens and --repetitions must be at least 1")
        }
        guard simdLimit != nil else { throw ValidationError("--simd must be avx512, avx2 or portable, got \(simd)") }
    }

    private var simdLimit: SIMDLimit? { SIMDLimit.allCases.first { $0.name == simd } }

    func run() throws {
        try reportingErrors {
            // Every run computes its prompt: a prefix reused from the warm-up would measure nothing.
            var options = self.options
            options.noPrefixCache = true
            limitSIMD(simdLimit ?? .avx512)
            let level = SIMDLimit.inUse.name
            let engine = try options.load()
            guard promptTokens + genTokens <= engine.contextLength else {
                throw CommandFailure("--prompt-tokens plus --gen-tokens exceeds the model's context of \(engine.contextLength)")
            }
            // Pseudo-random ids, as llama-bench uses: the same for every run.
            var random = SeededGenerator(seed: 42)
            let prompt = (0..<promptTokens).map { _ in Int(random.next() % UInt64(engine.vocabularySize)) }

            let prefill = median(repetitions) { engine.run(CompletionJob(prompt: prompt, maxTokens: 0)) }
            let scoring = median(repetitions) { _ = engine.score(prompt, topK: 5) }
            let decode = median(repetitions) {
                engine.run(CompletionJob(prompt: [prompt[0]], maxTokens: genTokens,
                                         sampling: SamplingParameters(temperature: 0), ignoreEOS: true))
            }
            let figures = (
                prefill: Double(promptTokens) / prefill,
                score: Double(promptTokens) / scoring,
                decode: Double(genTokens) / decode
            )
            let peak = peakResidentBytes()
            let weightBytes = try decodeWeightBytes(modelPath: options.model)
            let decodeBytesPerSecond = Double(weightBytes) * figures.decode
            if json {
                print("{\"prefill_tokens_per_s\":\(rounded(figures.prefill)),\"decode_tokens_per_s\":\(rounded(figures.decode)),\"score_tokens_per_s\":\(rounded(figures.score)),\"peak_rss_bytes\":\(peak),\"decode_weight_bytes\":\(weightBytes),\"decode_weight_gb_per_s\":\(rounded(decodeBytesPerSecond / 1e9)),\"threads\":\(options.threads),\"prompt_tokens\":\(promptTokens),\"gen_tokens\":\(genTokens),\"repetitions\":\(repetitions),\"simd\":\"\(level)\",\"model\":\"\(options.model)\"}")
            } else {
                print("model    \(options.model)")
                print("threads  \(options.threads)")
                print("simd     \(level)")
                print(String(format: "prefill  pp%-5d %8.1f tokens/s", promptTokens, figures.prefill))
                print(String(format: "score    pp%-5d %8.1f tokens/s (prompt_logprobs 5)", promptTokens, figures.score))
                print(String(format: "decode   tg%-5d %8.1f tokens/s, %.2f GB/s of weights (%.1f MB per token)",
                             genTokens, figures.decode, decodeBytesPerSecond / 1e9, Double(weightBytes) / 1e6))
                print(String(format: "peak RSS %.1f MiB", Double(peak) / 1_048_576))
            }
        }
    }

    /// Median wall-clock seconds of `runs` calls after one warm-up call.
    private func median(_ runs: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }

    private func rounded(_ x: Double) -> String { String(format: "%.2f", x) }
}

/// The process's peak resident memory (VmHWM), in bytes; 0 where /proc is absent.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kib = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kib * 1024
    }
    return 0
}

