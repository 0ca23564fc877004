import AuthStatsCore
import AuthStatsIngest
import AuthStatsState
import Foundation

/// `report --state DIR`: the state folder of a nightly run (`docs/state.md`), held for the
/// whole run. Opening it takes the lock (a second run exits 75 at once), checks that the file
/// is an authstats state that this version reads, and that the options which decide what is
/// counted are those the state was built with.
final class NightlyState {
    static let metaTimeZone = "timezone"
    static let metaHorizon = "horizon"
    static let metaNewestDay = "newest_day"
    static let metaOptions = "options"
    static let metaVersion = "authstats_version"
    /// The first day with event detail in the state: where the last whole write's horizon began.
    static let metaDetailFrom = "detail_from"
    /// "on" when the state keeps user profiles (for segments and attribute breakdowns): chosen
    /// by its first run (`--segments` or `--breakdown-attribute`), kept by every later one.
    static let metaProfiles = "profiles"
    /// "on" when the state keeps the session log with user ids and texts, so that
    /// `sessions.csv` can be written from it: chosen by its first run (`--sessions-detail`),
    /// kept by every later one; "off" keeps the counts-only layout, half the bytes. A state
    /// written before this choice existed has no entry and keeps the rows.
    static let metaSessionRows = "session_rows"
    /// A shard state's plan (`report --plan`): its id, the shard and the plan's shard count.
    static let metaPlan = "plan"
    static let metaShard = "plan_shard"
    static let metaShards = "plan_shards"
    /// What a merge with `--allow-missing` went without (reports from the state are partial).
    static let metaPartial = "partial"
    /// Where the input positions of the state's batches end (`StatePositions`).
    static let metaNextPosition = "next_position"
    /// The plan whose listing numbers the positions of a state merged from that plan's shards
    /// (`PositionSpaces`), so that a shard merged into it later keeps its positions. Kept by
    /// later batches: a batch's positions start at its number shifted past 2^44, above every
    /// position of a plan of fewer than 2^20 files (`StatePositions`).
    static let metaPositionPlan = "position_plan"
    /// The plan whose shards a merged state holds, and which ("0,2 of 3"), so that a merge of
    /// the rest into it later is complete (`MergeParts.partial(after:…)`).
    static let metaMergedPlan = "merged_plan"
    static let metaMergedShards = "merged_shards"
    /// A whole write (freezing sessions, dropping old fingerprints) is due once the state holds
    /// this many days of event detail beyond its horizon.
    static let compactionSlack = 7
    /// The longest `--state-horizon`: a hundred years of days (day arithmetic stays in range).
    static let maxHorizon = 36_500

    /// Why `text` is no `--state-horizon` (a number of days from 1 to `maxHorizon`, or none); nil when it is one.
    static func horizonProblem(_ text: String) -> String? {
        if text == "none" { return nil }
        if let days = Int(text), (1...maxHorizon).contains(days) { return nil }
        return "--state-horizon '\(text)' is not a number of days from 1 to \(maxHorizon), or none."
    }

    let folder: String
    let lock: StateLock
    let database: StateDatabase
    /// The IANA names of UTC (the zone and its links, and GMT's, whose offset was always 0):
    /// any of them counts the same days, so a state of one takes a run given another (a cron
    /// line's `AUTHSTATS_TIMEZONE=Etc/UTC` on a state made with the default UTC).
    static let utcNames: Set<String> = [
        "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT", "Etc/GMT+0",
        "Etc/GMT-0", "Etc/GMT0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich", "Greenwich",
    ]

    /// Whether two zone names count the same days: the same name, or two names of UTC. (Other
    /// links, Asia/Calcutta for Asia/Kolkata, are told apart by name: a state keeps its own.)
    static func sameZone(_ a: String, _ b: String) -> Bool { a == b || (utcNames.contains(a) && utcNames.contains(b)) }

    /// The zone the state counts days in.
    let timeZone: String
    /// Days of event-level detail kept (nil: all, for shard states).
    let horizon: Int?
    /// The newest event day the state held before this run.
    let newestDay: Day?
    /// This run's batch number.
    let batch: Int
    /// Where the positions of the state's inputs end, and this batch's begin (`StatePositions`).
    private(set) var heldPositions: UInt64
    let firstPosition: UInt64
    /// The first day with event detail (nil: a state with no event yet).
    let detailFrom: Day?
    /// Whether the state keeps user profiles (segments can be evaluated from it).
    let keepsProfiles: Bool
    /// Whether the state keeps the session log with user ids and texts (`sessions.csv` can be
    /// written from it); otherwise in `SessionRecord`'s compact layout.
    let keepsSessionRows: Bool
    /// A shard state's plan, as this run reads it (or as the state was made).
    let plan: (id: String, shard: Int, shards: Int)?
    /// Set when the state was merged without some shards of its plan.
    var partial: String?
    /// Set by a merge of one plan's shards (`metaPositionPlan`), kept by later writes.
    var positionPlan: String?
    /// Set by a merge of shards (`metaMergedPlan`): kept by later batches, as `partial` is.
    var mergedShards: MergeParts.PlanShards?
    /// What the shard runs behind the batch this run writes read (`ShardRuns`): a shard's own
    /// reading, or the sum a merge makes; nil (a batch that reads its own inputs) clears them.
    var shardRuns: ShardRuns?
    /// What the batches not yet reported read, this run's batch last (`UnreportedReading`):
    /// written with the batch, replacing what the state kept; nil keeps that. Made inside the
    /// batch's transaction, after its records were resolved against the state's (an input's
    /// copies of earlier records move from its events to its duplicates then); a compaction
    /// later in the run writes it again.
    var unreportedReading: (() -> UnreportedReading)?

