import ArgumentParser
import Engine
import Foundation

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text, or with --verbose each id and its text."
    )

    @OptionGroup var options: ModelOptions
    @Flag(name: .long, inversion: .prefixedNo, help: "Prepend BOS when the model asks for it.") var addSpecialTokens = true
    @Flag(name: .long, help: "One line per token: id and text.") var verbose = false
    @Argument(help: "The text to tokenize; reads standard input when absent or -.") var text: String?

    func run() throws {
        try reportingErrors {
            let text = try readText(text)
            let engine = try options.load()
            let ids = engine.tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
            if verbose {
                for id in ids { print("\(id)\t\"\(visible(engine.tokenizer.tokenText(id)))\"") }
            } else {
                print(ids.map(String.init).joined(separator: " "))
            }
            printError("\(ids.count) tokens")
        }
    }
}
