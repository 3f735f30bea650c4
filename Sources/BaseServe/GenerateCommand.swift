import ArgumentParser
import Engine
import Foundation
import Tokenizer

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a text, printing tokens as they come (greedy at temperature 0)."
    )

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "Tokens to generate.") var maxTokens: Int = 64
    @Option(name: .long, help: "Sampling temperature (0 = greedy, up to 2).") var temperature: Float = 0
    @Option(name: .long, help: "Keep only the k most likely tokens (0 = off).") var topK: Int = 0
    @Option(name: .long, help: "Keep the smallest set of tokens whose probability reaches p.") var topP: Float = 1
    @Option(name: .long, help: "Seed for sampling: the same seed gives the same text.") var seed: UInt64?
    @Option(name: .long, help: "After the text, list each generated token's logprob and this many alternatives.") var logprobs: Int?
    @Flag(name: .long, help: "Do not stop at the end-of-sequence token.") var ignoreEOS = false
    @Argument(help: "The text to continue; reads standard input when absent or -.") var text: String?

    func validate() throws {
        guard maxTokens >= 1, maxTokens <= 1_000_000 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature >= 0, temperature <= 2 else { throw ValidationError("--temperature must be between 0 and 2") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 (off) or positive") }
        if let logprobs { guard (0...20).contains(logprobs) else { throw ValidationError("--logprobs must be between 0 and 20") } }
    }

    func run() throws {
        try reportingErrors {
            let text = try readText(text)
            let engine = try options.load()
            let prompt = engine.tokenizer.encode(text)
            guard !prompt.isEmpty else { throw CommandFailure("the text is empty: give at least one token of context") }
            guard prompt.count + maxTokens <= engine.contextLength else {
                throw CommandFailure("the text is \(prompt.count) tokens; with --max-tokens \(maxTokens) that exceeds the model's context of \(engine.contextLength)")
            }
            let job = CompletionJob(
                prompt: prompt, maxTokens: maxTokens, logprobs: logprobs,
                sampling: SamplingParameters(temperature: temperature, topK: topK, topP: topP, seed: seed),
                ignoreEOS: ignoreEOS)
            var decoder = IncrementalDecoder(tokenizer: engine.tokenizer, continuesText: true)
            var generated: [GeneratedToken] = []
            let out = FileHandle.standardOutput
            let started = Date()
            let reason = engine.run(job, onToken: { token in
                generated.append(token)
                out.write(Data(decoder.append(token.id).utf8))
                return true
            })
            out.write(Data((decoder.flush() + "\n").utf8))
            let seconds = Date().timeIntervalSince(started)
            let why: String
            switch reason {
            case .length: why = "length"
            case .stopToken(let id): why = "stop token \(id)"
            case .stoppedByCaller: why = "stopped"
            }
            printError(String(format: "%d tokens in %.2f s (%@)", generated.count, seconds, why))
            if logprobs != nil {
                for (i, t) in generated.enumerated() {
                    let alts = t.top.map { "\"\(visible(engine.tokenizer.tokenText($0.id)))\" \(String(format: "%.4f", $0.logprob))" }
                    print("\(i)\t\(t.id)\t\"\(visible(engine.tokenizer.tokenText(t.id)))\"\t\(String(format: "%.4f", t.logprob))\t\(alts.joined(separator: ", "))")
                }
            }
        }
    }
}
