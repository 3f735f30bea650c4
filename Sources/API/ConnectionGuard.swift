import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// One per connection, after HTTP decoding: counts the connection against the
/// cap (closing it at once past the cap) and closes it when the client is too
/// slow or idle — no request head within `headTimeout` of connecting, a body
/// not whole within `bodyTimeout` of its head, nothing within `idleTimeout`
/// of the last response. While a whole request is being answered no timer
/// runs, so long streams and slow scoring are never cut.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let connections: OpenConnections
    private let logger: Logger
    private var counted = false
    private var refused = false
    /// A request head arrived and its end has not yet.
    private var readingRequest = false
    /// Requests whose response has not ended yet.
    private var unanswered = 0
    private var deadline: Scheduled<Void>?

    init(limits: ConnectionLimits, connections: OpenConnections, logger: Logger) {
        self.limits = limits
        self.connections = connections
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = connections.admit()
        refused = !counted
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        if !refused { context.fireChannelActive() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        if counted {
            counted = false
            connections.release()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            unanswered += 1
            arm(context, after: limits.bodyTimeout, because: "its request body did not arrive")
        case .body:
            break
        case .end:
            readingRequest = false
            // From here the server is working; the client only waits.
            if unanswered == 0 { armIdle(context) } else { disarm() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0 && !readingRequest { armIdle(context) }
        }
        context.write(data, promise: promise)
    }

    private var started = false

    /// The first timer, once the connection is live: a refused one is closed
    /// instead, before the server reads anything from it.
    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        if refused {
            // After the pipeline is set up, so the server's own setup does not fail on it.
            context.eventLoop.assumeIsolated().execute { context.close(promise: nil) }
            return
        }
        arm(context, after: limits.headTimeout, because: "it sent no request head")
    }

    private func armIdle(_ context: ChannelHandlerContext) {
        arm(context, after: limits.idleTimeout, because: "it was idle")
    }

    private func arm(_ context: ChannelHandlerContext, after timeout: Duration, because reason: String) {
        disarm()
        let logger = self.logger
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            logger.debug("closed a connection from \(context.channel.remoteAddress?.description ?? "?"): \(reason) within \(timeout)")
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