    /// `--rebuild`: what the state holds is ignored, and replaced by this run's commit (in its
    /// one transaction: a rebuild that is stopped leaves the state as it was).
    let rebuild: Bool

    /// Whether the state holds no event yet (or is being rebuilt): a batch then writes it whole.
    var isEmpty: Bool { newestDay == nil }

    /// What makes two runs count the same event differently: they must not share a state.
    struct Options: Equatable {
        var values: [(name: String, value: String)]

        static func == (a: Options, b: Options) -> Bool { a.text == b.text }

        var text: String { values.map { "\($0.name)=\($0.value)" }.joined(separator: "\n") }

        init(values: [(name: String, value: String)]) { self.values = values }

        init(text: String) {
            values = text.split(separator: "\n").map { line in
                let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }
        }

        /// A value as shown: escaped (`DisplayPath`), a duration kept in milliseconds (the
        /// session timeout, `1800000 ms`) as it is written on the command line (`30m`).
        static func shown(_ value: String) -> String {
            guard value.hasSuffix(" ms"), let millis = Int64(value.dropLast(3)), millis > 0 else { return DisplayPath.text(value) }
            return Duration.text(millis: millis)
        }

        /// The options that differ, as `--name: state's value, this run's value`.
        /// Each option whose value differs, with both values: these as `mine`'s, `run`'s as `theirs`.
        func differences(from run: Options, mine: String = "the state's", theirs: String = "this run's") -> [String] {
            var out: [String] = []
            for (name, value) in values {
                let other = run.values.first { $0.name == name }?.value ?? "(none)"
                // Both sides may come from a state file: shown escaped (`DisplayPath`).
                if other != value {
                    out.append(
                        "\(DisplayPath.text(name)) (\(mine): \(value.isEmpty ? "(none)" : Self.shown(value)); "
                            + "\(theirs): \(other.isEmpty ? "(none)" : Self.shown(other)))")
                }
            }
            return out
        }
    }

    enum Failure: Error, CustomStringConvertible {
        /// Exit 64: the run's options contradict the state's.
        case usage(String)
        /// Exit 75: another run holds the state.
        case busy(String)
        /// Exit 2: the state cannot be used; it is left as it was.
        case unusable(String)
        /// Exit 1: an input cannot be taken in (nothing committed).
        case refused(String)

        var description: String {
            switch self {
            case .usage(let m), .busy(let m), .unusable(let m), .refused(let m): return m
            }
        }

        var exitCode: Int32 {
            switch self {
            case .usage: return 64
            case .busy: return 75
            case .unusable: return 2
            case .refused: return 1
            }
        }

        /// A state read that failed: busy (another process holds the file: run again, 75), or
        /// unusable (damaged, unreadable: 2), naming what was read.
        static func from(_ error: any Error, reading what: String) -> Failure {
            if let failure = error as? Failure { return failure }
            if case StateError.busy = error { return .busy("could not read \(what) from the state: \(error)") }
            return .unusable("could not read \(what) from the state: \(error)")
        }
    }

