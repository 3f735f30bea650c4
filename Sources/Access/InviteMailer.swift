/// Sends an invite link to the address it was made for. Configured with
/// `--smtp-url`; without one, admins are shown the link to pass on themselves.
public protocol InviteMailer: Sendable {
    /// Delivers `link` (an absolute URL) to `email`; throws when the mail server refuses it.
    func sendInvite(to email: String, link: String, expiresInDays: Int) async throws
}
