import HTTPServer

/// The bearer token admin routes need, checked in constant time.
struct AdminToken: Sendable {
    private let expected: [UInt8]
    /// The environment variable that holds it, for messages.
    private let variable: String

    init(_ token: String, variable: String = "MODELSERVE_ADMIN_TOKEN") {
        expected = Array(token.utf8)
        self.variable = variable
    }

    func isAdmin(_ request: HTTPRequest) -> Bool {
        (try? authorize(request)) != nil
    }

    /// 401 without a token, 403 with a wrong one, 400 for several Authorization headers
    /// (which one counts would be a guess).
    func authorize(_ request: HTTPRequest) throws {
        let headers = request.values(of: "Authorization")
        if headers.count > 1 {
            throw APIError(400, "duplicate_authorization", "send one Authorization header, not several")
        }
        guard let header = headers.first, header.lowercased().hasPrefix("bearer ") else {
            throw APIError(401, "unauthorized", "this route needs Authorization: Bearer <\(variable)>")
        }
        let given = Array(header.utf8.dropFirst(7))
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<max(given.count, expected.count) {
            let a = i < given.count ? given[i] : 0
            let b = i < expected.count ? expected[i] : 0
            difference |= a ^ b
        }
        guard difference == 0, !expected.isEmpty else {
            throw APIError(403, "forbidden", "the token is not valid (\(variable))")
        }
    }
}
