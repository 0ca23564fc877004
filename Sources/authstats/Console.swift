import Foundation
import AuthStatsCore

/// Diagnostics on standard error: `authstats: warning: <where>: <what>`.
struct Console {
    let quiet: Bool

    func error(_ message: String) { write("authstats: error: \(message)") }

    func warning(_ message: String) {
        if !quiet { write("authstats: warning: \(message)") }
    }

    func info(_ message: String) {
        if !quiet { write("authstats: \(message)") }
    }

    /// The process's peak resident memory so far, in MB: `VmHWM` of `/proc/self/status`.
    ///
    /// Not `getrusage`'s `ru_maxrss`: on Linux that survives `exec`, so a child of a large
    /// process would report its parent's peak.
    static func peakMemoryMB() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
            return kilobytes / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) / 1024
    }

    /// One line to stderr with `write(2)`: a failure (stderr closed, EPIPE) is ignored rather
    /// than trapping as `FileHandle.write` does.
    private func write(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { _ = POSIX.writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
    }
}

/// A progress line every few seconds on long runs, from any worker.
final class ProgressLine: @unchecked Sendable {
    // Unchecked: every mutable member is guarded by `lock`.
    let console: Console
    let files: Int
    private let lock = NSLock()
    private var done = 0
    private var bytes = 0
    private var last = Date()
    private let start = Date()
    static let interval: TimeInterval = 5

    init(console: Console, files: Int) {
        self.console = console
        self.files = files
    }

    /// One more file read.
    func fileDone() { update { done += 1 } }

    /// `count` more decompressed bytes read.
    func bytesRead(_ count: Int) { update { bytes += count } }

    private func update(_ change: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change()
        let now = Date()
        guard now.timeIntervalSince(last) >= Self.interval else { return }
        last = now
        console.info("reading: \(done) of \(files) files done, \(bytes / 1_000_000)+ MB read, \(Int(now.timeIntervalSince(start)))s")
    }
}
