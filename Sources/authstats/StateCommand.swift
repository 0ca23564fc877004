import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import AuthStatsState
import Foundation

/// `authstats state`: look into a nightly state, or fold states into one (`docs/state.md`).
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Inspect nightly states (report --state) or merge them into one.",
        subcommands: [Info.self, Merge.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "What a state holds: inputs, days, users, horizon, time zone, size, schema version.",
            discussion: "Exit status: 0 printed; 2 the folder holds no state, or not one this authstats reads.")

        @Option(name: .long, help: ArgumentHelp("The state folder.", valueName: "dir"))
        var state: String

        @Option(name: .long, help: ArgumentHelp("text or json.", valueName: "format"))
        var format: Format = .text

        func validate() throws { try PathArguments.refuseEmpty([("--state", [state])]) }

        func run() throws {
            let console = Console(quiet: false)
            guard StateDatabase.exists(folder: state) else {
                console.error("no state in \(DisplayPath.text(state)) (\(StateDatabase.absence(folder: state)))")
                throw ExitCode(2)
            }
            let fields: [(String, String, Bool)]  // name, value, is a number (JSON)
            do {
                let database = try StateDatabase.open(folder: state, create: false)
                defer { database.close() }
                let summary = try StateSummary.read(database, sessionRows: database.meta(NightlyState.metaSessionRows) != "off")
                // Every chunk, checked (exit 2 naming a damaged one); the report totals apart, as
                // below: the next run builds them again.
                let names = try database.streamNames()
                try StateSummary.checkEveryChunk(database, names: names.filter { $0 != ReportTotals.stream })
                let ledger = try database.ledger()
                let batches = try database.batches()
                let bytes = try database.chunkBytes().reduce(into: [String: Int]()) { $0[Analysis.table(ofStream: $1.key), default: 0] += $1.value }
                func meta(_ name: String) throws -> String { try database.meta(name) ?? "" }
                // Report totals (docs/state.md "Reports without restoring"): current when they
                // hold the last batch; a night with stale ones reads the whole state and keeps
                // them again.
                let totals: String?
                do {
                    let stored = try NightlyState.storedTotals(in: database).map { $0.current ? "current" : "stale" }
                    try StateSummary.checkEveryChunk(database, names: names.filter { $0 == ReportTotals.stream })
                    totals = stored
                } catch let damaged as StateFormatError {
                    // Recomputed by the next run, so not fatal here either.
                    totals = "damaged (\(damaged.description))"
                }
                fields = [
                    ("folder", DisplayPath.text(state), false),
                    ("schema_version", "\(StateDatabase.schemaVersion)", true),
                    // `serial` until a state made before version 3 is next written whole.
                    ("chunk_check", database.chunkCheck.rawValue, false),
                    // `fingerprint` until a state made before version 4 has its ledger begun again.
                    ("content_hash", database.contentHash.rawValue, false),
                    ("authstats_version", try meta(NightlyState.metaVersion), false),
                    ("timezone", try meta(NightlyState.metaTimeZone), false),
                    ("horizon_days", try meta(NightlyState.metaHorizon), Int(try meta(NightlyState.metaHorizon)) != nil),
                    ("newest_day", try meta(NightlyState.metaNewestDay), false),
                    ("user_profiles", try meta(NightlyState.metaProfiles), false),
                    // A state made before the choice existed keeps them.
                    ("session_rows", try meta(NightlyState.metaSessionRows).isEmpty ? "on" : try meta(NightlyState.metaSessionRows), false),
                    ("batches", "\(batches.count)", true),
                    ("last_batch_finished", batches.last?.finished ?? "", false),
                    ("inputs", "\(ledger.count)", true),
                    ("input_bytes", "\(ledger.reduce(Int64(0)) { $0 + $1.size })", true),
                    ("events", "\(summary.events)", true),
                    ("duplicates", "\(summary.duplicates)", true),
                    ("users", "\(summary.users)", true),
                    ("days", "\(summary.days)", true),
                    ("first_day", summary.firstDay?.description ?? "", false),
                    ("last_day", summary.lastDay?.description ?? "", false),
                    ("fingerprints_in_horizon", "\(summary.fingerprints)", true),
                    ("session_events_in_horizon", "\(summary.sessionEvents)", true),
                    ("frozen_sessions", "\(summary.frozenSessions)", true),
                    ("report_totals", totals ?? "none", false),
                    // What the shard runs behind the state's last batch read (a shard's, a merge
                    // of shards'): what its reports count as read; empty after a nightly batch.
                    ("shard_runs", try meta(ShardRuns.metaName), false),
                    // Inputs of batches whose reports were never written: the next run lists them.
                    ("unreported_inputs", "\(try UnreportedReading.load(from: database)?.inputs.count ?? 0)", true),
                    ("projects", "\(summary.projects.count)", true),
                    ("file_bytes", "\(try database.fileBytes())", true),
                ] + bytes.keys.sorted().map { ("bytes_\($0)", "\(bytes[$0]!)", true) }
            } catch {
                console.error("\(error)")
                throw ExitCode(2)
            }
            switch format {
            case .text:
                let width = fields.map(\.0.count).max() ?? 0
                for (name, value, _) in fields {
                    // Values read from the state are shown escaped (`DisplayPath`): it may not be authstats's.
                    print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (value.isEmpty ? "-" : DisplayPath.text(value)))
                }
            case .json:
                let body = fields.map { name, value, number in
                    "  \"\(name)\": " + (number ? value : (value.isEmpty ? "null" : JSONText.quote(value)))
                }
                print("{\n" + body.joined(separator: ",\n") + "\n}")
            }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Fold other states into one: the result equals a state built from all their inputs.",
            discussion: """
                The states must count days in the same time zone, with the same counting options \
                (session timeout, --clients, --by-project, --pinpoint-parity, --auth-source), and \
                hold no input in common (an input in two of them is refused, named). A state kept \
                without a horizon (a shard's, --state-horizon none) merges into any; the result \
                keeps the horizon of an existing --into; a new one takes --state-horizon, else the \
                shortest horizon of the states merged (35 days when none has one), or none when \
                --allow-missing leaves shards of its plan out (so that they can be merged in later). A state whose \
                events meet another's days before that one's horizon is refused, naming both. \
                The result keeps session rows (for sessions.csv) only if every state merged, and \
                an existing --into, keeps them: their first runs had --sessions-detail. Of two \
                copies of one record in different states, the merge keeps the one a run over the \
                inputs of --into, then of each state in the order given, would keep (the shards \
                of one plan: the plan's order).

                Exit status: 0 merged; 1 refused (nothing changed); 2 a state cannot be read; \
                64 bad usage; 75 a state is in use by another run.
                """)

        @Option(name: .long, help: ArgumentHelp("The state to merge into (created if missing).", valueName: "dir"))
        var into: String

        @Argument(help: ArgumentHelp("The states to fold in.", valueName: "state"))
        var others: [String] = []

        @Option(name: .customLong("states-from"), help: ArgumentHelp(
            "A file listing more states to fold in, one path a line (- for standard input), after those given as arguments: for more shards than a command line holds.",
            valueName: "file"))
        var statesFrom: String?

        @Option(name: .customLong("state-horizon"), help: ArgumentHelp("The horizon of a new --into state: days, or none.", valueName: "days"))
        var stateHorizon: String?

        @Flag(name: .long, help: "Merge the shard states of a plan even when some shards are missing: reports from the result are marked partial in summary.json (exit 1).")
        var allowMissing = false

        @Option(name: .customLong("jobs"), help: ArgumentHelp(
            "States read at once, on as many threads (default: the cores, or AUTHSTATS_JOBS); the result is the same for any number.",
            valueName: "n"))
        var jobsGiven: Int?
        var jobs: Int { jobsGiven ?? ((try? Environment.jobs.get()) ?? nil) ?? OptionLimits.defaultJobs }

        @Flag(name: [.long, .short], help: "Print only errors (not the line saying what was merged).")
        var quiet = false

        func validate() throws {
            if jobsGiven == nil { _ = try Environment.jobs.get() }
            guard !others.isEmpty || statesFrom != nil else {
                throw ValidationError("Give the states to merge: state merge --into DIR OTHER… (or --states-from FILE)")
            }
            try PathArguments.refuseEmpty([("--into", [into]), ("a state", others), ("--states-from", statesFrom.map { [$0] } ?? [])])
            try OptionLimits.check(jobs: jobs)
            if let problem = stateHorizon.flatMap(NightlyState.horizonProblem) { throw ValidationError(problem) }
        }

        func run() throws {
            Allocator.keepLargeBuffersApart()
            let console = Console(quiet: quiet)
            let states = try PathArguments.states(others, listedIn: statesFrom, usage: "state merge --into DIR OTHER…", console: console)
            do {
                try merge(states, console: console)
            } catch let failure as NightlyState.Failure {
                console.error(failure.description)
                throw ExitCode(failure.exitCode)
            }
        }

        private func merge(_ others: [String], console: Console) throws {
            var opened = try MergeParts.open(others, allowMissing: allowMissing, into: into)
            let counting = NightlyState.Options(text: opened.options)
            var horizons = Set<String>()
            for part in opened.parts { horizons.insert(try MergeParts.meta(part, NightlyState.metaHorizon)) }
            horizons.remove("none")
            // An existing --into keeps its horizon; a new one takes --state-horizon, else the
            // shortest of the states merged (35 days when all are shards' "none").
            let newTarget = !StateDatabase.exists(folder: into)
            let shortest = horizons.compactMap { Int($0) }.min().map(String.init)
            // A new state that --allow-missing leaves without some shards of its plan keeps all
            // its detail (no horizon) unless told: the missing shards merged in later may hold
            // any day, and with the shortest horizon a reprocessing of more than 35 days could
            // not be completed (a review, 2026-12-07).
            let awaitsShards = newTarget && stateHorizon == nil && opened.planShards.map { $0.present.count < $0.shards } == true
            // (Said with --allow-missing only: without it, the merge is refused below.)
            if awaitsShards && allowMissing {
                console.info(
                    "\(DisplayPath.text(into)) is kept without a horizon, so that the missing shards can be merged into it later "
                        + "(--state-horizon DAYS to choose one)")
            }
            let target = try NightlyState(
                folder: into, timeZone: opened.zone.isEmpty ? nil : opened.zone,
                horizon: stateHorizon ?? (awaitsShards ? "none" : newTarget ? shortest : nil),
                options: counting, profiles: opened.profiles, sessionRows: !opened.sessionRows.contains(false), rebuild: false,
                merging: true)
            // A new --into that the merge does not fill (a state found damaged as it is read, a
            // write that fails) is removed again: no empty state is left that a later run would
            // take for a merged one. New means made by this run, under its lock (`newTarget`
            // was looked at before the lock: another run may have made the state since).
            let made = target.database.created
            var committed = false
            defer { if made && !committed { target.removeNew() } }
            // A target's session rows are not dropped for good by a merge: that is a rebuild's choice.
            let targetRows = try MergeParts.meta((into, target.lock, target.database), NightlyState.metaSessionRows) != "off"
            if !target.isEmpty && targetRows, let without = opened.sessionRows.firstIndex(of: false) {
                throw NightlyState.Failure.refused(
                    "\(DisplayPath.text(into)) keeps session rows and \(DisplayPath.text(opened.parts[without].folder)) "
                        + "does not (its first run had no --sessions-detail): merged, the rows would cover some inputs only; nothing changed")
            }
            if !target.isEmpty && target.keepsProfiles != opened.profiles {
                throw NightlyState.Failure.refused(
                    "\(DisplayPath.text(into)) \(target.keepsProfiles ? "keeps" : "keeps no") user profiles and the others "
                        + "\(opened.profiles ? "do" : "do not all"): the merged profiles would cover some inputs only; nothing changed")
            }
            // Into a new (or empty) state, profiles that only some states keep are dropped:
            // said, since a later --segments on the result is then refused.
            if !opened.profiles, let with = opened.partProfiles.firstIndex(of: true), let without = opened.partProfiles.firstIndex(of: false) {
                console.warning(
                    "\(DisplayPath.text(opened.parts[with].folder)) keeps user profiles and \(DisplayPath.text(opened.parts[without].folder)) "
                        + "does not (its first run had no --segments or --breakdown-attribute): the merged state keeps none, so --segments "
                        + "or --breakdown-attribute on it needs --rebuild with every input")
            }
            var mergedHash = ContentHashKind.current
            // Where the merged state's event detail begins: the latest such day of a state
            // that dropped detail before it (`Span.dropsBefore`); nil when none did.
            var droppedBefore = opened.spans.compactMap(\.dropsBefore).max()
            // A state without a horizon keeps every event's detail, which is what lets it merge
            // with any state and take inputs of any day: it cannot hold one that dropped some.
            if target.horizon == nil, let (name, day) = opened.spans.lazy.compactMap({ span in span.dropsBefore.map { (span.name, $0) } }).first {
                throw NightlyState.Failure.refused(
                    "\(name) keeps event detail only from \(day) on (its horizon), and \(DisplayPath.text(into)) is kept without a "
                        + "horizon, which holds all of its events' detail: merge into a state with a horizon, or build one state from all "
                        + "the inputs; nothing changed")
            }
            do {
                let ledger = try target.database.ledger()
                // A target whose ledger has rows (a state with events, or one that read only
                // inputs without any) must hash as the others that hold inputs do: its rows are kept.
                if !ledger.isEmpty, let parts = opened.contentHash, target.database.contentHash != parts.kind {
                    throw MergeParts.differentHashes(DisplayPath.text(into), target.database.contentHash, parts.state, parts.kind)
                }
                // The merged ledger's kind: the parts' when they hold inputs, else the target's
                // own when it does, else a new ledger's.
                mergedHash = opened.contentHash?.kind ?? (ledger.isEmpty ? .current : target.database.contentHash)
                for entry in ledger {
                    if let other = opened.owner[entry.contentHash] {
                        throw MergeParts.inBoth(other.path, "\(DisplayPath.text(into)) (as \(NightlyState.shown(ledgerPath: entry.path)))", other.state)
                    }
                }
                if !target.isEmpty {
                    let span = MergeParts.Span(
                        name: DisplayPath.text(into), ledger: ledger, detailFrom: target.detailFrom?.description ?? "",
                        horizon: target.horizon.map(String.init) ?? "none")
                    try MergeParts.checkDetail([span] + opened.spans, timeoutMillis: opened.timeoutMillis)
                    droppedBefore = [droppedBefore, span.dropsBefore].compactMap { $0 }.max()
                }
            } catch let failure as NightlyState.Failure {
                throw failure
            } catch {
                throw NightlyState.Failure.unusable("\(error)")
            }
            // The shards of the plan the target holds already count (the rest of a plan merged
            // into the result of an earlier --allow-missing merge completes it).
            do {
                let targetShards = target.isEmpty ? nil : try MergeParts.PlanShards.held(by: target.database)
                let completed = try opened.partial(after: targetShards, targetPartial: target.partial, allowMissing: allowMissing)
                target.partial = completed.partial
                target.mergedShards = completed.held
            } catch let failure as NightlyState.Failure {
                throw failure
            } catch {
                throw NightlyState.Failure.unusable("\(error)")
            }
            guard var configuration = Analysis.Configuration(timeZone: target.timeZone) else {
                throw NightlyState.Failure.unusable("unknown time zone \(DisplayPath.text(target.timeZone)) in the states")
            }
            configuration.sessionTimeoutMillis = opened.timeoutMillis ?? configuration.sessionTimeoutMillis
            configuration.byProject = counting.values.contains { $0.name == "--by-project" && $0.value == "on" }
            configuration.profiles.collect = target.keepsProfiles
            configuration.sessionRows = target.keepsSessionRows
            configuration.keepsAllDays = true
            let spill = TemporarySpillStore()
            defer { TemporaryFolders.shared.removeAll() }
            let discard = DiscardedRejects()
            let whole = Analysis(configuration: configuration, rejects: discard, spill: spill)
            do {
                try whole.restore(from: target.database, sessionRows: target.database.meta(NightlyState.metaSessionRows) != "off")
            } catch {
                throw NightlyState.Failure.unusable("could not read the state in \(DisplayPath.text(into)): \(error); nothing changed")
            }
            // The others' positions after the target's, unless they are numbered by a plan
            // whose shards it holds already (`PositionSpaces`).
            do {
                try opened.place(after: target.isEmpty ? nil : MergeParts.positions(of: target.database))
            } catch let failure as NightlyState.Failure {
                throw failure
            } catch {
                throw NightlyState.Failure.unusable("\(error)")
            }
            try opened.restore(into: whole, rejects: discard, spill: spill, jobs: jobs)
            // What the shard runs read, kept for the merged state's reports (the merge is its
            // batch): the parts', added to the target's own only when they are the rest of the
            // plan whose shards it holds (an --allow-missing merge completed).
            do {
                let targetShards = target.isEmpty ? nil : try MergeParts.PlanShards.held(by: target.database)
                if let targetShards, targetShards.plan == opened.planShards?.plan {
                    target.shardRuns = try ShardRuns.load(from: target.database).flatMap { try opened.shardRuns(after: $0) }
                } else {
                    target.shardRuns = try opened.shardRuns()
                }
                // Inputs whose reports were never written, the target's and the states': listed
                // by the merged state's next run.
                let unreported = try opened.unreported(after: try UnreportedReading.load(from: target.database))
                target.unreportedReading = unreported.map { reading in { reading } }
            } catch {
                throw NightlyState.Failure.unusable("could not read what the shard runs kept: \(error); nothing changed")
            }
            // The merged state's next batch comes after every input of every part.
            let held = opened.placed.end
            target.positionPlan = opened.placed.plan
            do {
                try target.merge(
                    whole, ledgers: opened.ledgers, contentHash: mergedHash, batches: opened.parts.map { try $0.database.batches() }, held: held,
                    droppedBefore: droppedBefore, options: counting
                ) {
                    if let failure = spill.readFailure { throw NightlyState.Failure.unusable("could not read back what was spilled to the temporary folder: \(failure)") }
                }
            } catch {
                throw NightlyState.Failure.unusable(
                    "could not write \(DisplayPath.text(into)): \(error); " + (made ? "the new state was removed" : "it was left as it was"))
            }
            committed = true
            let rejected = target.shardRuns.map { $0.rejected > 0 ? ", \($0.rejected) records rejected by the shard runs (in the reports' rejects.ndjson)" : "" } ?? ""
            // An --allow-missing merge says what it lacks (its reports are partial until then).
            let lacking = target.partial.map { "; partial: \($0)" } ?? ""
            console.info(
                "merged \(opened.parts.count) state\(opened.parts.count == 1 ? "" : "s") into \(DisplayPath.text(into)): \(whole.accumulator.events) events\(rejected)\(lacking)")
        }
    }
}

/// Rejects of a run that reads no record (a merge).
final class DiscardedRejects: RejectSink, @unchecked Sendable {
    func reject(_ record: RejectedRecord) {}
}
