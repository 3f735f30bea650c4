import HTTPTypes
import Hummingbird

extension DashboardConfiguration {
    /// Browsers say where a request comes from: `Sec-Fetch-Site` names a
    /// cross-site request outright, and `Origin` must be this service — as
    /// configured, or the host the browser addressed. `Origin: null` (sandboxed
    /// frames, some redirects) is refused too. The forms' POSTs and every
    /// request the Workbench makes with the session are checked with it.
    func isCrossSite(_ request: Request) -> Bool {
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" { return true }
        guard let origin = request.headers[.origin]?.lowercased() else { return false }
        if let publicOrigin, origin == publicOrigin { return false }
        if let authority = request.head.authority?.lowercased(),
           origin == "http://\(authority)" || origin == "https://\(authority)" { return false }
        return true
    }
}
