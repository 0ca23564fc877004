import AuthStatsState
import AuthStatsTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the nightly state's end-to-end tests (`StateCLITests`, issue 15): the generated
/// data set, the single stateless runs they are compared with (each made once and shared),
/// runs of batches through a state, and the comparison of two report folders.
enum StateCLI {
    /// The reports compared in every test: session rows too, no charts page.
    static let reportOptions = ["--sessions-detail", "--no-html"]

    /// `authstats generate` output: 200 users, 12 days from 2026-11-01, the three exports.
    struct DataSet: Sendable {
        var folder: URL
        /// The event files, sorted by path (the user directory under `users/` left out).
        var files: [String]
        /// `users/list-users.json`: the directory for `--users`.
        var users: String
    }

    /// Made once per test process.
    static let generated: Result<DataSet, any Error> = Result {
        let folder = CLI.temporaryFolder("state-data").appendingPathComponent("generated")
        let result = try CLI.run([
            "generate", "--out", folder.path, "--users", "200", "--days", "12", "--kinds", "pinpoint,activity,cloudtrail", "-q",
        ])
        guard result.status == 0 else { throw Failure("authstats generate: \(result.stderr)") }
        let users = folder.appendingPathComponent("users")
        let files = try regularFiles(under: folder).filter { !$0.hasPrefix(users.path + "/") }.sorted()
        guard files.count > 100 else { throw Failure("authstats generate wrote \(files.count) files") }
        return DataSet(folder: folder, files: files, users: users.appendingPathComponent("list-users.json").path)
    }

    static func data() throws -> DataSet { try generated.get() }

