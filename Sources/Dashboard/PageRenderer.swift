import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Turns a template name and its data into an HTML response with the headers
/// every page carries. Templates escape every `{{value}}` for HTML; none of them
/// uses triple braces, so no user text reaches a page unescaped.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    init() {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in Templates.all {
            do {
                templates[name] = try MustacheTemplate(string: text)
            } catch {
                // The templates are constants compiled into the binary; a broken one
                // is a programming error that the tests catch on the first page.
                fatalError("Dashboard template \(name) does not parse: \(error)")
            }
        }
        library = MustacheLibrary(templates: templates)
    }

    func render(_ template: String, data: [String: Any]) -> String {
        guard let html = library.render(data, withTemplate: template) else {
            fatalError("No dashboard template named \(template)")
        }
        return html
    }

    /// Headers for every HTML page: no sniffing, no framing, no referrer beyond
    /// this site, no caching (pages show keys and invite links), and a policy that
    /// allows only this server's stylesheet and script — no inline script at all.
    static func pageHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.cacheControl] = "no-store"
        return headers
    }
}
