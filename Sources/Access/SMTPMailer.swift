import Foundation
import NIOSSL

/// Sends invites through an SMTP server given as
/// `smtp://[user:password@]host[:port]?from=address` (port 25) or
/// `smtps://…` (port 465, TLS from the first byte).
///
/// With `smtp://` the conversation moves to TLS (STARTTLS) whenever the server
/// offers it, and a password is never sent in the clear: with credentials, or
/// with `starttls=required`, a server that offers no STARTTLS is refused. A
/// relay without TLS (a local Postfix, a sink in tests) is used as it is when
/// no password goes over it. Certificates are checked against the system's
/// trust roots, or against the PEM file given as `ca_file=/path`.
public struct SMTPMailer: InviteMailer {
    public let host: String
    public let port: Int
    public let from: String
    let credentials: (user: String, password: String)?
    /// TLS from the first byte (`smtps://`).
    let implicitTLS: Bool
    /// STARTTLS must succeed even without credentials.
    let requiresTLS: Bool
    let tls: NIOSSLContext
    /// Seconds the whole conversation may take.
    let timeout: Int

    static let usage = "smtp://[user:password@]host[:port]?from=address (or smtps://…; options starttls=required, ca_file=/path.pem)"

    public init(url: String, timeout: Int = 30) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty else {
            throw AccessError.invalid("--smtp-url must look like \(Self.usage), not \(SMTPMailer.redacted(url))")
        }
        self.host = host
        implicitTLS = scheme == "smtps"
        port = components.port ?? (implicitTLS ? 465 : 25)
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["from", "starttls", "ca_file"].contains(item.name) else {
                throw AccessError.invalid("--smtp-url: unknown option `\(item.name)` (known: from, starttls, ca_file)")
            }
            options[item.name] = item.value ?? ""
        }
        from = options["from"] ?? "baseserve@\(host)"
        guard SMTPMailer.isPlainAddress(from) else { throw AccessError.invalid("--smtp-url: `from` is not an email address: \(from)") }
        switch options["starttls"] {
        case nil, "auto": requiresTLS = false
        case "required": requiresTLS = true
        case let other?: throw AccessError.invalid("--smtp-url: starttls must be auto or required, not \(other)")
        }
        if let user = components.user {
            credentials = (user.removingPercentEncoding ?? user, (components.password ?? "").removingPercentEncoding ?? "")
        } else {
            credentials = nil
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = options["ca_file"] {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw AccessError.invalid("--smtp-url: ca_file \(caFile) cannot be read")
            }
            configuration.trustRoots = .file(caFile)
        }
        do {
            tls = try NIOSSLContext(configuration: configuration)
        } catch {
            throw AccessError.invalid("--smtp-url: the TLS settings are unusable: \(error)")
        }
        self.timeout = timeout
    }

    /// How the server log names the transport, without the password.
    public var summary: String {
        "\(implicitTLS ? "smtps" : "smtp")://\(host):\(port)\(implicitTLS ? "" : requiresTLS || credentials != nil ? " (STARTTLS required)" : " (STARTTLS when offered)")"
    }

    public func sendInvite(to email: String, link: String, expiresInDays: Int) async throws {
        try await send(to: email, subject: "Your BaseServe invite", body: """
            You have been invited to BaseServe.\r
            \r
            Create your account here (the link works once and expires in \(expiresInDays) days):\r
            \(link)\r
            """)
    }

    /// Sends a plain-text mail (`body` with CRLF line ends). Throws when the
    /// server cannot be reached, refuses the mail, or would get a password in clear.
    public func send(to email: String, subject: String, body: String) async throws {
        guard SMTPMailer.isPlainAddress(email) else { throw AccessError.invalid("not an email address: \(email)") }
        let message = """
            From: BaseServe <\(from)>\r
            To: <\(email)>\r
            Subject: \(subject)\r
            Date: \(SMTPMailer.rfc2822Date())\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(body)
            """
        try await deliver(to: email, message: message)
    }

    /// One SMTP conversation: greeting, EHLO, STARTTLS and EHLO again, AUTH, MAIL, RCPT, DATA, QUIT.
    func deliver(to recipient: String, message: String) async throws {
        let mailer = self
        try await SMTPConnection.withConnection(host: host, port: port, tls: implicitTLS ? tls : nil, timeout: timeout) { connection in
            try await connection.expect(220)
            var hello = try await connection.command("EHLO baseserve", expect: 250)
            if !mailer.implicitTLS {
                let offersTLS = hello.lines.contains { $0.uppercased().hasPrefix("STARTTLS") }
                if offersTLS {
                    try await connection.command("STARTTLS", expect: 220)
                    try await connection.startTLS(mailer.tls, host: mailer.host)
                    hello = try await connection.command("EHLO baseserve", expect: 250)
                } else if mailer.credentials != nil || mailer.requiresTLS {
                    throw AccessError.invalid(
                        "the SMTP server at \(connection.endpoint) does not offer STARTTLS; refusing to send "
                            + (mailer.credentials != nil ? "the password" : "mail") + " in clear (use smtps:// or a relay with TLS)")
                }
            }
            if let credentials = mailer.credentials {
                let plain = Data("\0\(credentials.user)\0\(credentials.password)".utf8).base64EncodedString()
                try await connection.command("AUTH PLAIN \(plain)", expect: 235, shown: "AUTH")
            }
            try await connection.command("MAIL FROM:<\(mailer.from)>", expect: 250)
            try await connection.command("RCPT TO:<\(recipient)>", expect: 250, 251)
            try await connection.command("DATA", expect: 354)
            // Dot-stuffing: a line that starts with "." gets another.
            let body = message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
            try await connection.command(body + "\r\n.", expect: 250, shown: "the message")
            _ = try? await connection.command("QUIT", expect: 221)
        }
    }

    /// The URL with its password replaced, for error messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// No spaces, brackets or line breaks: nothing that could inject SMTP commands or headers.
    static func isPlainAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, s.count <= 254 else { return false }
        return !s.contains { $0.isWhitespace || $0.isNewline || "<>()[],;:\\\"".contains($0) }
    }

    static func rfc2822Date() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date())
    }
}