    /// A test's start: the generated data, a new folder (named after `name`) with the paths of
    /// its `state` and `out` in it, and the data's files in two halves (two batches).
    static func scene(_ name: String) throws -> (data: DataSet, folder: URL, state: URL, out: URL, halves: [[String]]) {
        let data = try data()
        let folder = CLI.temporaryFolder(name)
        return (data, folder, folder.appendingPathComponent("state"), folder.appendingPathComponent("out"), split(data.files, into: 2))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Running

    /// `authstats report INPUTS… --out OUT [--state STATE] OPTIONS…`.
    @discardableResult
    static func report(
        _ inputs: [String], state: URL?, out: URL, _ options: [String] = reportOptions, environment: [String: String] = [:]
    ) throws -> CLI.Result {
        try CLI.run(["report"] + inputs + ["--out", out.path] + (state.map { ["--state", $0.path] } ?? []) + options, environment: environment)
    }

    /// `files` cut into `count` runs of consecutive files, as even as can be.
    static func split(_ files: [String], into count: Int) -> [[String]] {
        (0..<count).map { part in Array(files[(files.count * part / count)..<(files.count * (part + 1) / count)]) }
    }

    /// Each batch read by one `report --state` run, in order, into `out`; every run must exit 0.
    static func runBatches(
        _ batches: [[String]], state: URL, out: URL, _ options: [String] = reportOptions, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for (number, batch) in batches.enumerated() {
            let result = try report(batch, state: state, out: out, options)
            #expect(result.status == 0, "batch \(number + 1) of \(batches.count): \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// The reports of one stateless run over `inputs` with `options`, made once per test
    /// process and shared (read them, never write into the folder).
    static func single(_ inputs: [String], _ options: [String] = reportOptions) throws -> URL {
        try singleRuns.output(inputs, options)
    }

    private static let singleRuns = SingleRuns()

    private final class SingleRuns: @unchecked Sendable {
        private let lock = NSLock()
        private var outputs: [[String]: URL] = [:]

        func output(_ inputs: [String], _ options: [String]) throws -> URL {
            lock.lock()
            defer { lock.unlock() }
            let key = inputs + ["--"] + options
            if let out = outputs[key] { return out }
            let out = CLI.temporaryFolder("state-single").appendingPathComponent("out")
            let result = try StateCLI.report(inputs, state: nil, out: out, options)
            // Exit 1 only for an input that is partial or failed, which none of these has.
            guard result.status == 0 else { throw Failure("the single run exited \(result.status): \(result.stderr)") }
            outputs[key] = out
            return out
        }
    }

    /// A state built by `batches` (split of the generated files, UTC, the usual options), made
    /// once; each caller gets its own copy of the folder, to change as it likes.
    static func sharedState(batches: Int = 2) throws -> URL {
        let original = try sharedStates.state(batches)
        let copy = CLI.temporaryFolder("state-copy").appendingPathComponent("state")
        try FileManager.default.copyItem(at: original, to: copy)
        return copy
    }

    private static let sharedStates = SharedStates()

    private final class SharedStates: @unchecked Sendable {
        private let lock = NSLock()
        private var states: [Int: URL] = [:]

        func state(_ batches: Int) throws -> URL {
            lock.lock()
            defer { lock.unlock() }
            if let state = states[batches] { return state }
            let folder = CLI.temporaryFolder("state-shared")
            let state = folder.appendingPathComponent("state")
            for (number, batch) in StateCLI.split(try StateCLI.data().files, into: batches).enumerated() {
                let result = try StateCLI.report(batch, state: state, out: folder.appendingPathComponent("out"))
                guard result.status == 0 else { throw Failure("shared state, batch \(number + 1): \(result.stderr)") }
            }
            states[batches] = state
            return state
        }
    }

    // MARK: Files

    /// Every regular file under `folder` (hidden ones too), as full paths.
    static func regularFiles(under folder: URL) throws -> [String] {
        var out: [String] = []
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return out }
        while let name = enumerator.nextObject() as? String {
            let path = folder.appendingPathComponent(name).path
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG { out.append(path) }
        }
        return out
    }

    /// The report files under `folder`, by relative path (the staging and hidden entries of
    /// the report folder left out).
    static func reportFiles(_ folder: URL) throws -> [String] {
        try regularFiles(under: folder).map { String($0.dropFirst(folder.path.count + 1)) }
            .filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } }.sorted()
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    static func databasePath(_ state: URL) -> String { state.appendingPathComponent("authstats.sqlite").path }

    /// Runs one SQL statement on the state's file with the sqlite3 shell (a state edited by
    /// something other than authstats).
    static func sqlite(_ state: URL, _ statement: String) throws {
        let result = try CLI.program(URL(fileURLWithPath: "/usr/bin/sqlite3"), [databasePath(state), statement])
        guard result.status == 0 else { throw Failure("sqlite3 \(statement): \(result.stderr)") }
    }

    /// The lines of a gzip file (`gzip -dc`).
    static func gunzip(_ path: String) throws -> [String] {
        let result = try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", "gzip -dc '\(path)'"])
        guard result.status == 0 else { throw Failure("gzip -dc \(path): \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    // MARK: Comparing

    /// `summary.json` without what describes the last run alone (`docs/state.md` "The
    /// invariant"): `generated_at`, `totals.inputs`, `records`, `skipped`, `rejected`, and the
    /// per-input entries; as JSON text with sorted keys.
    static func comparableSummary(_ data: Data) throws -> String {
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            var totals = object["totals"] as? [String: Any]
        else { throw Failure("summary.json is not an object with totals") }
        object["generated_at"] = nil
        object["inputs"] = nil
        // From a merged state: how many shard runs read the inputs (a run field).
        object["shard_runs"] = nil
        for name in ["inputs", "records", "skipped", "rejected"] { totals[name] = nil }
        object["totals"] = totals
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }

    /// How the report folder `actual` differs from `expected`: files missing or extra, and for
    /// each file that differs (every `summary.json` compared by `comparableSummary`), its
    /// first differing lines. Empty when they are the same.
    static func differences(_ expected: URL, _ actual: URL) throws -> [String] {
        let wanted = try reportFiles(expected)
        let got = try reportFiles(actual)
        var out: [String] = []
        if wanted.isEmpty { out.append("no reports in \(expected.path)") }
        let missing = Set(wanted).subtracting(got).sorted()
        let extra = Set(got).subtracting(wanted).sorted()
        if !missing.isEmpty { out.append("missing: \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { out.append("extra: \(extra.joined(separator: ", "))") }
        for name in wanted where got.contains(name) {
            var a = try bytes(expected.appendingPathComponent(name).path)
            var b = try bytes(actual.appendingPathComponent(name).path)
            if name.hasSuffix("summary.json") {
                a = Data(try comparableSummary(a).utf8)
                b = Data(try comparableSummary(b).utf8)
            }
            if a != b {
                out.append("\(name) differs:\n" + Golden.diff(String(decoding: a, as: UTF8.self), String(decoding: b, as: UTF8.self), limit: 8))
            }
        }
        return out
    }

    /// Expects `actual` to hold the same reports as `expected`.
    static func expectSame(_ expected: URL, _ actual: URL, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let differences = try differences(expected, actual)
        #expect(differences.isEmpty, "\(what):\n\(differences.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    // MARK: The state

    /// `authstats state info --state STATE --format json`, parsed.
    /// Every stream of the state in `folder`, chunk by chunk, by name and scope: what a
    /// state holds, without SQLite's own bookkeeping (free pages) or the batches' times.
    static func streams(_ folder: URL) throws -> [String: [[UInt8]]] {
        let database = try StateDatabase.open(folder: folder.path, create: false)
        defer { database.close() }
        var streams: [String: [[UInt8]]] = [:]
        for name in try database.chunkBytes().keys {
            for scope in try database.scopes(of: name) {
                try database.forEachChunk(name: name, scope: scope) { streams["\(name) \(scope)", default: []].append($0) }
            }
        }
        return streams
    }

    static func info(_ state: URL) throws -> [String: Any] {
        let result = try CLI.run(["state", "info", "--state", state.path, "--format", "json"])
        guard result.status == 0 else { throw Failure("state info exited \(result.status): \(result.stderr)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw Failure("state info --format json printed no object: \(result.stdout)")
        }
        return object
    }

    /// An integer field of `state info`'s JSON.
    static func number(_ info: [String: Any], _ name: String) -> Int? { (info[name] as? NSNumber)?.intValue }

    // MARK: Inputs made by hand

    /// `lines` gzip-compressed into `folder/name`; returns the path.
    @discardableResult
    static func gzip(_ lines: [String], _ folder: URL, _ name: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try TestFiles.gzip(lines, to: path)
        return path
    }

    /// A large-ish input for the runs that are killed or held: `count` Pinpoint events of 3000
    /// users over 2026-11-12 (a day of the generated data), some in app sessions, as one gzip
    /// file; made once.
    static func largeInput() throws -> String { try large.get() }

    private static let large: Result<String, any Error> = Result {
        var random = SeededRandom(seed: 15)
        let day = PinpointLine.millis("2026-11-12T00:00:00Z")
        let types = ["pageView", "search", "addToCart", "_userauth.sign_in", "_session.start"]
        let platforms = ["ios", "android", "web"]
        var lines: [String] = []
        lines.reserveCapacity(60_000)
        for _ in 0..<60_000 {
            let user = random.below(3000)
            let time = day + Int64(random.below(86_400_000))
            var line = PinpointLine(
                types[random.below(types.count)], at: time, user: "big-\(user)", client: "big-client-\(user)",
                session: random.below(3) == 0 ? "big-s-\(user)-\(time / 3_600_000)" : nil,
                platform: platforms[random.below(3)], locale: "en_US", appVersion: "1.\(random.below(4))",
                country: random.below(2) == 0 ? "US" : "DE")
            if line.sessionID != nil { line.sessionStart = time / 3_600_000 * 3_600_000 }
            lines.append(line.json)
        }
        return try gzip(lines, CLI.temporaryFolder("state-large"), "large.json.gz")
    }

    /// Starts `authstats arguments…` without waiting (stderr to `logs/stderr`).
    static func start(_ arguments: [String], logs: URL) throws -> Process {
        try Reliability.start(arguments, logs: logs)
    }

    /// Polls every millisecond for up to `seconds` until `condition` holds or `process` ended.
    static func poll(_ process: Process, seconds: Double, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, process.isRunning {
            if condition() { return true }
            usleep(1000)
        }
        return condition()
    }

    /// Kills `process` (started by this test) with SIGKILL and waits for it.
    static func killNine(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
