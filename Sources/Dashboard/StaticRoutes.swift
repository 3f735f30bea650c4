import API
import Hummingbird

/// `/static/style.css` and `/static/copy.js`: fixed text, cached by browsers
/// for a day (they change only with a new release).
struct StaticRoutes: Sendable {
    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/static/style.css") { _, _ in
            Self.asset(StaticAssets.styleCSS + StaticAssets.guideCSS + StaticAssets.workbenchCSS, type: "text/css; charset=utf-8")
        }
        router.get("/static/copy.js") { _, _ in
            Self.asset(StaticAssets.copyJS, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/workbench.js") { _, _ in
            Self.asset(StaticAssets.workbenchJS, type: "text/javascript; charset=utf-8")
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=86400"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
