import API
import Hummingbird

/// `/docs`, the user guide in the site's layout (for visitors signed in or
/// not), and `/llms.txt`, the same guide as one Markdown file for tools and
/// language models (the llms.txt convention: a title, a summary, the text).
struct GuidePages: Sendable {
    let site: DashboardSite

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/docs") { request, _ in
            await site.handle(request) { visitor in
                let guide = UserGuide.shared
                let toc: [[String: Any]] = guide.headings.map {
                    ["anchor": $0.anchor, "text": $0.text, "sub": $0.level > 2]
                }
                return site.page("guide", visitor, data: ["toc": toc, "guideHTML": guide.html])
            }
        }
        router.get("/llms.txt") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: UserGuide.shared.markdown)))
        }
    }
}
