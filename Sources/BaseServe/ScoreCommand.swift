import API
import ArgumentParser
import Backends
import Engine
import Foundation
import JSONValue

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Print each prompt token's logprob, rank and the model's top-k there.",
        discussion: """
            Position 0 has no context, so it has no score. With --json, prints one object
            {"token_ids": [...], "prompt_logprobs": [...]} in the API's prompt_logprobs shape.
            """
    )

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "Alternatives to show at each position (0-1000).") var top: Int = 5
    @Flag(name: .long, help: "Print one JSON object instead of a table.") var json = false
    @Flag(name: .long, inversion: .prefixedNo, help: "Prepend BOS when the model asks for it.") var addSpecialTokens = true
    @Argument(help: "The text to score; reads standard input when absent or -.") var text: String?

    func validate() throws {
        guard (0...1000).contains(top) else { throw ValidationError("--top must be between 0 and 1000") }
    }

    func run() throws {
        try reportingErrors {
            let text = try readText(text)
            let engine = try options.load()
            let ids = engine.tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
            guard !ids.isEmpty else { throw CommandFailure("the text is empty: there is nothing to score") }
            guard ids.count <= engine.contextLength else {
                throw CommandFailure("the text is \(ids.count) tokens, longer than the model's context of \(engine.contextLength)")
            }
            let scores = engine.score(ids, topK: top)
            if json {
                let entries = scores.map { $0.map { ScoredToken($0, text: engine.tokenizer.tokenText) } }
                let object = JSON.object([
                    ("token_ids", .array(ids.map { .int($0) })),
                    ("prompt_logprobs", promptLogprobs(entries, topK: top)),
                ])
                print(object.serialized)
                return
            }
            let tokenizer = engine.tokenizer
            var total: Double = 0
            print("pos\tid\ttoken\tlogprob\trank\ttop")
            for (i, id) in ids.enumerated() {
                let token = "\"" + visible(tokenizer.tokenText(id)) + "\""
                guard let s = scores[i] else {
                    print("\(i)\t\(id)\t\(token)\t-\t-\t-")
                    continue
                }
                total += Double(s.logprob)
                let alternatives = s.top.map { "\"\(visible(tokenizer.tokenText($0.id)))\" \(String(format: "%.4f", $0.logprob))" }
                print("\(i)\t\(id)\t\(token)\t\(String(format: "%.4f", s.logprob))\t\(s.rank)\t\(alternatives.joined(separator: ", "))")
            }
            print(String(format: "total logprob %.4f over %d scored tokens", total, max(0, ids.count - 1)))
        }
    }
}
