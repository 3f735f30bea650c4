import NIOCore
import NIOPosix
import NIOSSL

/// One SMTP client conversation over NIO: commands written line by line,
/// replies read whole (`250-…` lines up to the `250 …` one), TLS either from
/// the first byte (`smtps://`) or started in the middle (STARTTLS).
struct SMTPConnection {
    private let channel: any Channel
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()
    let endpoint: String

    /// One reply: its code and the text of each of its lines.
    struct Reply {
        var code: Int
        var lines: [String]
    }

    /// Opens the connection and runs `conversation` on it, closing it afterwards
    /// whatever happens. The whole conversation must end within `timeout` seconds:
    /// past it the connection is closed and the mail counts as not sent.
    static func withConnection<T: Sendable>(
        host: String, port: Int, tls: NIOSSLContext?, timeout: Int,
        _ conversation: @escaping @Sendable (inout SMTPConnection) async throws -> T
    ) async throws -> T {
        let endpoint = "\(host):\(port)"
        let serverName = SMTPConnection.serverName(host)
        let asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(Int64(timeout)))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AccessError.invalid("cannot connect to the SMTP server at \(endpoint): \(error)")
        }
        let channel = asyncChannel.channel
        return try await asyncChannel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    var connection = SMTPConnection(channel: channel, outbound: outbound, inbound: inbound.makeAsyncIterator(),
                                                    endpoint: endpoint)
                    return try await conversation(&connection)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    // Closing ends the conversation's pending read.
                    channel.close(promise: nil)
                    throw AccessError.invalid("the SMTP server at \(endpoint) did not finish within \(timeout) s")
                }
                defer { group.cancelAll() }
                guard let result = try await group.next() ?? nil else {
                    throw AccessError.invalid("the SMTP conversation with \(endpoint) ended early")
                }
                return result
            }
        }
    }

    /// SNI and certificate names are host names; an IP address is checked against the certificate's IP entries instead.
    private static func serverName(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// Sends one command line and reads its reply, which must have one of `codes`.
    @discardableResult
    mutating func command(_ line: String, expect codes: Int..., shown: String? = nil) async throws -> Reply {
        do {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
        } catch {
            // The connection is gone; why (a refused certificate, say) waits in the inbound stream.
            _ = try await readReply()
            throw AccessError.invalid("the SMTP server at \(endpoint) closed the connection")
        }
        return try await expect(codes, after: shown ?? line)
    }

    /// Reads a reply, which must have one of `codes`.
    @discardableResult
    mutating func expect(_ codes: Int..., after: String = "connecting") async throws -> Reply {
        try await expect(codes, after: after)
    }

    private mutating func expect(_ codes: [Int], after: String) async throws -> Reply {
        let reply = try await readReply()
        guard codes.contains(reply.code) else {
            // The command is named by its verb only: an AUTH line carries the password.
            let verb = after.split(separator: " ").first.map(String.init) ?? after
            throw AccessError.invalid("the SMTP server at \(endpoint) refused \(verb): \(reply.code) \(reply.lines.last ?? "")")
        }
        return reply
    }

    /// Puts TLS under the conversation (after the server's 220 to STARTTLS).
    /// Writes wait for the handshake; a certificate the configuration does not
    /// trust fails the next read.
    func startTLS(_ context: NIOSSLContext, host: String) async throws {
        let serverName = SMTPConnection.serverName(host)
        try await channel.eventLoop.submit { [channel] in
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
        }.get()
    }

    private mutating func readReply() async throws -> Reply {
        var lines: [String] = []
        while true {
            let line = try await readLine()
            let code = Int(line.prefix(3)) ?? 0
            lines.append(String(line.dropFirst(4)))
            let continues = line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-"
            if !continues { return Reply(code: code, lines: lines) }
        }
    }

    private mutating func readLine() async throws -> String {
        while true {
            if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - buffer.readerIndex
                let line = buffer.readString(length: length) ?? ""
                buffer.moveReaderIndex(forwardBy: 1)
                return line.hasSuffix("\r") ? String(line.dropLast()) : line
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await inbound.next()
            } catch {
                throw AccessError.invalid("the connection to the SMTP server at \(endpoint) failed: \(error)")
            }
            guard var chunk else { throw AccessError.invalid("the SMTP server at \(endpoint) closed the connection") }
            buffer.writeBuffer(&chunk)
        }
    }
}
