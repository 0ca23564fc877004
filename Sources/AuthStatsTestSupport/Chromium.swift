import Foundation

/// Headless Chromium (Debian's `chromium`) for the browser tests of report.html.
///
/// `make test` installs it with the other test dependencies (`TEST_DEPS`); a test run
/// without it installs it here the same way, and fails with what to do when that is not
/// possible: the browser tests never skip.
public enum Chromium {
    public static let path = "/usr/bin/chromium"
    /// Seconds one Chromium command may take before it is stopped (and the test fails).
    public static let timeout = 120

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// The Chromium binary, installed first (`make install-missing`) when missing.
    ///
    /// - Throws: `Failure` when it is missing and cannot be installed.
    public static func ensure() throws -> URL {
        if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        let install = try CLI.program(
            URL(fileURLWithPath: "/usr/bin/make"),
            ["--no-print-directory", "install-missing", "PAIRS=\(path):chromium"], in: CLI.packageRoot)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(
                description: """
                    headless Chromium is needed for the report.html browser tests and is not at \(path); \
                    installing Debian's chromium package failed (exit \(install.status)):
                    \(install.stdout)\(install.stderr)
                    Install it with `make test-deps` or `apt-get install chromium`, then run the tests again.
                    """)
        }
        return URL(fileURLWithPath: path)
    }

    /// Runs headless Chromium on `page` with `arguments` (`--dump-dom`, `--screenshot=…`),
    /// a fresh profile and a `width`×`height` window.
    ///
    /// - Returns: what it printed on standard output.
    /// - Throws: `Failure` when it fails or takes longer than `timeout`.
    public static func run(_ arguments: [String], page: URL, width: Int = 1280, height: Int = 2000) throws -> String {
        let chromium = try ensure()
        let work = CLI.temporaryFolder("chromium")
        defer { try? FileManager.default.removeItem(at: work) }
        let profile = work.appendingPathComponent("profile")
        let stdout = work.appendingPathComponent("stdout")
        let stderr = work.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        // Output goes to files, not pipes: a DOM of more than a pipe's 64 KiB would block
        // Chromium while nothing reads it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = [
            String(timeout), chromium.path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
            "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)",
        ] + arguments + [page.absoluteString]
        process.environment = ProcessInfo.processInfo.environment.merging(["HOME": work.path]) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        process.waitUntilExit()
        let status = process.terminationStatus
        guard status == 0 else {
            let messages = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
            throw Failure(
                description: "chromium \(arguments.joined(separator: " ")) \(page.path) "
                    + (status == 124 ? "took longer than \(timeout) s" : "exited \(status)") + ":\n"
                    + messages.split(separator: "\n").filter { !$0.contains("dbus") }.suffix(20).joined(separator: "\n"))
        }
        return try String(contentsOf: stdout, encoding: .utf8)
    }

    /// The page's DOM once it has loaded and its scripts have run (`--dump-dom`, with a
    /// virtual time budget so that `load` handlers have run first).
    public static func dumpDOM(_ page: URL, width: Int = 1280, height: Int = 2000) throws -> String {
        try run(["--virtual-time-budget=5000", "--dump-dom"], page: page, width: width, height: height)
    }

    /// A PNG of the first `height` pixels of the page, `width` wide.
    public static func screenshot(_ page: URL, to file: URL, width: Int = 1280, height: Int = 2000) throws {
        _ = try run(["--virtual-time-budget=5000", "--screenshot=\(file.path)"], page: page, width: width, height: height)
    }

    /// The page printed to PDF (A4 or Letter, as Chromium's default), without the browser's header and footer.
    public static func printToPDF(_ page: URL, to file: URL) throws {
        _ = try run(["--virtual-time-budget=5000", "--no-pdf-header-footer", "--print-to-pdf=\(file.path)"], page: page)
    }
}
