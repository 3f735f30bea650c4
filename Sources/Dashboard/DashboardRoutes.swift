import Access
import API
import Hummingbird
import Logging

/// Adds BaseServe's web pages to the server's router: the public page and its
/// access-request form, sign-in, invites and first-admin setup, the member's
/// dashboard and usage pages, the admin pages, the user guide and the stylesheet.
///
/// Every page answers in HTML, errors included; nothing expected is thrown to
/// the API's JSON error middleware.
public func addDashboardRoutes(to router: Router<APIRequestContext>, store: any AccessStore, mailer: (any InviteMailer)?,
                               configuration: DashboardConfiguration, logger: Logger) {
    let site = DashboardSite(store: store, mailer: mailer, configuration: configuration, logger: logger)
    PublicPages(site: site).addRoutes(to: router)
    SignInPages(site: site).addRoutes(to: router)
    InvitePages(site: site).addRoutes(to: router)
    MemberPages(site: site).addRoutes(to: router)
    KeyPages(site: site).addRoutes(to: router)
    UsagePages(site: site).addRoutes(to: router)
    AdminPages(site: site).addRoutes(to: router)
    BatchPages(site: site).addRoutes(to: router)
    GuidePages(site: site).addRoutes(to: router)
    WorkbenchPages(site: site).addRoutes(to: router)
    FeedbackPages(site: site).addRoutes(to: router)
    StaticRoutes().addRoutes(to: router)
}
