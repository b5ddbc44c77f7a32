import Foundation
import Registry
import Storage

/// `GET /api/v1/data?page=N`: a table in pages by its key, `[]` past the end, the source
/// that online ingest reads (`serve --data-table`). Offered only when a table is configured.
enum DataSourceRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        guard let pages = router.configuration.dataSource else { return }
        router.get(
            "/api/v1/data",
            RouteDescription(
                summary: "Table \(pages.table) in pages of \(pages.pageSize) rows by \(pages.key), from page 0",
                parameters: [
                    .query(
                        "page", .integer(minimum: 0, maximum: DataPages.maximumPage), "The page, from 0 (default 0)",
                        example: 0)
                ],
                responses: [
                    200: "A JSON array of up to \(pages.pageSize) row objects; [] past the end",
                    400: "page is not a whole number from 0",
                ])
        ) { _, context in
            try page(pages, context)
        }
    }

    static func page(_ pages: DataPages, _ context: RouteContext) throws -> Reply {
        let text = context.request.queryItems["page"] ?? "0"
        guard let n = Int(text), (0...DataPages.maximumPage).contains(n) else {
            throw APIError(
                400, "invalid_page",
                "page must be a whole number from 0 to \(DataPages.maximumPage), not '\(text.prefix(40))'")
        }
        let rows = try pages.page(n)
        var json = JSONWriter(capacity: 64 + 96 * rows.count)
        json.beginArray()
        for row in rows {
            json.beginObject()
            for (i, name) in row.columns.names.enumerated() {
                json.key(name)
                switch row[i] {
                case .null: json.null()
                case .integer(let v): json.value(Int(v))
                case .double(let v): json.value(v)
                case .text(let s): json.value(s)
                case .bool(let b): json.value(b)
                case .timestamp(let d): json.value(Timestamp.format(d))
                case .bytes(let b): json.value(Data(b).base64EncodedString())
                }
            }
            json.endObject()
        }
        json.endArray()
        return .json(json)
    }
}
