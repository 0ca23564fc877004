import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import AuthStatsState
import Foundation

/// `report --state DIR`: the nightly run's steps around the usual reading (`docs/state.md`
/// "A batch").
extension ReportCommand {
    /// The options that decide what is counted: a state keeps those it was built with.
    func countingOptions() throws -> NightlyState.Options {
        var clients: [String] = []
        for file in clientFiles {
            // By content, decompressed: the same configuration under another name, or
            // compressed, is the same (for a plain file, the hash of the file as it was until
            // 2026-12-05). Always the fingerprint kind, whatever the state's ledger uses: the
            // options it keeps must not change.
            let (bytes, failure) = ClientFiles.contents(file)
            clients.append(failure == nil ? ContentHash.of(bytes: bytes, kind: .fingerprint) : "unreadable")
        }
        return NightlyState.Options(values: [
            ("--session-timeout", Duration.parseMillis(sessionTimeout).map { "\($0) ms" } ?? sessionTimeout),
            ("--pinpoint-parity", pinpointParity ? "on" : "off"),
            ("--auth-source", authSource.sorted().joined(separator: ",")),
            ("--clients", clients.sorted().joined(separator: ",")),
            ("--by-project", byProject ? "on" : "off"),
        ])
    }

    /// `authstats merge`: this run's options against the states merged, as `openState` checks
    /// them against a state (exit 64 on a difference); it reads nothing but the states.
    func check(_ merging: MergeParts, console: Console) throws {
        func usage(_ message: String) -> ExitCode {
            console.error(message)
            return ExitCode(64)
        }
        if state != nil || plan != nil || !inputs.isEmpty || rebuild || stateHorizon != nil || shard != nil || shardFromEnvironment {
            throw usage(
                "authstats merge reads the states it is given and nothing else: --report-options takes report's options, "
                    + "not inputs, --state, --rebuild, --state-horizon, --plan or --shard")
        }
        let zone = DisplayPath.text(merging.zone)
        if let requested = requestedTimeZone, requested != merging.zone {
            throw usage("the states count days in \(zone), not \(requested): drop --timezone (and AUTHSTATS_TIMEZONE) to use \(zone)")
        }
        let stored = NightlyState.Options(text: merging.options)
        let mine = try countingOptions()
        if stored != mine {
            throw usage(
                "the states were built with other counting options: "
                    + stored.differences(from: mine, mine: "the states'", theirs: "--report-options'").joined(separator: "; ")
                    + ". Give the same ones in --report-options")
        }
        if !merging.profiles && (!segmentFiles.isEmpty || !breakdownAttribute.isEmpty) {
            throw usage(
                "the states keep no user profiles (not every shard run had --segments or --breakdown-attribute), so segments "
                    + "and attribute breakdowns cannot be computed from them: give the shard runs one of them")
        }
        if sessionsDetail && merging.sessionRows.contains(false) {
            throw usage(
                "a state merged keeps no session rows (its first run had no --sessions-detail), so sessions.csv cannot be "
                    + "written from the merge: drop --sessions-detail, or give the shard runs --sessions-detail")
        }
    }

    /// A shard run: the plan, the shard, and its files with their places in the plan's listing
    /// and their sizes as planned.
    typealias ShardRun = (plan: ShardPlan, shard: Int, files: [(path: String, index: Int, size: Int64)])

    /// `--plan` with `--shard` or `--shard-from-env`: the plan, the shard, and its files with
    /// their places in the plan's listing. A plan that cannot be read, or a shard it does not
    /// have, is a usage error (exit 64).
    func loadShard(console: Console) throws -> ShardRun? {
        guard let plan else { return nil }
        do {
            let loaded = try ShardPlan.load(path: plan)
            let index = try shard ?? ShardIndex.fromEnvironment(ProcessInfo.processInfo.environment).shard
            try loaded.check(shard: index)
            let files = loaded.files(ofShard: index)
            console.info("shard \(index) of \(loaded.shards) (plan \(loaded.id)): \(files.count) file\(files.count == 1 ? "" : "s")")
            // A shard writes no reports: the options that only shape them are the merge's,
            // and were taken without a word until 2026-12-07 (a review).
            let reportOnly = ["--out", "--from", "--to", "--no-html", "--strict"].filter(Environment.onCommandLine)
            if !reportOnly.isEmpty {
                console.warning(
                    "\(reportOnly.joined(separator: ", ")): a shard writes no reports, so \(reportOnly.count == 1 ? "it does" : "they do") nothing "
                        + "here; give \(reportOnly.count == 1 ? "it" : "them") to the merge (authstats merge --out DIR --report-options \"…\")")
            }
            return (loaded, index, files)
        } catch {
            console.error("\(error)")
            throw ExitCode(64)
        }
    }

