import Foundation
import HTTPServer

/// The API described: `/openapi.json` for tools, `/docs` for people, both from the routes'
/// descriptions.
enum DocsRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.get(
            "/openapi.json", runs: .onLoop,
            RouteDescription(summary: "This API described (OpenAPI 3.1)", responses: [200: "The OpenAPI document"])
        ) { _, context in
            Reply(body: Array(OpenAPI.document(for: context.routes).utf8))
        }
        router.get(
            "/docs", runs: .onLoop, RouteDescription(summary: "A readable page of the API", responses: [200: "HTML"])
        ) { _, context in
            .html(DocsPage.html(routes: context.routes, host: safeHost(context.request)))
        }
    }

    /// The Host header if it is a plain host[:port] (it ends up in HTML), else nothing.
    static func safeHost(_ request: HTTPRequest) -> String {
        let host = request.header("Host") ?? ""
        let allowed = host.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)
        }
        return allowed && host.count <= 255 ? host : ""
    }
}