    /// - Parameters:
    ///   - timeZone: the zone given (option or environment), nil when none was.
    ///   - horizon: `--state-horizon` as given: a number of days or `none` (nil: not given).
    ///   - profiles: this run wants user profiles (segments or attribute breakdowns).
    ///   - sessionRows: this run wants session rows (`--sessions-detail`); for a merge, whether
    ///     every state merged keeps them.
    ///   - rebuild: forget everything the state holds (then it takes this run's zone and options).
    ///   - merging: the target of `state merge`, whose zone comes from the states merged into it
    ///     (another zone is refused as for two of those states, exit 1, not a usage error).
    init(
        folder: String, timeZone requested: String?, horizon requestedHorizon: String?, options: Options, profiles: Bool,
        sessionRows: Bool, rebuild: Bool, merging: Bool = false, plan: (id: String, shard: Int, shards: Int)? = nil
    ) throws {
        self.folder = folder
        self.rebuild = rebuild
        do {
            lock = try StateLock.acquire(folder: folder)
        } catch let error as StateError {
            if case .busy = error { throw Failure.busy("\(error)") }
            throw Failure.unusable("\(error)")
        }
        let database: StateDatabase
        do {
            database = try StateDatabase.open(folder: folder, create: true)
        } catch StateError.notAuthstats(let path) {
            // Its message says already that the file was left as it is.
            throw Failure.unusable("\(StateError.notAuthstats(path: path))")
        } catch {
            throw Failure.unusable("\(error); the state was left as it was")
        }
        self.database = database
        let path = DisplayPath.text(folder)
        do {
            // A rebuild reads nothing the state holds; its commit replaces all of it.
            func stored(_ name: String) throws -> String? { rebuild ? nil : try database.meta(name).flatMap { $0.isEmpty ? nil : $0 } }
            let storedZone = try stored(Self.metaTimeZone)
            // Text read from the state is shown escaped: it may not be authstats's.
            let shownZone = storedZone.map(DisplayPath.text) ?? ""
            if merging, let storedZone, let requested, !Self.sameZone(requested, storedZone) {
                throw Failure.refused(
                    "\(path) counts days in \(shownZone), the states to merge into it in \(requested): states of two time zones do not merge; nothing changed")
            }
            if let storedZone, let requested, !Self.sameZone(requested, storedZone) {
                throw Failure.usage(
                    "the state in \(path) counts days in \(shownZone), not \(requested): drop --timezone (and AUTHSTATS_TIMEZONE) "
                        + "to use \(shownZone), or give another --state folder (or --rebuild to recount everything in \(requested))")
            }
            // A rebuild recounts in the zone and horizon it is given; without them, in the
            // state's (a nightly line gives none: the state's message says to drop --timezone).
            func kept(_ name: String) throws -> String? { rebuild ? try database.meta(name).flatMap { $0.isEmpty ? nil : $0 } : nil }
            timeZone = try storedZone ?? requested ?? kept(Self.metaTimeZone) ?? "UTC"
            guard TimeZone(identifier: timeZone) != nil else {
                throw Failure.unusable(
                    "the state in \(path) counts days in '\(DisplayPath.text(timeZone))', a time zone this system does not know; "
                        + "the state was left as it was")
            }
            let storedHorizon = try stored(Self.metaHorizon)
            if let storedHorizon, let requestedHorizon, storedHorizon != requestedHorizon {
                // What to do depends on who asked: a shard (its horizon is always none), a merge
                // (an existing --into keeps its own; it has no --rebuild), or a report run.
                // (Until 2026-12-05 each was told "drop --state-horizon, or --rebuild": a shard
                // run that followed it turned a nightly state into a shard's.)
                let advice = plan != nil
                    ? "it is no shard state (a shard's keeps every day's detail): give each shard a state folder of its own"
                    : merging ? "drop --state-horizon: a state merged into keeps its own" : "drop --state-horizon, or --rebuild"
                throw Failure.usage(
                    "the state in \(path) keeps a horizon of \(DisplayPath.text(storedHorizon)) days, not \(requestedHorizon): \(advice)")
            }
            let horizonText = try storedHorizon ?? requestedHorizon ?? kept(Self.metaHorizon) ?? "35"
            if let problem = Self.horizonProblem(horizonText) {
                throw storedHorizon == nil
                    ? Failure.usage(problem) : Failure.unusable("the state in \(path) has a horizon that authstats does not write: \(DisplayPath.text(problem))")
            }
            horizon = horizonText == "none" ? nil : Int(horizonText)
            if let storedOptions = try stored(Self.metaOptions).map(Options.init(text:)),
                storedOptions != options
            {
                let differences = storedOptions.differences(from: options)
                // A value the environment gave is named with it, as the time zone's is.
                let variables = [("--session-timeout", "AUTHSTATS_SESSION_TIMEOUT")].filter { option, variable in
                    differences.contains { $0.hasPrefix(option + " ") } && Environment.value(variable) != nil
                }.map { "\($1) is set: it gives \($0) when the option is not" }
                throw Failure.usage(
                    "the state in \(path) was built with other counting options: "
                        + differences.joined(separator: "; ")
                        + (variables.isEmpty ? "" : " (" + variables.joined(separator: "; ") + ")")
                        + ". Give the same ones, another --state folder, or --rebuild with every input")
            }
            newestDay = try stored(Self.metaNewestDay).flatMap(Day.init(iso:))
            detailFrom = try stored(Self.metaDetailFrom).flatMap(Day.init(iso:))
            batch = try database.lastBatch() + 1
            heldPositions = try stored(Self.metaNextPosition).flatMap { UInt64($0) } ?? 0
            firstPosition = StatePositions.first(batch: batch, held: heldPositions)
            let storedProfiles = try stored(Self.metaProfiles).map { $0 == "on" }
            if storedProfiles == false && profiles && newestDay != nil {
                throw Failure.usage(
                    "the state in \(path) keeps no user profiles (its first run had no --segments or --breakdown-attribute, "
                        + "or it was merged from states not all keeping them), "
                        + "so segments and attribute breakdowns cannot be computed from it: --rebuild with every input and "
                        + "--segments (or --breakdown-attribute) to keep them from now on")
            }
            keepsProfiles = newestDay == nil ? profiles : storedProfiles ?? profiles
            let storedRows = try stored(Self.metaSessionRows).map { $0 == "on" }
            if storedRows == false && sessionRows && newestDay != nil && !merging {
                throw Failure.usage(
                    "the state in \(path) keeps no session rows (its first run had no --sessions-detail), so sessions.csv "
                        + "cannot be written from it: drop --sessions-detail, or --rebuild with every input and --sessions-detail "
                        + "to keep them from now on")
            }
            // A merge keeps the rows only if the target and every state merged into it do (the
            // others' records lose their names as they are read); a report run never drops them.
            if newestDay == nil {
                keepsSessionRows = sessionRows
            } else if merging {
                keepsSessionRows = sessionRows && (storedRows ?? true)
            } else {
                keepsSessionRows = storedRows ?? true
            }
            let storedPlan = try stored(Self.metaPlan)
            if let storedPlan, newestDay != nil {
                let shard = Int(try stored(Self.metaShard) ?? "") ?? -1
                if let plan, plan.id != storedPlan || plan.shard != shard {
                    throw Failure.usage(
                        "the state in \(path) is shard \(shard) of plan \(DisplayPath.text(storedPlan)), not shard \(plan.shard) of plan \(plan.id): "
                            + "give each shard a state folder of its own")
                }
                let shards = Int(try stored(Self.metaShards) ?? "") ?? 0
                self.plan = plan ?? (storedPlan, shard, shards)
            } else if plan != nil && newestDay != nil {
                throw Failure.usage("the state in \(path) is no shard state: give a shard its own new state folder")
            } else {
                self.plan = plan
            }
            partial = try stored(Self.metaPartial)
            positionPlan = try stored(Self.metaPositionPlan)
            mergedShards = MergeParts.PlanShards(plan: try stored(Self.metaMergedPlan) ?? "", text: try stored(Self.metaMergedShards) ?? "")
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unusable("\(error); the state was left as it was")
        }
    }

