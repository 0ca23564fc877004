import ArgumentParser
import Foundation
import AuthStatsCore

/// Diagnostics on standard error: `authstats: warning: <where>: <what>`.
struct Console {
    let quiet: Bool

    func error(_ message: String) { write("authstats: error: \(message)") }

    func warning(_ message: String) {
        if !quiet { write("authstats: warning: \(message)") }
    }

    /// A warning that `--quiet` does not silence: what makes the exit status 1 (an input that
    /// failed or broke), which a cron job's log must explain.
    func warningAlways(_ message: String) { write("authstats: warning: \(message)") }

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

/// Progress on long runs (`--progress`): files and compressed bytes done of the total, the
/// speed, the time so far and left, and the phase.
///
/// On a terminal (`auto`, stderr a TTY) one line rewritten in place twice a second; `plain`
/// prints a line every 10 s (for cron logs); `none`, `--quiet`, or `auto` on a pipe print
/// nothing. The readers only add to counters under a lock (per file, and per 64 MiB read);
/// a timer thread draws: reading costs nothing measurable.
final class ProgressLine: @unchecked Sendable {
    // Unchecked: every mutable member is guarded by `lock`.
    enum Mode: String, CaseIterable {
        case auto, plain, none
    }

    private let lock = NSLock()
    private let files: Int
    private let totalBytes: Int64
    private let sizes: [Int64]
    private var done = 0
    private var doneBytes: Int64 = 0
    /// Decompressed bytes read (reported by the readers every 64 MiB and at each stream's end).
    private var readBytes: Int64 = 0
    private var phase = "reading"
    private let start = Date()
    private let terminal: Bool
    private var timer: DispatchSourceTimer?
    private var drawn = 0

    /// - Parameter sizes: each input's size in bytes (0 when unknown), by index; asked only
    ///   when the line will be drawn (a `stat` per input: 8 ms for a shard's 589 files, on the
    ///   main thread before the first is read, for a line that `--quiet` or a pipe never shows).
    init(mode: Mode, quiet: Bool, sizes: () -> [Int64]) {
        terminal = mode == .auto && isatty(STDERR_FILENO) == 1
        let active = !quiet && (terminal || mode == .plain)
        self.sizes = active ? sizes() : []
        files = self.sizes.count
        totalBytes = self.sizes.reduce(0, +)
        guard active else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        let interval: DispatchTimeInterval = terminal ? .milliseconds(500) : .seconds(10)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.draw() }
        lock.lock()
        self.timer = timer
        lock.unlock()
        timer.resume()
    }

    /// File `index` has been read.
    func fileDone(_ index: Int) {
        lock.lock()
        done += 1
        doneBytes += index < sizes.count ? sizes[index] : 0
        lock.unlock()
    }

    /// `count` more decompressed bytes read.
    func bytesRead(_ count: Int) {
        lock.lock()
        readBytes += Int64(count)
        lock.unlock()
    }

    /// The run moved on to `name` (`resolving duplicates`, `sessions`, `writing`).
    func phase(_ name: String) {
        lock.lock()
        phase = name
        let drawing = timer != nil
        lock.unlock()
        if drawing { draw() }
    }