    /// Opens and locks `--state`, when given; a state that cannot be used stops the run with
    /// its exit status (64, 75 or 2) before anything is read.
    func openState(console: Console, profiles: Bool, plan: (id: String, shard: Int, shards: Int)?) throws -> NightlyState? {
        guard let state else { return nil }
        // Reports from the state alone need a state: a mistyped folder made an empty state and
        // empty reports over the real ones, exit 0.
        if inputs.isEmpty && self.plan == nil && !StateDatabase.exists(folder: state) {
            console.error(
                "no state in \(DisplayPath.text(state)) (\(StateDatabase.absence(folder: state))): without INPUT the reports come from the state "
                    + "alone; give the inputs to start a state; nothing written")
            throw ExitCode(2)
        }
        do {
            let nightly = try NightlyState(
                folder: state, timeZone: requestedTimeZone, horizon: stateHorizon ?? (self.plan != nil ? "none" : nil),
                options: try countingOptions(), profiles: profiles, sessionRows: sessionsDetail,
                rebuild: rebuild, plan: plan)
            if let plan, nightly.batch > 1, !rebuild {
                // A shard state is one run's: its counts and rejects (`ShardRuns`) are that run's,
                // and a second batch would replace them with those of the inputs it read again.
                console.error(
                    "\(DisplayPath.text(state)) holds a run of shard \(plan.shard) already: a shard state is made by one run; "
                        + "give a new folder (or --rebuild to read the shard's files again into this one); nothing changed")
                throw ExitCode(64)
            }
            // A zone that is refused now (an offset's minutes past 59, taken until 2026-12-07):
            // the state's days were counted in it, and so are the next ones.
            if !Self.isIANAName(nightly.timeZone) {
                console.warning(
                    "the state in \(DisplayPath.text(state)) counts days in '\(DisplayPath.text(nightly.timeZone))', a time zone authstats now "
                        + "refuses (\(TimeZone(identifier: nightly.timeZone).map { "read as UTC\(Self.offsetText($0.secondsFromGMT()))" } ?? "unknown")): "
                        + "its days go on being counted in it; --rebuild --timezone ZONE recounts them")
            }
            if let newest = nightly.newestDay {
                let start = nightly.firstAcceptedDay
                // What the state holds (the run's batch is numbered only when it commits: a run
                // with no new input commits none, and said "batch 3" of a state of two).
                let held = nightly.batch - 1
                console.info(
                    "state \(DisplayPath.text(state)): \(held) batch\(held == 1 ? "" : "es"), newest day \(newest)"
                        + (start.map { ", event detail from \($0) on" } ?? ""))
            }
            return nightly
        } catch let failure as NightlyState.Failure {
            console.error(failure.description)
            throw ExitCode(failure.exitCode)
        }
    }

    /// Whether this run's reports can be kept as, and come from, the state's `ReportTotals`
    /// (`docs/state.md` "Reports without restoring"): not with user profiles, session rows,
    /// projects or shards, whose reports need more than the totals hold.
    func totalsApply(_ nightly: NightlyState) -> Bool {
        !nightly.keepsProfiles && !nightly.keepsSessionRows && nightly.plan == nil && !byProject && !sessionsDetail
            && segmentFiles.isEmpty && breakdownAttribute.isEmpty
    }

    /// Errors that say the state is damaged (its own format, or SQLite's pages): never taken
    /// for totals that are only out of date.
    static func isDamage(_ error: any Error) -> Bool {
        if error is StateFormatError { return true }
        if case StateError.damaged = error { return true }
        return false
    }