    /// The first day whose events may still arrive: `horizon` days back from the newest day
    /// held (nil: any day).
    static func horizonStart(newest: Day?, horizon: Int?) -> Day? {
        guard let newest, let horizon else { return nil }
        return newest.advanced(by: -(horizon - 1))
    }

    /// An input of this run and its identity.
    struct Candidate {
        var found: InputDiscovery.Found
        var path: String
        /// Nil until `DeferredHashes` has hashed it, for an input whose size no other input of
        /// the run and none in the ledger has (no other file can hold its bytes).
        var hash: String?
        var size: Int64
        var modified: Int64
        /// Where its bytes are read from (the path's raw bytes: a name need not be UTF-8).
        var file: [UInt8]
        /// The ledger rows (hashes) of its path that its row replaces: readings in part of a
        /// file that has grown since (`readAgain`).
        var replacing: [String] = []
    }

    /// Splits the found inputs into those to read and those the ledger already holds (same
    /// content, under any path). A known path whose content changed is refused.
    func select(
        _ found: [InputDiscovery.Found], threads: Int
    ) throws -> (read: [Candidate], problems: [InputDiscovery.Found], known: [String], rereads: [String]) {
        // Its look-ups in one read transaction (`StateDatabase.reading`).
        do {
            return try database.reading { try selectReading(found, threads: threads) }
        } catch let error as StateError {
            throw Failure.unusable("\(error); the state was left as it was")
        }
    }

