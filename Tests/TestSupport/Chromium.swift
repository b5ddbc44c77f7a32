import Foundation

/// Debian's headless Chromium: the DOM after the page's scripts ran (5 s of virtual time:
/// less than the dashboard's 10 s refresh, which would navigate away first).
public enum Chromium {
    public static func dumpDOM(_ url: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", url,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("chromium exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
