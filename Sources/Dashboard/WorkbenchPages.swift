import Access
import API
import Hummingbird

/// `/workbench`: the page (its script does the work, through `WorkbenchAPI`
/// and `/v1/completions` with the session), and its script and stylesheet.
struct WorkbenchPages: Sendable {
    let site: DashboardSite

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/workbench") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                var response = site.page("workbench", visitor)
                // The one page whose script talks to the server: to this origin only.
                response.headers[.contentSecurityPolicy] = (response.headers[.contentSecurityPolicy] ?? "") + "; connect-src 'self'"
                return response
            }
        }
        WorkbenchAPI(sessions: WorkbenchSessions(store: site.store, configuration: site.configuration, logger: site.logger))
            .addRoutes(to: router)
    }
}