    /// Checks this batch's inputs against the horizon, resolves them against the state's
    /// fingerprints and appends what they add with their ledger rows (one transaction; the
    /// first batch and a rebuild write the state whole, and a compaction follows when due).
    /// Returns the analysis the reports are built from: the whole state restored.
    /// `keeping`: the reading of earlier batches whose reports were never written, and this
    /// batch's kept rejects: committed with it, with its inputs' entries (`UnreportedReading`).
    func addToState(
        _ nightly: NightlyState, _ batch: Analysis, read: [NightlyState.Candidate],
        keeping: (earlier: UnreportedReading?, rejects: [ShardRuns.Reject])?, configuration: Analysis.Configuration,
        rejects: any RejectSink, spill: TemporarySpillStore, directory: UserDirectory, started: Date, console: Console,
        fail: (String) -> ExitCode
    ) throws -> Analysis {
        /// What the batch commits of its reading: the entries of `analysis`' inputs (as its
        /// write leaves them, in input order, as the reports list them) and its rejects, after
        /// the earlier batches' whose reports were never written.
        func unreported(_ analysis: Analysis) -> (() -> UnreportedReading)? {
            keeping.map { keeping in
                {
                    let inputs = Self.tidied(analysis.inputs).sorted { $0.position < $1.position }
                    let own = UnreportedReading(inputs: inputs, rejects: keeping.rejects)
                    return keeping.earlier.map { $0.then(own) } ?? own
                }
            }
        }
        let clock = DayClock(timeZone: configuration.timeZone)
        // In input order (the workers finish them in any): the message is the same every run.
        let old = nightly.tooOld(batch.inputs.sorted { $0.position < $1.position }, clock: clock)
        if !old.isEmpty {
            let start = nightly.firstAcceptedDay!
            let horizonStart = NightlyState.horizonStart(newest: nightly.newestDay, horizon: nightly.horizon)!
            let why =
                start == horizonStart
                ? "(\(nightly.horizon!) days back from \(nightly.newestDay!), its newest day)"
                : "(a state merged into it kept no detail of the days before; its horizon, \(nightly.horizon!) days back from \(nightly.newestDay!), would reach \(horizonStart))"
            // Nothing is committed and no report written: exit 1, as for an input that cannot be read.
            // The first few named, as "already in the state" names them: a sync folder's old
            // files were one line of every one of them (229 files: 29 KB, every night).
            let named = old.prefix(3).joined(separator: "; ") + (old.count > 3 ? "; and \(old.count - 3) more input\(old.count == 4 ? "" : "s")" : "")
            _ = fail(
                named + ": older than the state's horizon, which keeps event detail from \(start) on "
                    + why + ", so duplicates and sessions "
                    + "there could no longer be resolved exactly. Nothing was committed. Rerun with --rebuild and every input "
                    + "to count them, or a longer --state-horizon for a new state.")
            throw ExitCode(1)
        }
        let options = try countingOptions()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let verify = {
            if let failure = spill.readFailure {
                throw NightlyState.Failure.unusable("could not read back what was spilled to the temporary folder (\(failure))")
            }
        }
        // Set once this batch is committed: a failure after it leaves the state with the batch.
        var committed = false
        func failing<R>(_ what: String, _ body: () throws -> R) throws -> R {
            do {
                return try body()
            } catch {
                // Damage found after the commit (a part of the state this night reads only to
                // make its reports) is the state's, not the night's: no later run can read it
                // either (it said the next run would write these reports, a review found).
                let message = "could not \(what) the state in \(DisplayPath.text(nightly.folder)): \(error); "
                    + (!committed
                        ? "it was left as it was"
                        : Self.isDamage(error)
                            ? "this run's inputs were committed to it before the damage was found, and no report was written; "
                                + "no later run can read it either: put back a copy made before the damage (the README's \"Backup\") "
                                + "and run again, or run with --rebuild and every input"
                            : "this run's inputs were committed to it, but no report was written; the next run writes them, these inputs and their rejects listed")
                // Another process holding the file (a backup's `sqlite3` at the wrong moment):
                // run again, as when another authstats holds it (75), not a failure (2).
                let exit = fail(message)
                if case StateError.busy = error { throw ExitCode(75) }
                throw exit
            }
        }
        // Each step's time, in the run's last lines (`--quiet` drops them).
        var mark = Date()
        func step(_ name: String) {
            console.info("state \(DisplayPath.text(nightly.folder)): \(name) in \(Self.seconds(Date(), mark))")
            mark = Date()
        }
        if nightly.isEmpty || rebuild {
            // Nothing to restore: this batch is the whole state, written as it stands; its
            // reports are built from what was written.
            // A shard's state is written even when its shard has no file: the merge must
            // find every shard of the plan.
            if !read.isEmpty || rebuild || nightly.plan != nil {
                // The reports' sessions are built meanwhile, from the same log (not for
                // session rows, which `finishReading` writes as it builds them).
                if nightly.plan == nil && !sessionsDetail { batch.sessionizeAhead() }
                nightly.unreportedReading = unreported(batch)
                try failing("write") {
                    try nightly.writeWhole(
                        batch, ledger: { nightly.ledgerRows(batch.inputs, read: read, clock: clock) },
                        batches: [nightly.batchEntry(arguments: arguments, started: started)], options: options,
                        reported: nightly.plan == nil, verify: verify)
                }
                step("written whole")
            }
            return batch
        }
        // The batch's counts, resolved against the state's fingerprints, are appended; the
        // reports then come from the state's report totals, changed by what the batch's users
        // add, or else from the whole state (written whole again when its event detail runs a
        // week past the horizon).
        func analysis() -> Analysis { Analysis(configuration: configuration, rejects: rejects, spill: spill, directory: directory) }
        // A night that writes the state whole again (its event detail a week past the horizon)
        // restores all of it anyway: it reads no users' part first.
        let compact = !read.isEmpty && nightly.compactionDue(newest: nightly.newest(with: batch))
        let wantsTotals = totalsApply(nightly) && configuration.from == nil && configuration.to == nil && !compact
        var totals: ReportTotals?
        /// The totals cannot be brought up to date after the batch's commit: the reports come
        /// from the whole state, and the next run keeps new totals (these are stale now).
        func giveUpTotals(_ error: any Error) {
            console.warning(
                "could not bring the state's report totals up to date (\(error)): the reports come from the whole state, "
                    + "and the totals are kept again after them")
            totals = nil
        }
        let inputs: [InputReport]
        if !read.isEmpty {
            // The state's fingerprints that could be copies of the batch's records, and (with
            // totals) the totals and the batch's users' activity, users and session events, read
            // at once on two connections (a night: 0.19 → 0.12 s): the totals, the fingerprints
            // of the batch's days and the users' activity on one, their session events (the
            // largest stream) on the other. Whether the totals are current is read from their
            // header first; loaded alone, before the rest, they were ~9 ms of a night on one core.
            let delta = analysis()
            let users = analysis()
            let current = wantsTotals && nightly.totalsMayBeCurrent()
            var ends = current ? try failing("read") { try Analysis.UserStreamEnds(of: nightly.database) } : nil
            try failing("read") {
                let restoreDelta = {
                    try delta.restore(from: nightly.database, for: .batch, sessionRows: nightly.keepsSessionRows, batch: batch)
                }
                guard current else { return try restoreDelta() }
                guard let second = try nightly.database.concurrentReader() else {
                    totals = try nightly.totals(console: console)
                    try restoreDelta()
                    if totals != nil { try users.restoreUsers(of: batch, from: nightly.database) }
                    return
                }
                try bothAtOnce(
                    {
                        totals = try nightly.totals(console: console)
                        try restoreDelta()
                        if totals != nil { try users.restoreUserActivity(of: batch, from: nightly.database) }
                    },
                    // Read even if the totals turn out unreadable (a warning; the users' part is
                    // then not used).
                    { try users.restoreUserSessions(of: batch, from: second) })
            }
            if totals == nil { ends = nil }
            delta.merge(batch)
            step("batch resolved against the state" + (totals != nil ? ", its users read" : ""))
            // The stretch of days the totals cover once the batch is in.
            let axis = totals.map { stored in delta.accumulator.dayBounds.map { stored.axis.union(ReportTotals.axis(of: $0)) } ?? stored.axis }
            // What the batch's users added before it, then with it (their events read from the
            // state above, then the chunks the batch appends).
            let before = axis.map { users.userTotals(axis: $0) }
            // The totals change in the batch's own transaction: what the batch wrote for its
            // users is read back through the same connection before the commit, so the state
            // never holds the batch without its totals (one commit, one sync).
            nightly.unreportedReading = unreported(delta)
            try failing("write") {
                try nightly.append(
                    delta, ledger: { nightly.ledgerRows(delta.inputs, read: read, clock: clock) },
                    batch: nightly.batchEntry(arguments: arguments, started: started), firstPosition: configuration.firstPosition,
                    options: options, verify: verify
                ) {
                    guard let axis, let before, let ends else { return }
                    let after: ReportTotals
                    do {
                        try users.restoreUsers(of: batch, from: nightly.database, after: ends)
                        after = users.userTotals(axis: axis)
                        // Not from a spilled run read back short (building them reads the runs).
                        try verify()
                    } catch where Self.isDamage(error) || error is StateError {
                        // What this transaction just wrote reads back damaged, or SQLite failed
                        // (a full disk: it has rolled the transaction back, and the commit would
                        // only say "no transaction is active"): nothing is committed, and the
                        // run says why.
                        throw error
                    } catch {
                        // Left as they were: stale once the batch commits, so not used again.
                        return giveUpTotals(error)
                    }
                    totals!.add(before, sign: -1)
                    totals!.add(after, sign: 1)
                    // A write that fails here fails the batch's transaction (nothing committed;
                    // the run stops as for any write to the state that fails).
                    try totals!.save(to: nightly.database, stamp: try nightly.database.lastBatch())
                }
            }
            step(totals != nil ? "batch appended, report totals updated from its users" : "batch appended")
            committed = true
            inputs = delta.inputs
        } else {
            inputs = batch.inputs
            totals = wantsTotals ? try failing("read") { try nightly.totals(console: console) } : nil
        }
        if let current = totals {
            let counts = analysis()
            do {
                try counts.restoreCounts(from: nightly.database)
                // Totals that do not cover the days with data are not the state's (never
                // written so; checked rather than trusted).
                if let data = counts.accumulator.dayBounds, !(current.axis.first <= data.first && current.axis.last >= data.last) {
                    throw NightlyState.Failure.unusable("they cover \(current.axis.first) to \(current.axis.last), the data \(data.first) to \(data.last)")
                }
                counts.adoptInputs(inputs)
                counts.useTotals(current)
                step("restored counts")
                return counts
            } catch where Self.isDamage(error) {
                _ = try failing("read") { throw error }
            } catch {
                giveUpTotals(error)
            }
        }
        let whole = analysis()
        try failing("read") { try whole.restore(from: nightly.database, for: compact ? .everything : .reports, sessionRows: nightly.keepsSessionRows) }
        step("restored")
        if compact {
            do {
                try nightly.writeWhole(whole, ledger: { [] }, batches: [], options: options, verify: verify)
                step("written whole (event detail past the horizon dropped)")
            } catch where !Self.isDamage(error) && !(error is NightlyState.Failure) {
                // The batch is committed; the compaction only drops detail the reports do not
                // need, in a transaction of its own, rolled back. A full disk then left the
                // night committed, exit 2 and no report (a review found): the reports come from
                // the state as committed, read again (this analysis was handed to the write),
                // and a later night compacts it.
                if case StateError.busy = error { _ = try failing("write") { throw error } }
                console.warningAlways(
                    "could not write the state in \(DisplayPath.text(nightly.folder)) whole to drop its event detail past the "
                        + "horizon (\(error)): this night's batch is committed and the reports are written; a later night drops it")
                let again = analysis()
                try failing("read") { try again.restore(from: nightly.database, for: .reports, sessionRows: nightly.keepsSessionRows) }
                again.adoptInputs(inputs)
                return again
            }
        }
        whole.adoptInputs(inputs)
        return whole
    }
}

/// The `--clients` files' decompressed bytes, read once a process: the state's options hash
/// them, then `loadClients` reads them, and a FIFO (`--clients <(…)`) gives its bytes once
/// (the second read found it empty and refused it, a review found).
enum ClientFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var read: [String: (bytes: [UInt8], error: String?)] = [:]

    static func contents(_ path: String) -> (bytes: [UInt8], error: String?) {
        lock.lock()
        defer { lock.unlock() }
        if let known = read[path] { return known }
        let result = DecompressedFile.read(path: path, limit: CheckConfigCommand.readLimit)
        read[path] = result
        return result
    }
}

extension ReportCommand {
    /// `+06:15`, `-05:00`: an offset from UTC in seconds, as an offset zone is written.
    static func offsetText(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