    /// Stops drawing and clears the line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        timer?.cancel()
        timer = nil
        if terminal && drawn > 0 { Self.write("\r" + String(repeating: " ", count: drawn) + "\r") }
        drawn = 0
    }

    /// The line as it stands (`reading: 120/4404 files, 310/1024 MB, 2900 MB read at 966 MB/s,
    /// 0:03, ~0:07 left`): compressed bytes of the files done, decompressed bytes read.
    func text(now: Date = Date()) -> String {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let read = Double(readBytes) / 1e6
        var line = "\(phase): \(done)/\(files) files, \(doneBytes / 1_000_000)/\(totalBytes / 1_000_000) MB"
        line += ", \(Int(read)) MB read at \(Int(read / elapsed)) MB/s, \(Self.clock(elapsed))"
        if phase == "reading", doneBytes > 0, totalBytes > doneBytes {
            line += ", ~\(Self.clock(elapsed * Double(totalBytes - doneBytes) / Double(doneBytes))) left"
        }
        return line
    }

    private func draw() {
        let line = "authstats: " + text()
        lock.lock()
        defer { lock.unlock() }
        guard timer != nil else { return }
        if terminal {
            Self.write("\r" + line + String(repeating: " ", count: max(0, drawn - line.count)))
            drawn = line.count
        } else {
            Self.write(line + "\n")
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private static func write(_ text: String) {
        var text = text
        text.withUTF8 { _ = POSIX.writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
    }
}

/// The `AUTHSTATS_*` variables a cron job sets once instead of repeating options
/// (`authstats report --help` lists them): each gives an option's default, and an option on
/// the command line wins. An empty variable is unset.
enum Environment {
    static let variables = [
        ("AUTHSTATS_OUT", "--out"), ("AUTHSTATS_TIMEZONE", "--timezone"), ("AUTHSTATS_USERS", "--users"),
        ("AUTHSTATS_JOBS", "--jobs"), ("AUTHSTATS_SESSION_TIMEOUT", "--session-timeout"),
        ("AUTHSTATS_MAX_REJECTS", "--max-rejects"), ("AUTHSTATS_MAX_REJECTS_BYTES", "--max-rejects-bytes"), ("AUTHSTATS_PROGRESS", "--progress"),
    ]

    /// `getenv`, not `ProcessInfo.processInfo.environment[name]`, which copies the whole
    /// environment into a dictionary each time: the argument parser makes the command's
    /// defaults 44 times a run, and that was a tenth of what a run that reads nothing executes.
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name), pointer.pointee != 0 else { return nil }
        return String(cString: pointer)
    }

    /// The default a variable gives an option: nil when unset; a usage error when it is set to
    /// what the option would refuse (`AUTHSTATS_JOBS=abc` was taken as unset). Asked only when
    /// the option is not given (`validate()` asks it to refuse, the option's value to use it).
    static func option<T>(_ name: String, _ option: String, expected: String, _ parse: (String) -> T?) -> Result<T?, ValidationError> {
        guard let text = value(name) else { return .success(nil) }
        guard let parsed = parse(text) else {
            return .failure(ValidationError("\(name)=\(DisplayPath.text(text)): \(expected) (it gives \(option) its default)."))
        }
        return .success(parsed)
    }

    /// Whether `option` is on the command line (as `--option value` or `--option=value`), not
    /// given its value by a variable or its default.
    static func onCommandLine(_ option: String) -> Bool {
        CommandLine.arguments.dropFirst().contains { $0 == option || $0.hasPrefix(option + "=") }
    }

    /// How to name a value in an error: `--option 'value'` when the option is on the command
    /// line, else `VARIABLE=value` when the variable gave it (the user never typed the option).
    static func named(_ option: String, _ variable: String, _ value: String) -> String {
        !onCommandLine(option) && Self.value(variable) == value
            ? "\(variable)=\(DisplayPath.text(value))" : "\(option) '\(DisplayPath.text(value))'"
    }

    static var jobs: Result<Int?, ValidationError> {
        option("AUTHSTATS_JOBS", "--jobs", expected: "not a whole number from 1 to \(OptionLimits.jobs)") {
            Int($0).flatMap { (1...OptionLimits.jobs).contains($0) ? $0 : nil }
        }
    }
    static var maxRejects: Result<Int?, ValidationError> {
        option("AUTHSTATS_MAX_REJECTS", "--max-rejects", expected: "not a whole number, 0 or more") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
    }
    static var maxRejectsBytes: Result<Int?, ValidationError> {
        option("AUTHSTATS_MAX_REJECTS_BYTES", "--max-rejects-bytes", expected: "not a whole number, 0 or more") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
    }
    static var progress: Result<ProgressLine.Mode?, ValidationError> {
        option("AUTHSTATS_PROGRESS", "--progress", expected: "not one of auto, plain, none", ProgressLine.Mode.init(rawValue:))
    }
}

/// Paths given on the command line. An empty one names no file: `--out ""` (an unset shell
/// variable in `--out "$DIR"`) wrote the reports into the current folder and removed its
/// `projects/` and `segments/` folders, and `generate --out ""` wrote under `/`. Every
/// command refuses one as bad usage (exit 64) before anything is read or written.
enum PathArguments {
    /// Throws for the first of `named` (an option's or argument's name and its values) that
    /// holds an empty path.
    static func refuseEmpty(_ named: [(name: String, values: [String])]) throws {
        for (name, values) in named where values.contains(where: \.isEmpty) {
            throw ValidationError("\(name) is empty: give a path (an unset shell variable gives an empty one).")
        }
    }

    /// The paths listed in `file` (`--states-from`), one a line, `-` for standard input; blank
    /// lines are passed over; a relative path is taken from the working folder, as one given
    /// as an argument. Tens of thousands of shard states named as arguments exceed the
    /// system's limit on a command line (~2 MB on Linux: `E2BIG`, the command never starts).
    static func listed(in file: String, option: String) throws -> [String] {
        let data: [UInt8]
        switch POSIX.contents(of: file == "-" ? "/dev/stdin" : file) {
        case .success(let bytes): data = bytes
        case .failure(let failure): throw ValidationError("\(option) \(DisplayPath.text(file)): cannot read it: \(failure).")
        }
        var paths: [String] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            guard let path = String(validating: bytes, as: UTF8.self) else {
                throw ValidationError("\(option) \(DisplayPath.text(file)), line \(number + 1): not UTF-8 text; name the state as an argument.")
            }
            paths.append(path)
        }
        return paths
    }

    /// `given` (arguments), then those `--states-from` lists: a usage error when there are none.
    /// (Read as the command runs, so the usage error is said on `console`: exit 64.)
    static func states(_ given: [String], listedIn file: String?, usage: String, console: Console) throws -> [String] {
        do {
            let fromFile = try file.map { try listed(in: $0, option: "--states-from") }
            if let file, fromFile?.isEmpty == true {
                // An empty list is a list that was not made (a failed listing, a wrong file).
                throw ValidationError("--states-from \(DisplayPath.text(file)) lists no state: \(usage)")
            }
            return given + (fromFile ?? [])
        } catch let error as ValidationError {
            console.error(error.message)
            throw ExitCode(64)
        }
    }
}
