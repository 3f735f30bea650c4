import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends invites through an SMTP server given as
/// `smtp://[user:password@]host[:port]?from=address` (port 25 by default).
/// Plain SMTP with optional AUTH PLAIN: point it at a relay on the same host
/// or private network (a local Postfix, or a sink in tests); TLS is the
/// relay's job.
public struct SMTPMailer: InviteMailer {
    public let host: String
    public let port: Int
    public let from: String
    let credentials: (user: String, password: String)?
    /// Seconds to wait for the server at each step.
    let timeout: Int

    public init(url: String, timeout: Int = 10) throws {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "smtp",
              let host = components.host, !host.isEmpty else {
            throw AccessError.invalid("--smtp-url must look like smtp://[user:password@]host[:port]?from=address, not \(url)")
        }
        self.host = host
        port = components.port ?? 25
        let fromItem = components.queryItems?.first(where: { $0.name == "from" })?.value
        from = fromItem ?? "baseserve@\(host)"
        guard SMTPMailer.isPlainAddress(from) else { throw AccessError.invalid("--smtp-url: `from` is not an email address: \(from)") }
        if let user = components.user {
            credentials = (user.removingPercentEncoding ?? user, (components.password ?? "").removingPercentEncoding ?? "")
        } else {
            credentials = nil
        }
        self.timeout = timeout
    }

    public func sendInvite(to email: String, link: String, expiresInDays: Int) async throws {
        guard SMTPMailer.isPlainAddress(email) else { throw AccessError.invalid("not an email address: \(email)") }
        let message = """
            From: BaseServe <\(from)>\r
            To: <\(email)>\r
            Subject: Your BaseServe invite\r
            Date: \(SMTPMailer.rfc2822Date())\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            You have been invited to BaseServe.\r
            \r
            Create your account here (the link works once and expires in \(expiresInDays) days):\r
            \(link)\r
            """
        let mailer = self
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // Blocking socket calls belong on a thread of their own, not on the cooperative pool.
            Thread.detachNewThread {
                do {
                    try mailer.deliver(to: email, message: message)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// One SMTP conversation: greeting, EHLO, AUTH, MAIL, RCPT, DATA, QUIT.
    func deliver(to recipient: String, message: String) throws {
        let connection = try SMTPConnection(host: host, port: port, timeout: timeout)
        defer { connection.close() }
        try connection.expect(220)
        try connection.command("EHLO baseserve", expect: 250)
        if let credentials {
            let plain = Data("\0\(credentials.user)\0\(credentials.password)".utf8).base64EncodedString()
            try connection.command("AUTH PLAIN \(plain)", expect: 235)
        }
        try connection.command("MAIL FROM:<\(from)>", expect: 250)
        try connection.command("RCPT TO:<\(recipient)>", expect: 250, 251)
        try connection.command("DATA", expect: 354)
        // Dot-stuffing: a line that starts with "." gets another.
        let body = message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
        try connection.command(body + "\r\n.", expect: 250)
        try? connection.command("QUIT", expect: 221)
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

/// A blocking TCP connection that speaks SMTP's line-based replies.
final class SMTPConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let endpoint: String

    init(host: String, port: Int, timeout: Int) throws {
        endpoint = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw AccessError.invalid("cannot resolve the SMTP host \(host)")
        }
        defer { freeaddrinfo(result) }
        var address: UnsafeMutablePointer<addrinfo>? = first
        var connected: Int32 = -1
        while let a = address, connected < 0 {
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s >= 0 {
                var tv = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { connected = s } else { Glibc.close(s) }
            }
            address = a.pointee.ai_next
        }
        guard connected >= 0 else { throw AccessError.invalid("cannot connect to the SMTP server at \(endpoint)") }
        fd = connected
    }

    func close() { Glibc.close(fd) }

    func command(_ line: String, expect codes: Int...) throws {
        let bytes = Array((line + "\r\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw AccessError.invalid("the SMTP server at \(endpoint) closed the connection") }
            sent += n
        }
        try expect(codes)
    }

    func expect(_ codes: Int...) throws { try expect(codes) }

    /// Reads one reply (possibly multi-line: `250-…` then `250 …`) and checks its code.
    private func expect(_ codes: [Int]) throws {
        while true {
            let line = try readLine()
            let code = Int(line.prefix(3)) ?? 0
            let isLast = line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-"
            guard isLast else { continue }
            guard codes.contains(code) else {
                throw AccessError.invalid("the SMTP server at \(endpoint) refused: \(line)")
            }
            return
        }
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<i], as: UTF8.self).trimmingCharacters(in: .newlines)
                buffer.removeSubrange(...i)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 1024)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw AccessError.invalid("no answer from the SMTP server at \(endpoint)") }
            buffer += chunk[..<n]
        }
    }
}
