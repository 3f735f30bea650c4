import ArgumentParser

@main
struct BaseServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseserve",
        abstract: "Serve and score base language models on the CPU.",
        discussion: """
            BaseServe runs Llama-family models from GGUF files with its own engine.
            Every command takes --model PATH; without it, the default model that the
            set-up script fetched (models/SmolLM2-135M-Instruct.Q4_1.gguf) is used.
            """,
        subcommands: [ServeCommand.self, AdminCommand.self, ScoreCommand.self, GenerateCommand.self, TokenizeCommand.self, BenchCommand.self]
    )
}