    private func selectReading(
        _ found: [InputDiscovery.Found], threads: Int
    ) throws -> (read: [Candidate], problems: [InputDiscovery.Found], known: [String], rereads: [String]) {
        var problems: [InputDiscovery.Found] = []
        var known: [String] = []
        // Known paths read again (`readAgain`), each said.
        var rereads: [String] = []
        // The same path, size and modification time as a ledger row: taken as read without
        // reading its bytes again (as rsync decides), so a night costs nothing per old file.
        // Each file's ledger rows by path are read once: for this check and, hashed, for the
        // changed-file check below.
        var unknown: [(item: InputDiscovery.Found, path: String, file: [UInt8], rows: [LedgerEntry], quick: FileStamp?)] = []
        // Each file's ledger rows by path: the whole ledger read in one query when the run
        // names at least a quarter as many files as it holds (a night over its folder: a
        // query a file took ~30,000 instructions, 5% of a night over 4,400 files), else a
        // query a file. A ledger with no input (a new state's, a shard's on its first run) has
        // no rows to look up (a shard of eight: 589 queries before its first record).
        let ledgerCount = rebuild ? 0 : try ledger { try database.ledgerCount() }
        let rowsByPath = ledgerCount > 0 && found.count * 4 >= ledgerCount ? try ledger { try database.ledgerByPath() } : nil
        func ledgerRows(at path: String) throws -> [LedgerEntry] {
            guard let rowsByPath else { return try ledger { try database.ledgerEntries(path: path) } }
            return rowsByPath[ExactText(path)] ?? []
        }
        // The sizes of the ledger's inputs: a file of another size cannot hold their bytes.
        let ledgerSizes: Set<Int64> =
            if let rowsByPath { Set(rowsByPath.values.joined().lazy.map(\.size)) }
            else if ledgerCount == 0 { [] }
            else { try ledger { try database.ledgerSizes() } }
        // Each file's size and time: the folder walk's (`InputPath.stamp`), else (a file named
        // by a plan) a `stat` on every core.
        let quicks = concurrentMap(count: found.count, threads: threads) { i -> FileStamp? in
            guard case .file(let input) = found[i] else { return nil }
            return input.stamp ?? FileStamp(path: input.bytes)
        }
        for (item, quick) in zip(found, quicks) {
            guard case .file(let input) = item else {
                problems.append(item)
                continue
            }
            let file = input.bytes
            let path = input.display
            var rows: [LedgerEntry] = []
            // A pipe or device (the command line refuses one; this one came otherwise, a plan's
            // file replaced): hashing it first would drain what the batch is to read.
            if quick == nil, let stream = InputDiscovery.streamKind(of: input.bytes) {
                problems.append(.problem(path: path, message: "Unable to read \(path): it is \(stream), whose bytes can be read only once, and a state hashes each input before reading it; not read"))
                continue
            }
            if ledgerCount > 0 {
                let key = Self.ledgerPath(file)
                rows = try ledgerRows(at: key)
                // A state written before 2026-12-05 knows its files by their paths as typed.
                if rows.isEmpty && key != path { rows = try ledgerRows(at: path) }
                if let quick, let same = rows.first(where: { $0.size == quick.size && $0.modified == quick.modifiedMillis }) {
                    known.append("\(path) (read in batch \(same.batch))")
                    continue
                }
            }
            unknown.append((item, path, file, rows, quick))
        }
        // Only a file that could hold the same bytes as another must be hashed before the
        // batch is read: one whose path the ledger knows, or whose size an input in the ledger
        // or another input of this run has. The others are read at once and hashed while they
        // are (`DeferredHashes`): a shard of eight spent ~30 ms hashing its 589 files before
        // its first record.
        var runSizes: [Int64: Int] = [:]
        for entry in unknown { if let quick = entry.quick { runSizes[quick.size, default: 0] += 1 } }
        var read: [Candidate?] = Array(repeating: nil, count: unknown.count)
        var toHash: [Int] = []
        for (index, entry) in unknown.enumerated() {
            if let quick = entry.quick, entry.rows.isEmpty, !ledgerSizes.contains(quick.size), runSizes[quick.size] == 1 {
                read[index] = Candidate(found: entry.item, path: entry.path, hash: nil, size: quick.size, modified: quick.modifiedMillis, file: entry.file)
            } else {
                toHash.append(index)
            }
        }
        // The others hashed on every core (reading stored bytes is cheap next to inflating them).
        let hashes = ContentHash.of(paths: toHash.map { unknown[$0].file }, kind: hashKind, threads: threads)
        var seen: [String: String] = [:]
        for (index, hashed) in zip(toHash, hashes) {
            let (item, path, file, rows, _) = unknown[index]
            let identity: (hash: String, size: Int64, modifiedMillis: Int64)
            switch hashed {
            case .success(let value):
                identity = value
            case .failure(let error):
                problems.append(.problem(path: path, message: "\(error)"))
                continue
            }
            let byContent = rebuild ? nil : try ledger { try database.ledgerEntry(contentHash: identity.hash) }
            // Of several readings of the path (the file grew: `readAgain`), the latest.
            let byPath = byContent == nil ? rows.max(by: { $0.batch < $1.batch }) : nil
            if let entry = byContent {
                // The ledger's path comes from the state file: shown escaped.
                known.append(
                    ExactText(entry.path) == ExactText(path) || ExactText(entry.path) == ExactText(Self.ledgerPath(file))
                        ? "\(path) (read in batch \(entry.batch))"
                        : "\(path) (the same bytes as \(Self.shown(ledgerPath: entry.path)), read in batch \(entry.batch))")
                continue
            }
            let reading = byPath == nil ? nil : Self.readAgain(rows)
            var replacing: [String] = []
            if let entry = byPath, let reading, entry.size < identity.size,
                try ContentHasher().hash(path: file, kind: hashKind, prefix: entry.size) == entry.contentHash
            {
                // A file that grew: its reading stopped at damage (a copy caught half written,
                // the usual cause) or found no record at all, and the bytes it read are where
                // they were, at the file's start. It is read again from its start, and its row
                // replaces the old one. What the earlier reading counted is in the state, and
                // its records come back as copies of themselves (duplicates, as any copy read
                // later: the state keeps their fingerprints), so nothing is counted twice and
                // the night goes on, where until 2026-12-07 it was refused every night until
                // `--rebuild`.
                rereads.append(
                    "\(path) changed since batch \(entry.batch) read it \(reading) (\(entry.size) bytes then, \(identity.size) now): "
                        + "read again from its start"
                        + (rows.contains { $0.events > 0 } ? "; the events read before count as duplicates" : ""))
                replacing = rows.map(\.contentHash)
            } else if let entry = byPath {
                // A file that counted no event (a user CSV, an empty file, a report kept under
                // the folder) has nothing in the state to count twice, but the ledger still
                // knows its path: "its events are in the state" was false for it.
                var why = "\(path) changed since batch \(entry.batch) read it (\(entry.size) bytes then, \(identity.size) now): "
                if let reading {
                    why += "it was read \(reading), but it is not the bytes read then followed by more "
                    why += "(a copy that only grew would be read again); "
                }
                if rows.allSatisfy({ $0.events == 0 }) {
                    why += "it held no event then (\(entry.records) record\(entry.records == 1 ? "" : "s") skipped, rejected or copies), "
                    why += "but a path the state has read is not read again; if it is not an export, move it out of the inputs; "
                    why += "to count what it holds now, rerun with --rebuild and every input"
                } else {
                    why += "its events are in the state already; rerun with --rebuild and every input to count it again"
                }
                throw Failure.refused(why)
            }
            if let first = seen[identity.hash] {
                known.append("\(path) (the same bytes as \(first), in this run)")
                continue
            }
            seen[identity.hash] = path
            read[index] = Candidate(
                found: item, path: path, hash: identity.hash, size: identity.size, modified: identity.modifiedMillis, file: file,
                replacing: replacing)
        }
        // In the order found: the input positions (which copy of a record counts) follow it.
        return (read.compactMap { $0 }, problems, known, rereads)
    }

    /// How the ledger's readings of a path whose bytes changed are described, when they allow
    /// the file to be read again: each one stopped at damage (its status `partial`, or
    /// `failed` after some records) or held no record at all. nil when some reading read a
    /// file to its end and found records: those are in the state, and a changed file is
    /// refused.
    static func readAgain(_ rows: [LedgerEntry]) -> String? {
        guard !rows.isEmpty, rows.allSatisfy({ $0.records == 0 || $0.status != InputReport.Status.ok.rawValue }) else { return nil }
        return rows.allSatisfy { $0.records == 0 } ? "with no record" : "in part"
    }

    /// How this run hashes its inputs: as the ledger it adds to does, or as a new ledger is
    /// when `--rebuild` begins it again.
    var hashKind: ContentHashKind { rebuild ? .current : database.contentHash }

