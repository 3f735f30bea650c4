/// The access schema, as numbered migrations applied in order on open. Each
/// runs once, in its own transaction, and is recorded in `schema_migrations`.
/// Never edit a shipped migration: add the next one.
///
/// Conventions, so one SQL text serves SQLite and PostgreSQL: times are BIGINT
/// unix milliseconds, ids random TEXT (no SERIAL/AUTOINCREMENT), booleans
/// BIGINT 0/1, digests lowercase hex TEXT, model lists JSON TEXT.
struct Migration: Sendable {
    var version: Int
    var name: String
    /// One statement each; `dialect` for the rare statement that must differ.
    var statements: @Sendable (SQLDialect) -> [String]
}

enum Migrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "access schema") { _ in
            [
                """
                CREATE TABLE members (
                    id TEXT NOT NULL PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    is_admin BIGINT NOT NULL DEFAULT 0,
                    status TEXT NOT NULL,
                    requests_per_minute BIGINT,
                    tokens_per_minute BIGINT,
                    tokens_per_day BIGINT,
                    allowed_models TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE access_requests (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    affiliation TEXT,
                    note TEXT NOT NULL,
                    status TEXT NOT NULL,
                    review_note TEXT,
                    reviewed_by TEXT,
                    created_at BIGINT NOT NULL,
                    reviewed_at BIGINT
                )
                """,
                // At most one pending request per email: the merge relies on it.
                "CREATE UNIQUE INDEX access_requests_one_pending ON access_requests (email) WHERE status = 'pending'",
                "CREATE INDEX access_requests_by_status ON access_requests (status, created_at)",
                """
                CREATE TABLE invites (
                    id TEXT NOT NULL PRIMARY KEY,
                    email TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    request_id TEXT REFERENCES access_requests (id),
                    created_by TEXT,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT,
                    revoked_at BIGINT,
                    member_id TEXT
                )
                """,
                """
                CREATE TABLE setup_tokens (
                    id TEXT NOT NULL PRIMARY KEY,
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT
                )
                """,
                """
                CREATE TABLE sessions (
                    token_hash TEXT NOT NULL PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
                """
                CREATE TABLE sign_in_attempts (
                    id TEXT NOT NULL PRIMARY KEY,
                    email TEXT NOT NULL,
                    succeeded BIGINT NOT NULL,
                    time BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sign_in_attempts_by_email ON sign_in_attempts (email, time)",
                """
                CREATE TABLE api_keys (
                    id TEXT NOT NULL PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    last4 TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT,
                    expires_at BIGINT,
                    revoked_at BIGINT,
                    requests_per_minute BIGINT,
                    tokens_per_minute BIGINT,
                    tokens_per_day BIGINT,
                    allowed_models TEXT,
                    requests BIGINT NOT NULL DEFAULT 0,
                    tokens BIGINT NOT NULL DEFAULT 0
                )
                """,
                "CREATE INDEX api_keys_by_member ON api_keys (member_id, created_at)",
                // Raw usage, one row per request; prunable, usage_daily keeps the totals.
                """
                CREATE TABLE usage (
                    id TEXT NOT NULL PRIMARY KEY,
                    member_id TEXT NOT NULL,
                    key_id TEXT,
                    model TEXT,
                    route TEXT NOT NULL,
                    prompt_tokens BIGINT NOT NULL,
                    completion_tokens BIGINT NOT NULL,
                    status BIGINT NOT NULL,
                    latency_ms BIGINT NOT NULL,
                    time BIGINT NOT NULL,
                    end_user TEXT
                )
                """,
                "CREATE INDEX usage_by_time ON usage (time)",
                "CREATE INDEX usage_by_member_time ON usage (member_id, time)",
                // Key and model are '' when absent: primary key columns cannot be NULL.
                """
                CREATE TABLE usage_daily (
                    member_id TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    model TEXT NOT NULL,
                    day TEXT NOT NULL,
                    requests BIGINT NOT NULL,
                    prompt_tokens BIGINT NOT NULL,
                    completion_tokens BIGINT NOT NULL,
                    PRIMARY KEY (member_id, key_id, model, day)
                )
                """,
                "CREATE INDEX usage_daily_by_day ON usage_daily (day)",
                // Fixed windows: kind 'minute' keyed floor(ms / 60000), 'day' keyed
                // floor(ms / 86400000) (the UTC day). `window_key`, not `window`,
                // which PostgreSQL reserves.
                """
                CREATE TABLE rate_windows (
                    subject TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    window_key BIGINT NOT NULL,
                    requests BIGINT NOT NULL,
                    tokens BIGINT NOT NULL,
                    PRIMARY KEY (subject, kind, window_key)
                )
                """,
                "CREATE INDEX rate_windows_by_window ON rate_windows (kind, window_key)",
                """
                CREATE TABLE audit_log (
                    id TEXT NOT NULL PRIMARY KEY,
                    time BIGINT NOT NULL,
                    actor_id TEXT,
                    actor_email TEXT,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT
                )
                """,
                "CREATE INDEX audit_log_by_time ON audit_log (time)",
            ]
        },
        // What a lab needs to share one server: paused keys, monthly and daily
        // token budgets (member and key), per-key concurrency overrides, and per
        // usage row the request id, the time spent queued and the workload tag.
        // NULL budgets and concurrency: the server default applies (or none).
        Migration(version: 2, name: "budgets, paused keys, queueing, request ids") { _ in
            [
                "ALTER TABLE api_keys ADD COLUMN paused_at BIGINT",
                "ALTER TABLE api_keys ADD COLUMN monthly_token_budget BIGINT",
                "ALTER TABLE api_keys ADD COLUMN daily_token_budget BIGINT",
                "ALTER TABLE api_keys ADD COLUMN max_concurrency BIGINT",
                "ALTER TABLE members ADD COLUMN monthly_token_budget BIGINT",
                "ALTER TABLE members ADD COLUMN max_concurrency BIGINT",
                "ALTER TABLE usage ADD COLUMN request_id TEXT",
                "ALTER TABLE usage ADD COLUMN queue_ms BIGINT",
                "ALTER TABLE usage ADD COLUMN workload TEXT",
                "CREATE INDEX usage_by_request_id ON usage (request_id)",
            ]
        },
        // The Batch API: uploaded files in chunks (so every server on one
        // PostgreSQL reads them), batches, their lines with a lease each, and
        // each line's result, stored once: (batch_id, custom_id) is the primary
        // key, so a custom_id can never have two results, whoever ran it.
        Migration(version: 3, name: "batch files, batches, lines and results") { _ in
            [
                """
                CREATE TABLE batch_files (
                    id TEXT NOT NULL PRIMARY KEY,
                    owner TEXT NOT NULL,
                    purpose TEXT NOT NULL,
                    filename TEXT NOT NULL,
                    bytes BIGINT NOT NULL,
                    lines BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX batch_files_by_owner ON batch_files (owner, created_at)",
                """
                CREATE TABLE batch_file_chunks (
                    file_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    content TEXT NOT NULL,
                    PRIMARY KEY (file_id, seq)
                )
                """,
                """
                CREATE TABLE batches (
                    id TEXT NOT NULL PRIMARY KEY,
                    owner TEXT NOT NULL,
                    key_id TEXT,
                    endpoint TEXT NOT NULL,
                    input_file_id TEXT NOT NULL,
                    completion_window TEXT NOT NULL,
                    status TEXT NOT NULL,
                    output_file_id TEXT,
                    error_file_id TEXT,
                    errors TEXT,
                    metadata TEXT,
                    total BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    in_progress_at BIGINT,
                    expires_at BIGINT NOT NULL,
                    finalizing_at BIGINT,
                    completed_at BIGINT,
                    failed_at BIGINT,
                    expired_at BIGINT,
                    cancelling_at BIGINT,
                    cancelled_at BIGINT
                )
                """,
                "CREATE INDEX batches_by_owner ON batches (owner, created_at)",
                "CREATE INDEX batches_by_status ON batches (status)",
                // state: 'pending' (claimable once lease_expires_at has passed,
                // or is NULL), 'leased' (claimable again once its lease expires), 'done'.
                """
                CREATE TABLE batch_lines (
                    id TEXT NOT NULL PRIMARY KEY,
                    batch_id TEXT NOT NULL,
                    line BIGINT NOT NULL,
                    custom_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL,
                    lease_owner TEXT,
                    lease_expires_at BIGINT,
                    UNIQUE (batch_id, custom_id)
                )
                """,
                "CREATE INDEX batch_lines_by_batch ON batch_lines (batch_id, state, line)",
                """
                CREATE TABLE batch_results (
                    batch_id TEXT NOT NULL,
                    custom_id TEXT NOT NULL,
                    line BIGINT NOT NULL,
                    is_error BIGINT NOT NULL,
                    content TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (batch_id, custom_id)
                )
                """,
            ]
        },
        // The Workbench: a member's saved prompts, looms and comparisons (one
        // table; `body` is the page's own JSON, kept as the page sent it), the
        // last runs of each comparison, and feedback sent from any page.
        Migration(version: 4, name: "workbench: saved prompts, looms, comparisons, feedback") { _ in
            [
                """
                CREATE TABLE workbench_documents (
                    id TEXT NOT NULL PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES members(id),
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX workbench_documents_by_owner ON workbench_documents (member_id, kind, updated_at)",
                """
                CREATE TABLE comparison_runs (
                    id TEXT NOT NULL PRIMARY KEY,
                    document_id TEXT NOT NULL REFERENCES workbench_documents(id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    body TEXT NOT NULL
                )
                """,
                "CREATE INDEX comparison_runs_by_document ON comparison_runs (document_id, created_at)",
                """
                CREATE TABLE feedback (
                    id TEXT NOT NULL PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES members(id),
                    category TEXT NOT NULL,
                    description TEXT NOT NULL,
                    page TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    closed_at BIGINT,
                    closed_by TEXT
                )
                """,
                "CREATE INDEX feedback_by_state ON feedback (closed_at, created_at)",
            ]
        },
    ]

    /// Brings the schema up to date. Safe to run on every open, and (on
    /// PostgreSQL) from several servers at once: an advisory lock lets one
    /// apply each migration while the others wait and then skip it.
    static func run(on database: any SQLDatabase, now: Int64) async throws {
        try await database.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )
            """)
        let known = all.map(\.version).max() ?? 0
        if let newest = try await database.first("SELECT MAX(version) AS version FROM schema_migrations"),
           let version = try newest.optionalInt("version"), version > known {
            throw AccessError.database("The access database is at schema version \(version), newer than this BaseServe knows (\(known)); upgrade BaseServe.")
        }
        let dialect = database.dialect
        for migration in all {
            try await database.transaction { connection in
                if dialect == .postgres {
                    try await connection.query("SELECT pg_advisory_xact_lock(7242001)")
                }
                let applied = try await connection.first("SELECT version FROM schema_migrations WHERE version = ?", [.int(migration.version)])
                guard applied == nil else { return }
                for statement in migration.statements(dialect) {
                    try await connection.query(statement)
                }
                try await connection.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                                           [.int(migration.version), .text(migration.name), .int(now)])
            }
        }
    }
}
