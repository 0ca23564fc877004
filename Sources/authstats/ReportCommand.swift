import ArgumentParser
import AuthStatsCore
import AuthStatsHTML
import AuthStatsIngest
import AuthStatsState
import Foundation

/// `authstats report`: read the inputs, write the reports.
struct ReportCommand: ParsableCommand {

    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Analyse exported logs and write the reports.",
        discussion: """
            Every INPUT is a file or a folder (read recursively, each folder's entries in byte order of their names, hidden \
            files skipped). Pinpoint event-stream exports, Cognito user activity logs (also as \
            CloudWatch Logs exports) and CloudTrail logs may be mixed: files and records are \
            recognised by content, and so is compression: gzip, bzip2, xz, zstd or plain; tar \
            and zip archives (members compressed again are read too). Records are JSON objects, \
            one per line or back to back. - reads standard input.

            Writes daily, monthly, breakdown and retention (.csv and .json), summary.json, \
            rejects.ndjson and report.html (and sessions.csv/.json with --sessions-detail) into \
            --out: the new set replaces the previous one as one step; other files in --out are \
            kept.

            Exit status: 0 all inputs read; 1 reports written but an input was partial or failed \
            (or a --users file was read only in part; or, with --strict, a record was rejected; \
            or the state was merged without some shards, or from shard runs that read an input in part; or, with --state, an input given holds no file, the reports made \
            all the same), or with --state nothing written because an input changed at a known path \
            (a file read in part that has only grown is read again) or while it was read, or is \
            older than the horizon; 2 nothing written and nothing in --out changed (no \
            readable input (with --state, only for --rebuild: else the reports are the \
            state's, exit 1), an unreadable --users file, --out cannot be written or writing the \
            reports failed, or a --state that is not authstats's, is damaged or cannot be \
            written); 64 bad usage (an unknown option, a bad date, time zone or duration, an empty path, a \
            --segments or --clients file that is missing or refused; with --state, also another \
            time zone or counting option than the state's, or standard input, a FIFO or a \
            device as an input); 75 another run holds the --state, or another process keeps \
            its file busy while the run writes it; 130, 143, 129 stopped by SIGINT, SIGTERM, \
            SIGHUP (temporary files removed; a signal after the new reports are in place lets \
            the run finish). README "Exit status" lists every cause.

            Environment: AUTHSTATS_OUT, AUTHSTATS_TIMEZONE, AUTHSTATS_USERS, AUTHSTATS_JOBS, \
            AUTHSTATS_SESSION_TIMEOUT, AUTHSTATS_MAX_REJECTS, AUTHSTATS_MAX_REJECTS_BYTES and \
            AUTHSTATS_PROGRESS give the defaults of --out, --timezone, --users, --jobs, \
            --session-timeout, --max-rejects, --max-rejects-bytes and --progress (an option given wins); TMPDIR is where spilled runs go. authstats prints \
            no colour, so NO_COLOR has nothing to turn off.
            """)

    @Argument(help: "Files or folders to read; - reads standard input (any compression).")
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Folder for the reports (created if missing).", valueName: "dir"))
    var out = Environment.value("AUTHSTATS_OUT") ?? "reports"

    @Option(name: .long, help: ArgumentHelp("First day of the report (YYYY-MM-DD, inclusive). Default: first day with an event.", valueName: "date"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Last day of the report (YYYY-MM-DD, inclusive). Default: last day with an event (--from's day when every event is earlier).", valueName: "date"))
    var to: String?

    @Option(name: .long, help: ArgumentHelp("IANA time zone whose calendar days the report counts (e.g. America/Los_Angeles), or a fixed offset (UTC+1, GMT-05:30: as written, where IANA's Etc/GMT+5 is UTC-5). Default: UTC, or the zone of the --state.", valueName: "zone"))
    var timezone: String?

    @Option(name: .long, help: ArgumentHelp("A nightly state folder (docs/state.md): inputs already read into it are skipped, new ones added, and the reports cover everything it holds, as one run over all the inputs would. Without INPUT, reports from the state alone.", valueName: "dir"))
    var state: String?

    @Option(name: .customLong("state-horizon"), help: ArgumentHelp("Days of event detail (duplicate fingerprints, session events) a new --state keeps, back from its newest day; an input with older events is refused. A number of days (1 to 36500), or none (keep all: shard states). Default: 35.", valueName: "days"))
    var stateHorizon: String?

    @Flag(name: .long, help: "With --state: forget what the state holds and read every input given again.")
    var rebuild = false

    @Option(name: .long, help: ArgumentHelp("A shard plan (`authstats plan`): read one shard's files into --state, a shard state to merge (docs/distributed.md). Give --shard or --shard-from-env. A shard state keeps all its event detail (--state-horizon none, the default with --plan).", valueName: "plan.json"))
    var plan: String?

    @Option(name: .long, help: ArgumentHelp("With --plan: the shard to read (0 to shards - 1).", valueName: "i"))
    var shard: Int?

    @Flag(name: .customLong("shard-from-env"), help: "With --plan: the shard from JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) or SLURM_ARRAY_TASK_ID, exactly one of which must be set.")
    var shardFromEnvironment = false

    @Option(name: .customLong("users"), help: ArgumentHelp("A user directory: `aws cognito-idp list-users` output or the Cognito user CSV (with a sub column), plain or compressed (gzip, bzip2, xz, zstd). Repeatable. Sets user_type for the users it lists; these files are not read as event inputs.", valueName: "file"))
    var directoryFiles: [String] = Environment.value("AUTHSTATS_USERS").map { [$0] } ?? []

    @Option(name: .long, help: ArgumentHelp("Oldest event day accepted (UTC, YYYY-MM-DD); an earlier event time is rejected as a clock or unit error.", valueName: "date"))
    var oldestEvent = "\(TimeRange.defaultOldest)"

    @Option(name: .long, help: ArgumentHelp("Newest event day accepted (UTC, YYYY-MM-DD). Default: three days after today by this machine's clock.", valueName: "date"))
    var newestEvent: String?

    @Option(name: .long, help: ArgumentHelp("Longest record read whole; a longer one is rejected with its length.", valueName: "bytes"))
    var maxRecordBytes = Analysis.Configuration.defaultMaxRecordBytes

    @Option(name: .long, help: ArgumentHelp("Event fingerprints kept in memory for dedup (48 bytes each), shared by the workers; older ones are spilled, sorted, to TMPDIR, and all are merged at the end to find the copies.", valueName: "count"))
    var dedupWindow = DuplicateFilter.defaultCapacity

    @Option(name: .long, help: ArgumentHelp("Inactivity gap that splits sessions without a Pinpoint session id: a number with ms, s, m, h or d (90s, 45m, 2h, 1h30m), at most 36500d.", valueName: "duration"))
    var sessionTimeout = Environment.value("AUTHSTATS_SESSION_TIMEOUT") ?? "30m"

    @Option(name: .long, help: ArgumentHelp("Bytes of session events kept in memory before a sorted run is spilled to TMPDIR.", valueName: "bytes"))
    var sessionMemory = SessionLog.defaultBudget

    @Flag(name: .long, help: "Also write sessions.csv and sessions.json: one row per session, by user then start. With --state: only from a state whose first run (or --rebuild) had it (docs/state.md \"Session rows\").")
    var sessionsDetail = false

    /// Set by `authstats merge` only (never shown): the states it merges are the input.
    @Flag(name: .customLong("merged-states"), help: .private)
    var mergedStates = false

    @Option(name: .customLong("segments"), help: ArgumentHelp("Pinpoint segment definitions: `aws pinpoint get-segments` or `get-segment` output, or a JSON array of {Name, Dimensions | SegmentGroups} (several documents may follow one another in a file). Repeatable. Writes segments.csv, segment_daily.csv and a member export per segment under segments/ (docs/segments.md). A definition authstats cannot evaluate is refused before any input is read (exit 64).", valueName: "file"))
    var segmentFiles: [String] = []

    @Option(name: .long, help: ArgumentHelp("Adds the dimension attr:NAME to breakdown.csv: each user's value of that attribute (user directory or Pinpoint endpoint), (unknown) when absent. Repeatable.", valueName: "name"))
    var breakdownAttribute: [String] = []

    @Flag(name: .long, help: "As Cognito's \"Share user attribute data with Amazon Pinpoint\": segment members get an EMAIL endpoint for a verified email address and an SMS endpoint for a verified phone number. Without it, no email address or phone number appears in any report: an attribute value, a device or place value (app_version, country, …) or a push endpoint's address that holds one is withheld (ids are written as they are). rejects.ndjson, the quarantine, keeps rejected records as they came, addresses included.")
    var shareUserData = false

    @Option(name: .customLong("clients"), help: ArgumentHelp("App client configuration: `aws cognito-idp describe-user-pool-client` output (one or many per file) or `list-user-pool-clients` output. Repeatable. Each event then gets a project_id (Pinpoint records: application.app_id; the other exports: through their app client; else (unconfigured)), a breakdown dimension. Compressed files are read too; a file that gives no app client is refused (exit 64). Check the files with `authstats check-config`.", valueName: "file"))
    var clientFiles: [String] = []

    @Flag(name: .long, help: "With --clients: also write every report under projects/<project_id>/, for that project's events alone (exact distinct users and sessions per project).")
    var byProject = false

    @Flag(name: .long, help: "Count only what Pinpoint analytics would have received: every Pinpoint record; from the activity log and CloudTrail only local users' events of the nine operations that carry AnalyticsMetadata, not through the hosted UI, and (with --clients) only through app clients with analytics. summary.json says how many events were left out, by reason.")
    var pinpointParity = false

    @Option(name: .customLong("auth-source"), help: ArgumentHelp("Count sign-ups, sign-ins and failures only from this export: pinpoint, cognito-activity or cloudtrail. Repeatable. Events of the other exports still count as activity, in sessions and in segments. Use it when two exports hold the same sign-ins (summary.json's overlaps).", valueName: "export"))
    var authSource: [String] = []

    @Option(name: .long, help: ArgumentHelp("Bytes of user profile observations kept in memory (with segments or attribute breakdowns) before a sorted run is spilled to TMPDIR.", valueName: "bytes"))
    var profileMemory = ProfileOptions().memory

    @Option(name: .customLong("jobs"), help: ArgumentHelp("Worker threads, 1 to \(OptionLimits.jobs) (default: the number of cores, or AUTHSTATS_JOBS). Output is the same for every value.", valueName: "n"))
    var jobsGiven: Int?

    @Option(name: .customLong("max-rejects"), help: ArgumentHelp("Rejected records written to rejects.ndjson at most (the first ones in input order; default 10000, or AUTHSTATS_MAX_REJECTS); all are counted in summary.json.", valueName: "n"))
    var maxRejectsGiven: Int?

    @Option(name: .customLong("max-rejects-bytes"), help: ArgumentHelp("Bytes of rejects.ndjson at most: the first rejects that fit, whole (default 268435456, 256 MiB, or AUTHSTATS_MAX_REJECTS_BYTES); all are counted in summary.json.", valueName: "bytes"))
    var maxRejectsBytesGiven: Int?

    @Flag(name: .customLong("no-html"), help: "Do not write report.html (the charts page).")
    var noHTML = false

    @Flag(name: .long, help: "Exit with status 1 when any record was rejected.")
    var strict = false

    @Option(name: .customLong("progress"), help: ArgumentHelp("Progress on long runs: auto (a line rewritten in place when stderr is a terminal, else nothing), plain (a line every 10 s, for cron logs) or none (default: auto, or AUTHSTATS_PROGRESS).", valueName: "mode"))
    var progressGiven: ProgressLine.Mode?

    // The options' values: given, else the variable's (checked in `validate`), else the default.
    var jobs: Int { jobsGiven ?? ((try? Environment.jobs.get()) ?? nil) ?? OptionLimits.defaultJobs }

    /// "no input files found in …", and why when an input is the --out or --state folder
    /// itself, which is never read as input (`--out` given as the input folder said only that
    /// nothing was found in a folder of 142 files).
    var noInputFiles: String {
        var text = "no input files found in \(inputs.map(DisplayPath.text).joined(separator: ", "))"
        let folders = [("--out", out)] + (state.map { [("--state", $0)] } ?? [])
        for input in inputs {
            guard let given = POSIX.followingLinks(input) else { continue }
            for (option, folder) in folders {
                guard let other = POSIX.followingLinks(folder), POSIX.sameFile(given, other) else { continue }
                text += " (\(DisplayPath.text(input)) is the \(option) folder, which is never read as input)"
            }
        }
        return text
    }
    var maxRejects: Int { maxRejectsGiven ?? ((try? Environment.maxRejects.get()) ?? nil) ?? 10_000 }
    var maxRejectsBytes: Int { maxRejectsBytesGiven ?? ((try? Environment.maxRejectsBytes.get()) ?? nil) ?? 256 << 20 }
    var progressMode: ProgressLine.Mode { progressGiven ?? ((try? Environment.progress.get()) ?? nil) ?? .auto }

    @Flag(name: [.long, .short], help: "Print only errors and what makes the exit status 1: the inputs that failed or broke, partial reports, and with --strict the number of rejects (no per-record warnings, progress or totals).")
    var quiet = false

    /// `--timezone`, else AUTHSTATS_TIMEZONE: the zone asked for, if any.
    var requestedTimeZone: String? { timezone ?? Environment.value("AUTHSTATS_TIMEZONE") }

    func validate() throws {
        try PathArguments.refuseEmpty([
            ("an input", inputs), ("--out", [out]), ("--state", state.map { [$0] } ?? []), ("--plan", plan.map { [$0] } ?? []),
            ("--users", directoryFiles), ("--segments", segmentFiles), ("--clients", clientFiles),
        ])
        if jobsGiven == nil { _ = try Environment.jobs.get() }
        if maxRejectsGiven == nil { _ = try Environment.maxRejects.get() }
        if maxRejectsBytesGiven == nil { _ = try Environment.maxRejectsBytes.get() }
        if progressGiven == nil { _ = try Environment.progress.get() }
        guard !inputs.isEmpty || state != nil || plan != nil || mergedStates else {
            // `--users sample-logs/`: the option took the folder meant as the input.
            let folders = (directoryFiles + segmentFiles + clientFiles).filter { POSIX.followingLinks($0).map(POSIX.isFolder) == true }
            let give = "the files or folders to read: `authstats report exports/` (or - for standard input, "
                + "`aws s3 cp s3://bucket/key - | authstats report -`); `make run` reads sample-logs/."
            throw ValidationError(
                folders.first.map {
                    "\(DisplayPath.text($0)) is a folder, taken as the value of an option that names a file (--users, --segments or "
                        + "--clients), and no input is left: give " + give
                } ?? "Give " + give)
        }
        if let zone = requestedTimeZone, TimeZone(identifier: zone) == nil || !Self.isIANAName(zone) {
            let named = timezone == nil ? "AUTHSTATS_TIMEZONE=\(DisplayPath.text(zone))" : "'\(DisplayPath.text(zone))'"
            let why = Self.isOffset(zone) ? " (an offset is written GMT+1, UTC-05:30 or GMT+0130: at most 18 hours, its minutes 00 to 59)"
                : TimeZone(identifier: zone) == nil ? ""
                : " (an old three-letter id, not an IANA name: such ids are read against expectation, BST as Bangladesh's time; an offset is GMT+1 or UTC-05:30)"
            // Names are case-sensitive: `europe/berlin` is refused, and the error names the one meant.
            let meant = Self.zoneNames.first { $0.lowercased() == zone.lowercased() }
            throw ValidationError(
                "Unknown time zone \(named)\(why): use an IANA name such as UTC, Europe/Berlin or America/Los_Angeles"
                    + (meant.map { " (names are case-sensitive: \($0))" } ?? "") + ", or an offset such as UTC+05:30.")
        }
        if let problem = stateHorizon.flatMap(NightlyState.horizonProblem) { throw ValidationError(problem) }
        if state == nil, stateHorizon != nil || rebuild {
            throw ValidationError("--state-horizon and --rebuild go with --state.")
        }
        // A rebuild replaces the state with what it reads: with no INPUT (an unset variable in
        // a cron line) it emptied the state, exit 0, until 2026-12-06.
        if rebuild, inputs.isEmpty, plan == nil {
            throw ValidationError(
                "--rebuild replaces what the state holds with what it reads: give every input (with none, it would empty the state).")
        }
        if plan != nil {
            guard state != nil else { throw ValidationError("--plan reads a shard into a shard state: give --state DIR.") }
            guard inputs.isEmpty else { throw ValidationError("--plan names the files to read: give no INPUT with it.") }
            guard (shard != nil) != shardFromEnvironment else {
                throw ValidationError("--plan needs the shard: --shard I or --shard-from-env (one of them).")
            }
            if let shard, shard < 0 { throw ValidationError("--shard \(shard): shards are numbered from 0.") }
            // Duplicates, sessions and first days across shards meet only at the merge: a
            // shard that dropped detail past a horizon would make the merge inexact.
            if let horizon = stateHorizon, horizon != "none" {
                throw ValidationError("--plan: a shard state keeps all its event detail (--state-horizon none), not \(horizon) days; the merged state applies the horizon.")
            }
        } else if shard != nil || shardFromEnvironment {
            throw ValidationError("--shard and --shard-from-env go with --plan.")
        }
        // Standard input, a named pipe or a device: its bytes, hashed for the ledger before
        // the batch is read, would be gone when the batch read them.
        if state != nil {
            for path in inputs {
                guard let kind = path == "-" ? "a stream" : InputDiscovery.streamKind(of: Array(path.utf8)) else { continue }
                let named = path == "-" ? "standard input (-)" : DisplayPath.text(path)
                throw ValidationError(
                    "--state records each input in its ledger by its bytes, hashed before they are read: \(named) is \(kind), whose bytes can be read only once; save it to a file first.")
            }
        }
        for (name, value) in [("--from", from), ("--to", to)] {
            guard let value else { continue }
            guard let day = Day(iso: value) else {
                throw ValidationError("\(name) '\(value)' is not a date: use YYYY-MM-DD, e.g. 2026-11-01.")
            }
            // A row per day: the range is bounded like the accepted event times, in any zone.
            guard TimeRange.reportDayLimits.contains(day) else {
                throw ValidationError(
                    "\(name) \(value) is outside \(TimeRange.reportDayLimits.lowerBound) to \(TimeRange.reportDayLimits.upperBound).")
            }
        }
        if let f = from.flatMap(Day.init(iso:)), let t = to.flatMap(Day.init(iso:)), f > t {
            throw ValidationError("--from \(from!) is after --to \(to!).")
        }
        _ = try acceptedTimes()
        guard maxRejects >= 0 else { throw ValidationError("--max-rejects must be 0 or more.") }
        guard maxRejectsBytes >= 0 else { throw ValidationError("--max-rejects-bytes must be 0 or more.") }
        try OptionLimits.check(bytes: maxRecordBytes, option: "--max-record-bytes")
        try OptionLimits.check(bytes: dedupWindow, itemBytes: DuplicateFilter.entryBytes, option: "--dedup-window")
        try OptionLimits.check(jobs: jobs)
        try OptionLimits.check(bytes: sessionMemory, option: "--session-memory")
        try OptionLimits.check(bytes: profileMemory, option: "--profile-memory")
        for name in breakdownAttribute where name.isEmpty { throw ValidationError("--breakdown-attribute needs an attribute name.") }
        for name in breakdownAttribute where MemberExport.isWithheld(name) {
            let why = name == "sub" ? "it is the user id: a row per user" : "it holds addresses or linked identities"
            throw ValidationError(
                "--breakdown-attribute \(name): \(name) is never written to a report (\(why)); see docs/segments.md \"Member exports\".")
        }
        if byProject && clientFiles.isEmpty { throw ValidationError("--by-project needs --clients (the app clients' projects).") }
        for name in authSource where !EventSource.allCases.contains(where: { $0.name == name }) {
            throw ValidationError("--auth-source '\(name)' is not an export: use pinpoint, cognito-activity or cloudtrail.")
        }
        guard let timeout = Duration.parseMillis(sessionTimeout) else {
            throw ValidationError(
                "\(Environment.named("--session-timeout", "AUTHSTATS_SESSION_TIMEOUT", sessionTimeout)) is not a duration: use e.g. 90s, 45m, 2h or 1h30m.")
        }
        guard timeout > 0 else {
            throw ValidationError("\(Environment.named("--session-timeout", "AUTHSTATS_SESSION_TIMEOUT", sessionTimeout)) must be longer than 0.")
        }
        // Times plus the timeout stay far inside 64 bits of milliseconds.
        guard timeout <= Self.maxSessionTimeoutMillis else {
            throw ValidationError(
                "\(Environment.named("--session-timeout", "AUTHSTATS_SESSION_TIMEOUT", sessionTimeout)) is longer than 36500d (a hundred years).")
        }
    }

    /// `--oldest-event` to `--newest-event`, within `TimeRange.limits`.
    func acceptedTimes() throws -> TimeRange {
        var range = TimeRange.default()
        for (name, value, bound) in [("--oldest-event", oldestEvent, \TimeRange.oldest), ("--newest-event", newestEvent, \.newest)] {
            guard let value else { continue }
            guard let day = Day(iso: value) else {
                throw ValidationError("\(name) '\(value)' is not a date: use YYYY-MM-DD, e.g. 2010-01-01.")
            }
            guard TimeRange.limits.contains(day) else {
                throw ValidationError("\(name) \(value) is outside \(TimeRange.limits.lowerBound) to \(TimeRange.limits.upperBound).")
            }
            range[keyPath: bound] = day
        }
        guard range.oldest <= range.newest else {
            throw ValidationError("--oldest-event \(range.oldest) is after --newest-event \(range.newest).")
        }
        return range
    }

    /// The longest `--session-timeout`, as `--state-horizon`'s longest: a hundred years.
    static let maxSessionTimeoutMillis: Int64 = 36_500 * 86_400_000

    /// The IANA (tz database) names without a `/`; Foundation also takes Java's old three-letter
    /// ids (`BST`: UTC+6, `IST`, `CST`, `PST`, …), which no IANA name is, for time zones other
    /// than people mean by them (a review, 2026-12-05). Names with a `/` are IANA's form.
    static let ianaNamesWithoutSlash: Set<String> = [
        "CET", "CST6CDT", "Cuba", "EET", "EST", "EST5EDT", "Egypt", "Eire", "Factory", "GB", "GB-Eire", "GMT", "GMT+0", "GMT-0",
        "GMT0", "Greenwich", "HST", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein", "Libya", "MET", "MST",
        "MST7MDT", "NZ", "NZ-CHAT", "Navajo", "PRC", "PST8PDT", "Poland", "Portugal", "ROC", "ROK", "Singapore", "Turkey", "UCT",
        "UTC", "Universal", "W-SU", "WET", "Zulu",
    ]

    /// The names a zone written in the wrong case is matched against: Foundation's list lacks
    /// `UTC`, `EST` and the `Etc/` zones, which it takes all the same.
    static var zoneNames: [String] {
        TimeZone.knownTimeZoneIdentifiers + ianaNamesWithoutSlash.sorted() + ["Etc/UTC", "Etc/GMT", "Etc/UCT", "Etc/Universal", "Etc/Zulu"]
            + (-14...12).map { $0 == 0 ? "Etc/GMT0" : "Etc/GMT\($0 > 0 ? "+" : "")\($0)" }
    }

    /// An IANA name, or a fixed offset from UTC as Foundation writes one (`GMT+1`, `UTC-05:30`,
    /// `GMT+0130`), which means what it says.
    static func isIANAName(_ name: String) -> Bool {
        name.contains("/") || ianaNamesWithoutSlash.contains(name) || name.wholeMatch(of: /(GMT|UTC)[+-][0-9]{1,2}(:?[0-5][0-9])?/) != nil
    }

    /// Written as a fixed offset (`GMT+`, `UTC-`…), valid or not: Foundation takes minutes past
    /// 59 (`UTC+05:75` as +06:15), which are refused.
    static func isOffset(_ name: String) -> Bool { name.hasPrefix("GMT+") || name.hasPrefix("GMT-") || name.hasPrefix("UTC+") || name.hasPrefix("UTC-") }

    func run() throws {
        guard !mergedStates else {
            Console(quiet: quiet).error("--merged-states is authstats merge's own: run authstats merge SHARD_STATE… --out DIR")
            throw ExitCode(64)
        }
        try run(merging: nil)
    }

    /// - Parameter merging: the states of `authstats merge`, opened and checked together: the
    ///   reports are those of their merge, made in memory (no merged state is written).
    func run(merging: MergeParts?) throws {
        Allocator.keepLargeBuffersApart()
        let console = Console(quiet: quiet)
        SignalCleanup.install(console: console)
        // Whatever ends the run, its temporary folders go with it.
        defer { TemporaryFolders.shared.removeAll() }
        // The state first: it decides the time zone, and a busy one stops the run at once.
        let shardRun = merging == nil ? try loadShard(console: console) : nil
        // report.html's templates are parsed meanwhile, not after the tables (a quarter of what
        // a run that reads nothing executes; `HTMLReport.prepare`). A shard writes no reports.
        if !noHTML && shardRun == nil { DispatchQueue.global().async { HTMLReport.prepare() } }
        let nightly = merging == nil ? try openState(
            console: console, profiles: !segmentFiles.isEmpty || !breakdownAttribute.isEmpty,
            plan: shardRun.map { ($0.plan.id, $0.shard, $0.plan.shards) }) : nil
        if let merging { try check(merging, console: console) }
        let timezone = nightly?.timeZone ?? merging?.zone ?? requestedTimeZone ?? "UTC"
        let segments = try loadSegments(console: console, timezone: timezone)
        let clients = try loadClients(console: console)
        // A name given twice is one dimension.
        var names: [String] = []
        for name in breakdownAttribute where !names.contains(name) { names.append(name) }
        var profiles = ProfileOptions(segments: segments, breakdownAttributes: names, shareUserData: shareUserData)
        profiles.memory = profileMemory
        // A state keeps profiles whether or not this run reports segments: a later run may.
        profiles.collect = nightly?.keepsProfiles ?? merging?.profiles ?? false
        // The users' attributes are kept only for what reads them at the end.
        // Where the directory's users spill (read back by the segment pass).
        let directorySpill = TemporarySpillStore()
        let (directory, directoryDamage, directoryRead) = try loadDirectory(console: console, keepUsers: profiles.reported, spill: directorySpill)
        // user_type is set as events are read: states' events were read with the directory
        // their own runs had (a review found `merge --report-options "--users …"` taken for
        // one that sets it; docs/state.md "Limits of exactness, stated").
        if !directoryFiles.isEmpty && (merging != nil || (nightly != nil && inputs.isEmpty)) {
            console.warning(
                "--users: user_type is set as events are read, so the \(merging != nil ? "states' events keep what their shard runs" : "state's events keep what the runs that read them")"
                    + " gave them; give --users to \(merging != nil ? "each shard run" : "the runs that read the inputs (or --rebuild with every input)")."
                    + (profiles.reported ? " Here it gives the segments' profiles their directory attributes." : ""))
        }
        let output = try openOutput(console: console)
        // Exit 2: nothing in --out changed.
        func fail(_ message: String) -> ExitCode {
            output.discard()
            console.error(message)
            return ExitCode(2)
        }
        // A step of the state that may refuse the run: its message, and the status it names.
        func stateStep<R>(_ body: () throws -> R) throws -> R {
            do {
                return try body()
            } catch let failure as NightlyState.Failure {
                output.discard()
                console.error(failure.description)
                throw ExitCode(failure.exitCode)
            }
        }
        let rejects: RejectsFile
        do {
            rejects = try RejectsFile(files: output, console: console, limit: maxRejects, byteLimit: maxRejectsBytes)
        } catch {
            throw fail("\(error)")
        }
        // The session log is split by user into `jobs` shards (smaller merges, built one after
        // another), unless sessions.csv must list them in one user order or a state keeps it.
        // It holds user ids and texts for sessions.csv, now or (a state that keeps session
        // rows) on a later night. (`validate()` has checked the zone, days and timeout.)
        var configuration = Analysis.Configuration(
            timeZone: timezone, from: from, to: to, maxRecordBytes: maxRecordBytes, dedupCapacity: dedupWindow,
            sessionTimeout: sessionTimeout, sessionMemory: sessionMemory,
            sessionShards: sessionsDetail || nightly != nil || merging != nil ? 1 : jobs,
            sessionRows: sessionsDetail || nightly?.keepsSessionRows == true)!
        configuration.acceptedTimes = try acceptedTimes()
        configuration.profiles = profiles
        configuration.clients = clients
        configuration.byProject = byProject
        configuration.pinpointParity = pinpointParity
        if !authSource.isEmpty { configuration.authSources = Set(EventSource.allCases.filter { authSource.contains($0.name) }) }
        if let nightly {
            // Inputs of this batch come after every earlier batch's (the copy kept of a
            // duplicate is the earliest input's, as in one run over all of them).
            configuration.firstPosition = nightly.firstPosition
            configuration.keepsAllDays = true
            configuration.keepsReportTotals = totalsApply(nightly)
        }
        if merging != nil { configuration.keepsAllDays = true }
        let spill = TemporarySpillStore()
        // The user directories, segment definitions and the output folder are never read as inputs.
        // `-` is standard input, read as a stream like a FIFO.
        let (paths, changedSincePlan) = shardRun.map(Self.plannedFiles) ?? (inputs.map { $0 == "-" ? "/dev/stdin" : $0 }, [])
        var (found, emptyInputs) = InputDiscovery.expandNamingEmpty(
            paths, excluding: directoryFiles + segmentFiles + clientFiles + [out] + (state.map { [$0] } ?? []), threads: jobs)
        found += changedSincePlan
        var readThisBatch: [NightlyState.Candidate] = []
        var hashing: NightlyState.DeferredHashes?
        // With a state, an input given that holds no file (an empty sync folder, a volume not
        // mounted) is said, and makes the exit status 1, the reports made all the same (from
        // the state as it was, when no input holds a file): a cron job does not report
        // success over nothing (it exited 0 unseen until 2026-12-05).
        if nightly == nil || shardRun != nil { emptyInputs = [] }
        let nothingFound = !emptyInputs.isEmpty
        // (A rebuild that found no file is refused below, saying so.)
        if nothingFound && !(rebuild && found.isEmpty) {
            let named = emptyInputs.map(DisplayPath.text).joined(separator: ", ")
            console.warningAlways(
                "no input files found in \(named)"
                    + (!found.isEmpty || rebuild ? "" : nightly?.newestDay == nil ? ": the state holds no event yet" : ": the reports are from the state as it was"))
        }
        if let nightly {
            try stateStep {
                let selected = try nightly.select(found, threads: jobs)
                readThisBatch = selected.read
                hashing = NightlyState.DeferredHashes(selected.read, kind: nightly.hashKind)
                found = selected.problems + selected.read.map(\.found)
                if let shardRun {
                    // Each file at its place in the plan's whole listing: shards merge as one run.
                    // (By bytes: names that differ only in Unicode normalization are two files.)
                    let places = Dictionary(shardRun.files.map { (ExactText($0.path), $0.index) }, uniquingKeysWith: min)
                    configuration.fileIndexes = found.map { item in
                        switch item {
                        // (The raw name, as the plan holds it: `display` escapes a tab.)
                        case .file(let path): return places[ExactText(String(decoding: path.bytes, as: UTF8.self))] ?? 0
                        case .problem(let path, _): return places[ExactText(path)] ?? 0
                        }
                    }
                }
                for reread in selected.rereads { console.warning(reread) }
                if !selected.known.isEmpty {
                    console.info(
                        "\(selected.known.count) input\(selected.known.count == 1 ? "" : "s") already in the state, skipped: "
                            + selected.known.prefix(3).joined(separator: ", ") + (selected.known.count > 3 ? ", …" : ""))
                }
            }
        }
        let progress = ProgressLine(mode: progressMode, quiet: quiet) { found.map(Self.size) }
        defer { progress.finish() }
        let started = Date()
        var analysis = ParallelReader.read(found, jobs: jobs) { workers in
            // The memory budgets are for the whole run: each worker gets its share.
            var share = configuration
            share.dedupCapacity = max(1, configuration.dedupCapacity / workers)
            share.sessionMemory = max(1 << 20, configuration.sessionMemory / workers)
            share.profiles.memory = max(1 << 20, configuration.profiles.memory / workers)
            let analysis = Analysis(configuration: share, rejects: rejects, spill: spill, directory: directory)
            analysis.progress = { progress.bytesRead($0) }
            return analysis
        } fileDone: { _, index in
            progress.fileDone(index)
        }
        // Asked once the reading is done: the directory's records spill beside it.
        if let failure = directory.spillFailure {
            console.warning("could not spill the user directory to disk, kept it in memory: \(failure)")
        }
        // A merge writes no state: its states' fingerprints and session events are read in
        // place at the end (MergeParts.restore).
        let inPlace = merging.map { _ in StateReadFailure() }
        if let merging {
            try stateStep { try merging.restore(into: analysis, rejects: rejects, spill: spill, jobs: jobs, inPlace: inPlace) }
        }
        for input in Self.tidied(analysis.inputs).sorted(by: { $0.position < $1.position }) where input.status != .ok {
            console.warningAlways("\(input.location): \(input.status.rawValue): \(input.error ?? "")")
        }
        // What batches whose reports were never written read (a run stopped between its commit
        // and its reports): this run lists it as its own reading too, and commits it with its
        // own batch, until its reports are in place (`UnreportedReading`). A shard run's
        // state is new, and a rebuild forgets the state.
        // Damaged, it is said and not listed: the state's counts are whole, and this run's
        // batch replaces it (refusing every night until a rebuild would cost more than it saves).
        // A rebuild that read nothing (a mistyped or unmounted folder) would replace the state
        // with an empty one: refused as a stateless run is, the state left as it was.
        if rebuild, shardRun == nil, !analysis.anyInputReadable {
            throw fail(
                (analysis.inputs.isEmpty ? noInputFiles : "no readable input")
                    + "; --rebuild would have emptied the state, which is left as it was; nothing written")
        }
        var unreportedDamaged = false
        let unreported = try nightly.flatMap { nightly -> UnreportedReading? in
            guard shardRun == nil, !rebuild else { return nil }
            do {
                return try UnreportedReading.load(from: nightly.database)
            } catch let error where Self.isDamage(error) {
                console.warningAlways(
                    "could not read the inputs and rejects an earlier run left in the state for its reports (\(error)): they are not "
                        + "listed, and its rejected records are lost; the state's counts are whole")
                unreportedDamaged = true
                return nil
            } catch {
                return try stateStep { throw NightlyState.Failure.from(error, reading: "the inputs an earlier run left unreported") }
            }
        }
        if let nightly, let hashing {
            readThisBatch = try stateStep { try hashing.finish(read: analysis.inputs) }
            // The batch's rejects, kept in the state with it: a shard's for the merged reports
            // (`ShardRuns`), a night's until its reports are written (`UnreportedReading`).
            var kept: [ShardRuns.Reject] = []
            if shardRun != nil || !readThisBatch.isEmpty {
                do {
                    kept = try rejects.keptRejects()
                } catch {
                    throw fail("could not read back the rejected records kept in the temporary folder (\(error)); nothing committed")
                }
            }
            if shardRun != nil { nightly.shardRuns = ShardRuns(inputs: Self.tidied(analysis.inputs), rejects: kept, limit: maxRejects) }
            let keeping = shardRun == nil && !readThisBatch.isEmpty ? (earlier: unreported, rejects: kept) : nil
            analysis = try addToState(
                nightly, analysis, read: readThisBatch, keeping: keeping, configuration: configuration, rejects: rejects, spill: spill,
                directory: directory, started: started, console: console, fail: fail)
        }
        if let shardRun {
            // A shard's reports would cover its files only: its state is what the merge reads.
            let broken = analysis.inputs.filter { $0.status != .ok }.count
            output.discard()
            console.info(
                "shard \(shardRun.shard) of \(shardRun.plan.shards): \(readThisBatch.count) files into \(DisplayPath.text(state ?? ""))"
                    + " (\(broken) partial or failed, \(nightly?.shardRuns?.rejected ?? 0) records rejected and kept for the merge's reports)"
                    + "; no reports: merge the shard states (authstats merge)")
            if broken > 0 || !directoryDamage.isEmpty { throw ExitCode(1) }
            return
        }
        guard analysis.anyInputReadable || nightly != nil || merging != nil else {
            throw fail(analysis.inputs.isEmpty ? noInputFiles : "no readable input; nothing written")
        }

        let sessionsFile: SessionsFile?
        do {
            sessionsFile = sessionsDetail ? try SessionsFile(files: output, timezone: configuration.timeZoneName) : nil
        } catch {
            throw fail("\(error); nothing in \(DisplayPath.text(out)) changed")
        }
        if configuration.keepsAllDays, configuration.profiles.reported, let to = configuration.to,
            let newest = analysis.accumulator.dayBounds?.last, newest > to
        {
            // docs/state.md "Limits of exactness, stated": a state keeps each user's latest
            // observations, so its profiles are as of its newest day.
            // Named by what uses them: segments, or only --breakdown-attribute's attr: rows.
            let uses = configuration.profiles.segments != nil ? "segments are evaluated" : "breakdown.csv's attr: rows are made"
            console.warning(
                "\(uses) on the profiles as of \(newest) (the newest day \(nightly != nil ? "the state holds" : "of the states merged")), "
                    + "not as of --to \(to): a state keeps each user's latest attributes, endpoints and demographics only; "
                    + "counts and activity are as of --to. A run over the inputs without --state gives profiles as of --to.")
        }
        let read = Date()
        progress.phase("resolving duplicates, sessions, segments")
        analysis.finishReading(sessions: sessionsFile.map { file in { file.write($0) } })
        let finished = Date()
        let reports = analysis.reports()
        progress.phase("writing")
        // A run spilled to TMPDIR that could not be read back would leave the reports short:
        // asked before the reports are written, and again after the member exports, which read
        // their rows back while they are written.
        func checkSpills() throws {
            if let failure = inPlace?.reason {
                try stateStep { throw NightlyState.Failure.unusable("could not read \(failure); nothing written") }
            }
            if let failure = spill.readFailure ?? directorySpill.readFailure {
                throw fail("could not read back what was spilled to the temporary folder (\(failure)); the reports would miss it; nothing written")
            }
        }
        try checkSpills()
        if let nightly, configuration.keepsReportTotals, !analysis.reportsFromTotals, (try? nightly.totals()) == nil,
            let totals = analysis.reportTotals()
        {
            // Kept for the next night, which then reads only what its batch's users add (built
            // from runs that all read back whole: checked just above).
            do {
                try nightly.saveTotals(totals)
            } catch {
                console.warning("could not keep the report totals in the state (\(error)): the next run reads the whole state again")
            }
        }
        if let failure = analysis.spillFailure {
            console.warning("could not spill to disk, kept everything in memory: \(failure)")
        }
        // From the shards of a plan merged, with no input of this run's: what their runs read
        // stands for this run's reading (`ShardRuns`).
        let shardRuns: ShardRuns?
        if let merging {
            shardRuns = try stateStep { try merging.shardRuns() }.map {
                var runs = $0
                runs.countAsDuplicates(leftOutCopies: analysis.unlistedLeftOutCopies)
                return runs
            }
        } else if let nightly, shardRun == nil, analysis.inputs.isEmpty {
            shardRuns = try stateStep {
                do {
                    return try ShardRuns.load(from: nightly.database)
                } catch {
                    throw NightlyState.Failure.from(error, reading: "what the shard runs read")
                }
            }
        } else {
            shardRuns = nil
        }
        if let shardRuns { rejects.adopt(shardRuns.rejects) }
        // The inputs the reports list: this run's, after those of batches whose reports were
        // never written (theirs come first in input order).
        let own = Self.tidied(analysis.inputs)
        var listed = own
        if let unreported {
            rejects.adopt(unreported.rejects)
            console.info(
                "the reports also list the \(unreported.inputs.count) input\(unreported.inputs.count == 1 ? "" : "s") (and their "
                    + "\(unreported.rejects.count { !$0.isGap }) kept rejects) of an earlier run that committed them to the state but wrote no reports")
            // What makes the exit status 1 is said even with --quiet, as for this run's inputs.
            for input in unreported.inputs where input.status != .ok {
                console.warningAlways("\(input.location): \(input.status.rawValue): \(input.error ?? "") (read by an earlier run, listed in these reports)")
            }
            listed = unreported.inputs + listed
        }
        var run = SummaryWriter.Run(
            version: AuthStats.version, generatedAt: Timestamps.isoSecondsString(Date()),
            timezone: configuration.timeZoneName, maxRejects: maxRejects,
            authSources: authSource.isEmpty ? nil : EventSource.allCases.map(\.name).filter(authSource.contains))
        run.parityLeftOut = pinpointParity ? analysis.parityLeftOut : nil
        if !directoryFiles.isEmpty { run.directory = (directoryRead, directory.count) }
        run.shardRuns = shardRuns?.totals
        // What rejects.ndjson holds, as the file cuts it: the first rejects of the inputs listed
        // (each earlier run kept the first of its own, by its options) up to --max-rejects and
        // --max-rejects-bytes.
        (run.rejectsKept, run.rejectsCutByBytes) = rejects.lines
        run.maxRejectsBytes = maxRejectsBytes
        // A merged state's shard runs, and an earlier run's inputs (a state merged into right
        // after a run stopped before its reports): both read.
        if let unreported, let shardRuns { run.shardRuns = ShardRuns.combined([shardRuns, ShardRuns(unreported: unreported)]).totals }
        if nightly != nil || merging != nil { run.stateTotals = (analysis.accumulator.events, analysis.accumulator.duplicates) }
        run.partial = nightly?.partial ?? merging?.partial
        // After the batch's commit, a failure to write the reports says what the next run does
        // (`UnreportedReading`).
        let committedNote = nightly != nil && shardRun == nil && !readThisBatch.isEmpty
            ? "; this run's inputs are in the state, and the next run writes these reports, their entries and rejects listed" : ""
        var exportsAhead: Ahead<Void>?
        do {
            func mainPage(projects: [HTMLReport.Project]) -> HTMLReport.Input {
                var page = HTMLReport.Input(
                    run: run, reports: reports, accumulator: analysis.accumulator, inputs: listed,
                    firstRejects: rejects.first,
                    previous: HTMLReport.previousPeriod(of: reports, accumulator: analysis.accumulator))
                page.projects = projects
                return page
            }
            // Without projects (whose pages it links), the page is rendered on another thread
            // while the tables are written: 10 ms of a one-day run's 90.
            let pageAhead = noHTML || byProject ? nil : Ahead { [page = mainPage(projects: [])] in
                var html = ""
                HTMLReport.write(page, to: &html)
                return html
            }
            // The member exports too: one thread wrote them alone after everything else (~0.25 s
            // of a run of the bench set with three segments).
            exportsAhead = segments.map { segments in
                Ahead { [folder = output.path(ReportFiles.segmentFolder), exports = analysis.memberExports, syncs = output.syncs] in
                    try Self.writeMemberExports(segments, exports: exports, into: folder, syncs: syncs)
                }
            }
            try writeTables(reports, timezone: configuration.timeZoneName, folder: "", output: output)
            // Each project's report set (`--by-project`), its own page included.
            var projectPages: [HTMLReport.Project] = []
            let projects = byProject ? analysis.projectReports() : []
            let projectFolders = SegmentFileName.fileNames(for: projects.map(\.0))
            for ((id, projectReports, project), name) in zip(projects, projectFolders) {
                let folder = ReportFiles.projectFolder + "/" + name + "/"
                _ = try POSIX.makeFolders(output.path(folder))
                try writeTables(projectReports, timezone: configuration.timeZoneName, folder: folder, output: output)
                if let segments { try Self.writeMemberExports(
                        segments, exports: project.memberExports, into: output.path(folder + ReportFiles.segmentFolder), syncs: output.syncs) }
                if !noHTML {
                    var page = HTMLReport.Input(
                        run: run, reports: projectReports, accumulator: project.accumulator, inputs: [],
                        previous: HTMLReport.previousPeriod(of: projectReports, accumulator: project.accumulator))
                    page.project = id
                    try output.write(folder + "report.html") { HTMLReport.write(page, to: &$0) }
                    projectPages.append(HTMLReport.Project(id: id, reports: projectReports, page: folder + "report.html"))
                }
            }
            try output.write("summary.json") {
                SummaryWriter.write(
                    run: run, reports: reports, accumulator: analysis.accumulator, inputs: listed, to: &$0)
            }
            if let pageAhead {
                let html = try pageAhead.wait()
                try output.write("report.html") { $0.write(html) }
            } else if !noHTML {
                try output.write("report.html") { HTMLReport.write(mainPage(projects: projectPages), to: &$0) }
            }
            try rejects.commit()
            try sessionsFile?.commit()
            try exportsAhead?.wait()
        } catch {
            // Not discarded under a thread still writing into it.
            exportsAhead?.finish()
            throw fail("\(error); nothing in \(DisplayPath.text(out)) changed" + committedNote)
        }
        try checkSpills()
        try commit(output, console: console) { fail($0 + committedNote) }
        if let nightly, shardRun == nil, unreported != nil || unreportedDamaged || !readThisBatch.isEmpty {
            // The reports that list them are in place.
            do {
                try nightly.markReported()
            } catch {
                console.warning(
                    "could not note in the state that this run's reports are written (\(error)): the next run lists this run's inputs "
                        + "and rejects again")
            }
        }
        progress.finish()

        let overlaps = analysis.accumulator.overlaps
        if let first = overlaps.first {
            // The export with the most authentication events on those days is suggested.
            var totals: [String: Int] = [:]
            for overlap in overlaps {
                for (source, counts) in overlap.exports { totals[source, default: 0] += counts.signUps + counts.signIns + counts.authFailures }
            }
            let exports = totals.keys.sorted()
            let suggested = totals.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
            console.warning(
                "\(overlaps.count) day\(overlaps.count == 1 ? " has" : "s have") sign-ups, sign-ins or failures from more than one export "
                    + "(\(exports.joined(separator: ", ")); first \(first.date); see summary.json's overlaps): if the exports hold the same "
                    + "sign-ins, each is counted once per export; keep one with --auth-source \(suggested) (README \"Migrating from Pinpoint analytics\")")
        }
        if let bounds = analysis.accumulator.dayBounds, let range = reports.range, reports.daily.allSatisfy({ $0.events == 0 }) {
            // A lone --from after every event (or --to before every one) gives its one day
            // (docs/metrics.md "The report range"), and a range can fall between events: said,
            // since only the windows, which look back, can count anything there.
            console.warning(
                "the report range \(range.first) to \(range.last) holds no event (the events run from \(bounds.first) to "
                    + "\(bounds.last)): only wau_7d and mau_30d, which look back, can count there; --from and --to choose the days")
        }
        let reading = run.reading(of: listed)
        let (rejected, written) = (reading.counts.rejected, reading.rejectsWritten)
        if rejected > written {
            console.warning(
                "\(rejected - written) rejected records past "
                    + (written == maxRejects ? "--max-rejects \(maxRejects)"
                        : run.rejectsCutByBytes ? "--max-rejects-bytes \(maxRejectsBytes) (the \(written) that fit)"
                        : shardRuns != nil ? "the \(written) the shard states kept" : "the \(written) the runs that read them kept")
                    + " are counted in summary.json but not written to rejects.ndjson")
        }
        // A shard's input read in part makes the reports of its merge partial, as one run's.
        let broken = listed.filter { $0.status != .ok }.count + (shardRuns.map { $0.partial + $0.failed } ?? 0)
        if let shardRuns, shardRuns.partial + shardRuns.failed > 0 {
            console.warningAlways(
                "\(shardRuns.partial) input\(shardRuns.partial == 1 ? " was" : "s were") read only in part and \(shardRuns.failed) not at all "
                    + "by the shard runs: see their logs (the reports count what they read)")
        }
        let ofShards = shardRuns.map { " of \($0.shards) shard runs" } ?? ""
        console.info(
            "\(analysis.accumulator.events) events from \(reading.inputs) inputs\(ofShards) "
                + "(\(analysis.accumulator.duplicates) duplicates, \(rejected) rejected, \(broken) inputs partial or failed); "
                + "\(analysis.sessionStats.totalSessions) sessions; reports in \(DisplayPath.text(out))/; peak memory \(Console.peakMemoryMB()) MB; "
                + "\(Self.seconds(read, started)) reading, \(Self.seconds(finished, read)) for duplicates, sessions "
                + "and report tables, \(Self.seconds(Date(), finished)) writing")
        let partial = nightly?.partial ?? merging?.partial
        // What makes the exit status 1 is said even with --quiet (a cron job's log must explain it).
        if let partial { console.warningAlways("the reports are partial: \(DisplayPath.text(partial)) (see summary.json's partial)") }
        if strict && rejected > 0 {
            console.warningAlways("\(rejected) record\(rejected == 1 ? "" : "s") rejected, and --strict makes that exit status 1: see rejects.ndjson")
        }
        if broken > 0 || (strict && rejected > 0) || partial != nil || !directoryDamage.isEmpty || nothingFound { throw ExitCode(1) }
    }

    /// Reads the `--users` files, decompressed like any input. A file that cannot be read at
    /// all stops the run (exit 2, nothing written); one cut short or damaged keeps the users
    /// before the damage, with a warning that says where.
    ///
    /// The files are read a chunk at a time; the users' records (when `keepUsers`: segments
    /// or attribute breakdowns read them at the end) spill to a temporary store of their own
    /// past 16 MB (`UserDirectory`), so a directory costs the run about 16 MB a million users
    /// until the segment pass.
    /// - Returns: the directory, and the files read only in part (their warnings said even with
    ///   `--quiet`; the run's exit status is then 1, as for an input read in part: a list-users
    ///   file stops at its first malformed user, and every user after it would lose its type in
    ///   silence, a review found).
    func loadDirectory(
        console: Console, keepUsers: Bool, spill directorySpill: any SpillStore
    ) throws -> (UserDirectory, damaged: [String], files: [SummaryWriter.DirectoryFile]) {
        // The records sort and spill on a thread of their own, beside the parsing and then the
        // reading (`DirectoryRecordWriter`): the reading needs only the users' types.
        var directory = UserDirectory(store: directorySpill, keepsUsers: keepUsers, background: true, loadThreads: jobs)
        var damaged: [String] = []
        var files: [SummaryWriter.DirectoryFile] = []
        for (index, file) in directoryFiles.enumerated() {
            do {
                let before = (directory.usersRead, directory.usersSkipped)
                directory.listingMayContinue = index + 1 < directoryFiles.count
                let (problems, partial) = try DirectoryFileReader.load(file, into: &directory)
                for problem in problems { console.warning(problem) }
                if let partial {
                    console.warningAlways(partial)
                    damaged.append(file)
                }
                files.append(
                    SummaryWriter.DirectoryFile(
                        path: DisplayPath.text(file), users: directory.usersRead - before.0, skipped: directory.usersSkipped - before.1, error: partial))
            } catch {
                console.error("\(error)")
                throw ExitCode(2)
            }
        }
        if !directoryFiles.isEmpty {
            console.info("user directory: \(directory.count) users from \(directoryFiles.count) file(s)")
            if directory.count == 0 {
                console.warning("no user in \(directoryFiles.map(DisplayPath.text).joined(separator: ", ")): every user keeps the user_type its events say")
            }
        }
        return (directory, damaged, files)
    }

    /// Resolves `--out`, makes its staging folder, and removes what killed runs left there and
    /// in `TMPDIR`.
    func openOutput(console: Console) throws -> ReportFiles {
        let output: ReportFiles
        do {
            output = try ReportFiles(folder: out)
        } catch {
            console.error("\(error)")
            throw ExitCode(2)
        }
        let leftovers = output.leftoversRemoved + TemporarySpillStore.removeLeftovers()
        if !leftovers.isEmpty {
            console.info("removed what killed runs left: \(leftovers.joined(separator: ", "))")
        }
        return output
    }

    /// Puts the new report set in place as one step (`ReportFiles.commit`).
    func commit(_ output: ReportFiles, console: Console, fail: (String) -> ExitCode) throws {
        do {
            let (outcome, problems) = try output.commit()
            if case .fileByFile(let reason) = outcome {
                console.warning(
                    "the reports in \(DisplayPath.text(out)) were replaced file by file (summary.json last), not as one folder, because "
                        + "\(reason): a reader may have seen files of both runs for a moment")
            }
            for problem in problems { console.warning(problem) }
        } catch let failure as ReportFiles.Failure where failure.mixed {
            throw fail("\(failure)")
        } catch {
            throw fail("\(error); nothing in \(DisplayPath.text(out)) changed")
        }
    }

    /// A shard's files that are as the plan lists them, and a failed input for each that is
    /// not: a folder now, or a file of another size (a shard read what it found under a planned name,
    /// at the place of the listing's first file, so that merged reports differed from one
    /// run's, exit 0, until 2026-12-07). A file that is gone is left to the walk, which says so.
    static func plannedFiles(_ shard: ShardRun) -> (paths: [String], changed: [InputDiscovery.Found]) {
        var paths: [String] = []
        var changed: [InputDiscovery.Found] = []
        for file in shard.files {
            guard let info = POSIX.followingLinks(file.path) else {
                paths.append(file.path)
                continue
            }
            let again = "it changed since the plan was made: plan again (authstats plan) and run every shard"
            // (A FIFO or a device is left to the walk too, which names it without opening it.)
            if POSIX.isFolder(info) {
                changed.append(.problem(path: file.path, message: "not read: it is a folder now, where a file was planned; \(again)"))
            } else if info.st_mode & S_IFMT == S_IFREG, Int64(info.st_size) != file.size {
                changed.append(.problem(path: file.path, message: "not read: it is \(info.st_size) bytes, not the \(file.size) it was planned with; \(again)"))
            } else {
                paths.append(file.path)
            }
        }
        return (paths, changed)
    }

    /// The inputs' reports with each error as one line: libarchive ends some of its messages
    /// with a newline ("ZIP uncompressed data is wrong size (…)\n").
    static func tidied(_ inputs: [InputReport]) -> [InputReport] {
        var inputs = inputs
        // In place, only those with an error (each copy of a report retains its texts).
        for i in inputs.indices where inputs[i].error != nil {
            inputs[i].error = inputs[i].error?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return inputs
    }

    static func seconds(_ end: Date, _ start: Date) -> String {
        String(format: "%.2f s", end.timeIntervalSince(start))
    }
}

extension ProgressLine.Mode: ExpressibleByArgument {}

extension ReportCommand {
    /// The size of an input file in bytes, links followed (0 for a problem or a stream). By
    /// the path's raw bytes: its display form names another file when it is not UTF-8.
    static func size(_ found: InputDiscovery.Found) -> Int64 {
        guard case .file(let path) = found else { return 0 }
        return path.stamp?.size ?? FileStamp(path: path.bytes)?.size ?? 0
    }

    /// The tables of one report set (the run's, or a project's under `projects/<id>/`).
    func writeTables(_ reports: Reports, timezone: String, folder: String, output: ReportFiles) throws {
        for table in reports.tables {
            try output.writeBytes("\(folder)\(table.name).csv") { CSVTableWriter.write(table, to: &$0) }
            try output.writeBytes("\(folder)\(table.name).json") { JSONTableWriter.write(table, timezone: timezone, to: &$0) }
        }
    }

    /// Reads the `--clients` files, compressed or not, as `check-config` reads them. A file that
    /// cannot be read whole, or that gives no app client at all (another kind of file, broken
    /// JSON, an empty list), stops the run (exit 64): counted without it, every event of its
    /// clients would be `(unconfigured)` (until 2026-12-05 a gzipped file was such a file, with
    /// a warning only). What `check-config` would call an error in a file that gives clients is
    /// a warning here (the reports use what can be used).
    func loadClients(console: Console) throws -> AnalyticsConfiguration? {
        guard !clientFiles.isEmpty else { return nil }
        var configuration = AnalyticsConfiguration()
        for file in clientFiles {
            let name = DisplayPath.text(file)
            let (data, failure) = ClientFiles.contents(file)
            if let failure {
                console.error("Unable to read the app client configuration \(name): \(failure)")
                throw ExitCode(64)
            }
            let before = configuration.entries.count
            let errors = configuration.load(data, name: name).filter { $0.severity == .error }
            // A file that gives no client is a mistake (another kind of file, broken JSON, an
            // empty file that a failed export left), unless it is a pool's empty client list
            // (`list-user-pool-clients` of a pool without clients), and then only beside files
            // that give clients.
            let emptyList = errors.isEmpty && data.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }.contains("\"UserPoolClients\"")
            if configuration.entries.count == before && !emptyList {
                console.error("no app client in \(name): \(errors.first?.message ?? "it is empty or lists none") (check it with authstats check-config)")
                throw ExitCode(64)
            }
            for finding in errors { console.warning("\(name): \(finding.message)") }
        }
        guard !configuration.clients.isEmpty else {
            let one = clientFiles.count == 1
            console.error(
                "no app client in \(clientFiles.map(DisplayPath.text).joined(separator: ", ")): \(one ? "it lists" : "they list") none "
                    + "(check \(one ? "it" : "them") with authstats check-config)")
            throw ExitCode(64)
        }
        let projects = configuration.projects
        console.info("app clients: \(configuration.clients.count) in \(projects.count) project(s) from \(clientFiles.count) file(s)")
        // What check-config calls an error, said here too: which project counts the client's
        // events followed the files' order, silently, until 2026-12-07.
        for finding in ConfigurationCheck.clientsInTwoProjects(configuration) {
            guard let id = finding.clientID else { continue }
            console.warning(
                "app client \(id): \(finding.message); its activity-log and CloudTrail events count under project "
                    + "\(configuration.project(ofClient: id)?.id ?? "(unconfigured)") (its Pinpoint records under their own app_id; "
                    + "check the files with authstats check-config)")
        }
        let listed = configuration.clients.filter { $0.analytics == nil && $0.source.isListPage }
        if pinpointParity, !listed.isEmpty {
            console.warning(
                "\(listed.count == configuration.clients.count ? "every app client" : "\(listed.count) app client(s)") of the --clients files "
                    + "comes only from list-user-pool-clients output, which never shows an analytics configuration: with --pinpoint-parity "
                    + "their activity-log and CloudTrail events are left out as from clients without analytics; give their "
                    + "describe-user-pool-client output (docs/configuration.md)")
        }
        return configuration
    }

    /// Reads and checks the `--segments` files before any input is read: a file that cannot be
    /// read or a definition that cannot be evaluated stops the run with exit 64 (bad usage).
    func loadSegments(console: Console, timezone: String) throws -> SegmentSet? {
        guard !segmentFiles.isEmpty else { return nil }
        var files: [(name: String, data: [UInt8])] = []
        for file in segmentFiles {
            files.append((DisplayPath.text(file), try POSIX.contents(of: file, what: "the segment definitions ", console: console, exit: 64)))
        }
        do {
            let set = try SegmentSet.load(files: files, timeZone: TimeZone(identifier: timezone)!)
            if set.count == 0 {
                // `aws pinpoint get-segments` of a project whose segments were all deleted: the
                // segment reports are empty, and a nightly run goes on (it was exit 64).
                console.warningAlways(
                    "no segment definitions in \(segmentFiles.map(DisplayPath.text).joined(separator: ", ")): the segment reports have no rows")
            }
            guard set.count <= MemberExport.maxSegments else {
                console.error("\(set.count) segments: at most \(MemberExport.maxSegments) in one run")
                throw ExitCode(64)
            }
            return set
        } catch let error as ExitCode {
            throw error
        } catch {
            console.error("\(error)")
            throw ExitCode(64)
        }
    }

    /// `segments/<file>.csv`: each segment's members, one row per endpoint, in Pinpoint's
    /// endpoint import CSV format (a segment without exported endpoints gets the header alone).
    static func writeMemberExports(_ segments: SegmentSet, exports: MemberExportLog?, into folder: String, syncs: PendingSyncs) throws {
        guard var exports else { return }
        guard mkdir(folder, 0o777) == 0 else { throw POSIX.Failure("Unable to create \(folder)") }
        // The rows come by segment: one file open at a time.
        let headers = (0..<segments.count).map { exports.header(segment: $0) }
        let fileNames = SegmentFileName.fileNames(for: segments.names)
        var current: (index: Int, file: BufferedFile)?
        var failure: Error?
        func open(through segment: Int) {
            while failure == nil, (current?.index ?? -1) < segment {
                do {
                    if var done = current?.file { try done.close() }
                    let index = (current?.index ?? -1) + 1
                    var file = try BufferedFile(path: folder + "/" + fileNames[index] + ".csv", syncs: syncs)
                    file.write(MemberExport.line(headers[index]))
                    current = (index, file)
                } catch {
                    failure = error
                }
            }
        }
        exports.forEachLine { segment, line in
            open(through: segment)
            current?.file.write(line)
        }
        open(through: segments.count - 1)
        if let failure { throw failure }
        if var last = current?.file { try last.close() }
        if let failure = exports.spillFailure { throw POSIX.Failure("Unable to spill the member exports: \(failure)") }
    }
}

/// Work done on a thread of its own while the caller goes on (`report.html` rendered, the
/// member exports written, beside the tables); `wait()` gives its result or throws its error.
private final class Ahead<Value>: @unchecked Sendable {
    // Unchecked: `result` is written once by the working thread, before `group` leaves, and
    // read only after `group.wait()`.
    private var result: Result<Value, any Error>?
    private let group = DispatchGroup()

    init(_ body: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async(group: group) { [self] in result = Result { try body() } }
    }

    func wait() throws -> Value {
        group.wait()
        return try result!.get()
    }

    /// Waits, whatever the outcome (another failure is being reported).
    func finish() { group.wait() }
}
