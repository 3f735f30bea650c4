import Access
import ArgumentParser
import Foundation

/// `baseserve admin mail-test`: sends one mail through the server's SMTP
/// settings, so an operator finds a wrong relay, password or certificate before
/// the first invite does.
struct AdminMailTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail-test",
        abstract: "Send a test mail through --smtp-url (or $BASESERVE_SMTP_URL), as invites are sent.")
    @Option(name: .customLong("smtp-url"), help: ArgumentHelp(
        "smtp://[user:password@]host[:port]?from=address, or smtps://… (default: $BASESERVE_SMTP_URL).", valueName: "url"))
    var smtpURLOption: String?
    @Option(name: .long, help: "The address to send the test mail to.") var to: String

    func run() async throws {
        guard let url = smtpURLOption ?? ProcessInfo.processInfo.environment["BASESERVE_SMTP_URL"] else {
            throw CommandFailure("no SMTP server: pass --smtp-url or set BASESERVE_SMTP_URL")
        }
        do {
            let mailer = try SMTPMailer(url: url)
            try await mailer.send(to: to, subject: "BaseServe test mail",
                                  body: "This mail shows that BaseServe can send invites through \(mailer.summary).\r\n")
            print("sent a test mail to \(to) through \(mailer.summary)")
        } catch let error as AccessError {
            throw CommandFailure(error.description)
        }
    }
}
