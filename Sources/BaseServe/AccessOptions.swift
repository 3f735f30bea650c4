import Access
import ArgumentParser
import Foundation
import Logging

/// Where the access database is, and the server's public address for links;
/// shared by `serve` and every `admin` command.
struct AccessOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of the SQLite database (default: ./data, or $BASESERVE_DATA_DIR).", valueName: "dir"))
    var dataDir: String = ProcessInfo.processInfo.environment["BASESERVE_DATA_DIR"] ?? "data"

    @Option(name: .customLong("database"), help: ArgumentHelp(
        "A PostgreSQL URL (postgres://user:password@host:port/db) to use instead of SQLite (or $BASESERVE_DATABASE_URL).",
        valueName: "url"))
    var databaseOption: String?
    /// The option, or else the environment's.
    var database: String? { databaseOption ?? ProcessInfo.processInfo.environment["BASESERVE_DATABASE_URL"] }

    @Option(name: .customLong("public-url"), help: ArgumentHelp(
        "The address members reach the server at, for invite and setup links (default: http://HOST:PORT, or $BASESERVE_PUBLIC_URL).",
        valueName: "url"))
    var publicURLOption: String?
    var publicURL: String? { publicURLOption ?? ProcessInfo.processInfo.environment["BASESERVE_PUBLIC_URL"] }

    func validate() throws {
        if let publicURL {
            guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ValidationError("--public-url must be an http:// or https:// URL, not \(publicURL)")
            }
        }
    }

    /// The public URL without a trailing slash.
    func publicBase(defaultHost: String = "127.0.0.1", defaultPort: Int = 8000) -> String {
        var base = publicURL ?? "http://\(defaultHost.contains(":") ? "[\(defaultHost)]" : defaultHost):\(defaultPort)"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// Opens the store (running its migrations), or fails with one sentence.
    /// `defaultMonthlyTokenBudget`: the server's `--monthly-token-budget`.
    func openStore(logger: Logger, defaultMonthlyTokenBudget: Int? = nil) async throws -> SQLAccessStore {
        do {
            return try await SQLAccessStore.open(databaseURL: database, dataDirectory: dataDir, logger: logger,
                                                 defaultMonthlyTokenBudget: defaultMonthlyTokenBudget)
        } catch {
            throw CommandFailure("cannot open the access database (\(database.map(Self.redacted) ?? "\(dataDir)/")): \(error)")
        }
    }

    /// A database URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