    /// A look-up in the ledger: one that cannot be read is a state that cannot be used (exit
    /// 2), as for its other tables.
    private func ledger<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch {
            throw Failure.unusable("\(error); the state was left as it was")
        }
    }

    /// Hashes the inputs `select` left unhashed, on a thread of its own while the batch is
    /// read; `finish(read:)` waits for it and returns every candidate with its hash.
    final class DeferredHashes: @unchecked Sendable {
        // Unchecked: `candidates` and `failures` are written by the hashing thread before
        // `group` is left, and read only after `finish` has waited for it.
        private var candidates: [Candidate]
        private var failures: [Int: String] = [:]
        private let group = DispatchGroup()

        init(_ candidates: [Candidate], kind: ContentHashKind) {
            self.candidates = candidates
            guard candidates.contains(where: { $0.hash == nil }) else { return }
            DispatchQueue.global().async(group: group) { [self] in
                let hasher = ContentHasher()
                for index in self.candidates.indices where self.candidates[index].hash == nil {
                    let candidate = self.candidates[index]
                    do {
                        let identity = try hasher.hash(path: candidate.file, kind: kind)
                        // The size and time `select` saw: bytes rewritten in between (even to
                        // the same size) are not the bytes that were read.
                        guard identity.size == candidate.size, identity.modifiedMillis == candidate.modified else {
                            failures[index] = "it changed while it was read"
                            continue
                        }
                        self.candidates[index].hash = identity.hash
                    } catch {
                        failures[index] = "\(error)"
                    }
                }
            }
        }

        /// Every candidate, hashed; waits for the hashing thread. A file that could not be
        /// hashed keeps no hash when reading it failed too (it gets no ledger row, and the
        /// next night tries it again, as any failed input); one that was read is refused
        /// (exit 1, nothing committed): its ledger row would not name the bytes read.
        func finish(read inputs: [InputReport]) throws -> [Candidate] {
            group.wait()
            // Whether the batch read anything of `path` (an input that failed with no record
            // gets no ledger row, and the next night tries it again).
            func wasRead(_ path: String) -> Bool {
                inputs.contains { ExactText($0.path) == ExactText(path) && !($0.status == .failed && $0.records == 0) }
            }
            for (index, reason) in failures.sorted(by: { $0.key < $1.key }) {
                let path = candidates[index].path
                let unread = inputs.contains { ExactText($0.path) == ExactText(path) } && !wasRead(path)
                guard unread else {
                    throw Failure.refused("\(path) could not be hashed for the ledger after it was read (\(reason)); nothing was committed: run again")
                }
            }
            // A file that grew or was rewritten while it was read (a copy still being written)
            // was read past, or beside, the bytes its hash names: its ledger row would say the
            // state holds bytes it does not, and the next night would refuse the finished file
            // as changed. Refused the same way (a review found a copy completed during its
            // reading re-read as whole, then refused every later night).
            for candidate in candidates {
                guard let now = FileStamp(path: candidate.file), now.size != candidate.size || now.modifiedMillis != candidate.modified,
                    wasRead(candidate.path)
                else { continue }
                throw Failure.refused(
                    "\(candidate.path) changed while it was read (\(candidate.size) bytes when the run began, \(now.size) now); "
                        + "nothing was committed: run again once it is written")
            }
            return candidates
        }
    }

    /// The first day whose events a batch may hold: the horizon's start, or a later day
    /// where the state's event detail begins (a state merged into it that had dropped its
    /// older days' detail: until 2026-12-07 a batch of such days was taken, its copies not
    /// found and counted twice; a review found it). nil for a state without a horizon.
    var firstAcceptedDay: Day? {
        guard let start = Self.horizonStart(newest: newestDay, horizon: horizon) else { return nil }
        return max(start, detailFrom ?? start)
    }

    /// The inputs holding an event before `firstAcceptedDay`: each named with its oldest day.
    func tooOld(_ inputs: [InputReport], clock: DayClock) -> [String] {
        guard let start = firstAcceptedDay else { return [] }
        var clock = clock
        return inputs.compactMap { input in
            guard input.oldestEventMillis != .max else { return nil }
            let oldest = clock.day(ofMillis: input.oldestEventMillis)
            return oldest < start ? "\(input.location) holds events of \(oldest)" : nil
        }
    }

    /// The ledger rows of this batch's inputs (a file's streams add up to one row), once its
    /// duplicates are taken back. A file that could not be read at all gets none: the next
    /// run tries it again.
    func ledgerRows(_ inputs: [InputReport], read: [Candidate], clock: DayClock) -> [LedgerEntry] {
        var clock = clock
        // By bytes (`ExactText`): two names that differ only in Unicode normalization are two files.
        var byPath: [ExactText: (records: Int, events: Int, oldest: Int64, newest: Int64, status: String)] = [:]
        for input in inputs {
            var row = byPath[ExactText(input.path)] ?? (0, 0, .max, .min, "ok")
            row.records += input.records
            row.events += input.events
            row.oldest = min(row.oldest, input.oldestEventMillis)
            row.newest = max(row.newest, input.newestEventMillis)
            if input.status != .ok { row.status = input.status.rawValue }
            byPath[ExactText(input.path)] = row
        }
        return read.compactMap { candidate in
            let row = byPath[ExactText(candidate.path)]
            if let row, row.status == InputReport.Status.failed.rawValue, row.records == 0 { return nil }
            // (`DeferredHashes.finish` refused any input that was read and has no hash.)
            guard let hash = candidate.hash else { return nil }
            var entry = LedgerEntry(
                contentHash: hash, path: Self.ledgerPath(candidate.file), size: candidate.size, modified: candidate.modified,
                batch: batch, records: row?.records ?? 0, events: row?.events ?? 0,
                firstDay: row.flatMap { $0.oldest == .max ? nil : clock.day(ofMillis: $0.oldest).description },
                lastDay: row.flatMap { $0.newest == .min ? nil : clock.day(ofMillis: $0.newest).description },
                status: row?.status ?? "ok")
            entry.replacing = candidate.replacing
            return entry
        }
    }

    /// The path the ledger knows a file by: `InputPath.absolute` (until 2026-12-05 paths were
    /// kept as typed: a changed file given by another spelling was read again as a new input,
    /// its events counted twice, and a file of another folder under the same relative path,
    /// size and time was skipped unread). A URL (`s3://…`) is kept as it is.
    static func ledgerPath(_ file: String) -> String { ledgerPath(Array(file.utf8)) }

    /// `ledgerPath` of a path given by its raw bytes. A path that is not UTF-8 (a Latin-1
    /// `café.json` from an old archive, or any file under a folder so named, the working
    /// folder included) is kept in its display form (`DisplayPath`: such bytes as `\xNN`, a
    /// backslash doubled) after `notUTF8`, a mark no path of the other kinds begins with (they
    /// begin with `/` or a URL's scheme and `://`): the display form alone could equal the path
    /// of a UTF-8 name that holds a backslash. Until 2026-12-05 such a file could not be read
    /// with `--state` at all (its path was decoded lossily to open it), and a relative path
    /// under such a working folder took its name with U+FFFD (two folders one key).
    static func ledgerPath(_ file: [UInt8]) -> String {
        if InputPath.isURL(file), let text = String(validating: file, as: UTF8.self) { return text }
        let absolute = InputPath.absolute(file)
        return String(validating: absolute, as: UTF8.self) ?? notUTF8 + DisplayPath.text(absolute)
    }

    /// What begins the ledger path of a name that is not UTF-8.
    static let notUTF8 = "bytes:"

    /// A ledger path as messages show it.
    static func shown(ledgerPath key: String) -> String {
        key.hasPrefix(notUTF8) ? String(key.dropFirst(notUTF8.count)) : DisplayPath.text(key)
    }

    func batchEntry(arguments: [String], started: Date) -> BatchEntry {
        BatchEntry(
            number: batch, started: Timestamps.isoSecondsString(started), finished: Timestamps.isoSecondsString(Date()),
            version: AuthStats.version, arguments: arguments.joined(separator: " "))
    }

    /// The newest event day once `analysis` is in.
    func newest(with analysis: Analysis) -> Day? { [newestDay, analysis.accumulator.dayBounds?.last].compactMap { $0 }.max() }

    /// Whether the state, with a batch that brings its newest day to `newest`, holds enough
    /// event detail beyond its horizon to be written whole again.
    func compactionDue(newest: Day?) -> Bool {
        guard let start = Self.horizonStart(newest: newest, horizon: horizon), let detailFrom else { return false }
        return detailFrom.distance(to: start) >= Self.compactionSlack
    }

    /// Appends a batch (`Analysis.StateWrite.batch`) with its ledger rows, in one transaction.
    /// `then` runs last inside the transaction (the report totals, from what the batch wrote).
    func append(
        _ delta: Analysis, ledger: () -> [LedgerEntry], batch entry: BatchEntry, firstPosition: UInt64, options: Options,
        verify: () throws -> Void, then: () throws -> Void = {}
    ) throws {
        let newest = newest(with: delta)
        heldPositions = StatePositions.next(after: delta.inputs, held: heldPositions)
        try database.transaction {
            try delta.save(to: database, .batch(firstPosition: firstPosition))
            try verify()
            for row in ledger() { try database.addLedgerEntry(row) }
            try database.addBatch(entry)
            // A batch of days older than any before (a state without a horizon takes them)
            // keeps their detail too: the detail begins at the older of the two.
            try setMeta(newest: newest, detailFrom: [detailFrom, delta.accumulator.dayBounds?.first].compactMap { $0 }.min(), options: options)
            try then()
        }
    }

    /// The state's `ReportTotals` when they hold its last batch; nil when it keeps none, or
    /// keeps some from before a later batch (`docs/state.md` "Reports without restoring").
    /// Totals that cannot be read (damaged) count as none, with a warning on `console`: they
    /// are only ever a shortcut, and the run keeps new ones after its reports. (A night with
    /// input asks `totalsMayBeCurrent` first and calls this only when they may be current, so
    /// stale totals damaged past their header are not reported then.) A file that SQLite finds
    /// damaged is not read past: that is thrown (a torn copy of a state read on with a warning
    /// gave reports without a whole batch, exit 0).
    func totals(console: Console? = nil) throws -> ReportTotals? {
        do {
            guard let (totals, current) = try Self.storedTotals(in: database), current else { return nil }
            return totals
        } catch let damaged as StateError {
            if case .damaged = damaged { throw damaged }
            console?.warning("the state's report totals cannot be read (\(damaged)): the reports come from the whole state, and the totals are kept again")
            return nil
        } catch {
            console?.warning("the state's report totals cannot be read (\(error)): the reports come from the whole state, and the totals are kept again")
            return nil
        }
    }

    /// Whether the state's report totals are current, from their header alone (a night loads
    /// them beside its other reading once it knows); true when the header cannot be read, so
    /// that `totals` says why.
    func totalsMayBeCurrent() -> Bool {
        do {
            guard let stamp = try ReportTotals.stamp(in: database) else { return false }
            return stamp == (try database.lastBatch())
        } catch {
            return true
        }
    }

    /// The report totals `database` keeps, and whether they are current (stamped with its last
    /// batch); nil when it keeps none, or keeps them in another layout.
    static func storedTotals(in database: StateDatabase) throws -> (totals: ReportTotals, current: Bool)? {
        try ReportTotals.load(from: database).map { ($0.totals, $0.stamp == (try database.lastBatch())) }
    }

    /// Keeps `totals` as the state's, stamped with its last batch, in a transaction of their
    /// own: a run stopped before it commits leaves the older totals, which the next run sees are
    /// stale and does not use.
    func saveTotals(_ totals: ReportTotals) throws {
        try database.transaction { try totals.save(to: database, stamp: try database.lastBatch()) }
    }

    /// Writes the state whole from `analysis` (a first batch, a compaction, a merge), with
    /// these ledger rows and batches, in one transaction. `contentHash`: how the rows' hashes
    /// were made, when other states made them (a merge). `held`: where the positions of
    /// states merged into it end.
    /// `droppedBefore`: the first day of detail of merged states that dropped some (their
    /// events begin earlier): the written state's detail begins no earlier, whatever its horizon.
    func writeWhole(
        _ analysis: Analysis, ledger: () -> [LedgerEntry], contentHash: ContentHashKind? = nil, batches: [BatchEntry], options: Options,
        reported: Bool = true, held: UInt64 = 0, droppedBefore: Day? = nil, verify: () throws -> Void
    ) throws {
        let newest = newest(with: analysis)
        let before = heldPositions
        heldPositions = StatePositions.next(after: analysis.inputs, held: max(heldPositions, held))
        let start = Self.horizonStart(newest: newest, horizon: horizon)
        do {
            try database.rewriting {
                try database.removeAllChunks()
                if rebuild { try database.removeLedger() }
                if let contentHash { try database.adoptContentHash(contentHash) }
                try analysis.save(to: database, .whole(detailFrom: start, reported: reported))
                try verify()
                for row in ledger() { try database.addLedgerEntry(row) }
                for entry in batches { try database.addBatch(entry) }
                // (A merged state that had dropped the detail of its older days keeps that
                // limit in a target whose horizon reaches further back: until 2026-12-07 the
                // target read as keeping everything and took batches and states whose copies
                // it could not find. A target without a horizon takes no such state.)
                try setMeta(
                    newest: newest, detailFrom: [start ?? analysis.accumulator.dayBounds?.first, droppedBefore].compactMap { $0 }.max(),
                    options: options, leftOutCopies: analysis.unlistedLeftOutCopies)
            }
        } catch {
            // Rolled back: the state holds what it held before, and so does this value.
            heldPositions = before
            throw error
        }
    }

    private func setMeta(newest: Day?, detailFrom: Day?, options: Options, leftOutCopies: Int = 0) throws {
        try database.setMeta(Self.metaTimeZone, timeZone)
        try database.setMeta(Self.metaHorizon, horizon.map(String.init) ?? "none")
        try database.setMeta(Self.metaNewestDay, newest?.description ?? "")
        try database.setMeta(Self.metaDetailFrom, detailFrom?.description ?? "")
        try database.setMeta(Self.metaOptions, options.text)
        try database.setMeta(Self.metaProfiles, keepsProfiles ? "on" : "off")
        try database.setMeta(Self.metaSessionRows, keepsSessionRows ? "on" : "off")
        try database.setMeta(Self.metaPlan, plan?.id ?? "")
        try database.setMeta(Self.metaShard, plan.map { String($0.shard) } ?? "")
        try database.setMeta(Self.metaShards, plan.map { String($0.shards) } ?? "")
        try database.setMeta(Self.metaPartial, partial ?? "")
        try database.setMeta(Self.metaNextPosition, String(heldPositions))
        try database.setMeta(Self.metaPositionPlan, positionPlan ?? "")
        try database.setMeta(Self.metaMergedPlan, mergedShards?.plan ?? "")
        try database.setMeta(Self.metaMergedShards, mergedShards?.text ?? "")
        try database.setMeta(Self.metaVersion, AuthStats.version)
        if var shardRuns {
            shardRuns.countAsDuplicates(leftOutCopies: leftOutCopies)
            try shardRuns.save(to: database)
        } else {
            try ShardRuns.clear(in: database)
        }
        if let unreportedReading { try unreportedReading().save(to: database) }
    }

    /// Once the reports that list it are in place: the batches' reading is removed, in a
    /// transaction of its own.
    func markReported() throws {
        try database.transaction { try UnreportedReading.clear(in: database) }
        unreportedReading = nil
    }

    /// `state merge`: the merged analysis written whole, with the other states' ledgers and
    /// batches, their batch numbers moved after this state's.
    func merge(
        _ analysis: Analysis, ledgers: [[LedgerEntry]], contentHash: ContentHashKind, batches: [[BatchEntry]], held: UInt64,
        droppedBefore: Day?, options: Options, verify: () throws -> Void
    ) throws {
        var next = batch
        var ledger: [LedgerEntry] = []
        var renumbered: [BatchEntry] = []
        for (entries, parts) in zip(ledgers, batches) {
            var map: [Int: Int] = [:]
            for part in parts {
                map[part.number] = next
                var moved = part
                moved.number = next
                renumbered.append(moved)
                next += 1
            }
            for var entry in entries {
                entry.batch = map[entry.batch] ?? entry.batch
                ledger.append(entry)
            }
        }
        try writeWhole(
            analysis, ledger: { ledger }, contentHash: contentHash, batches: renumbered, options: options, held: held, droppedBefore: droppedBefore,
            verify: verify)
    }
}

extension NightlyState {
    /// Closes and deletes the state file this run created (nothing committed to it but its
    /// empty tables); the lock file stays, as `StateLock.release` explains.
    func removeNew() {
        database.close()
        for name in [database.path, database.path + "-journal"] { try? FileManager.default.removeItem(atPath: name) }
    }
}
