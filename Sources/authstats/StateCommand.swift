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
            abstract: "What a state holds: inputs, days, users, horizon, time zone, size, schema version.",
            discussion: "Exit status: 0 printed; 2 the folder holds no state, or not one this authstats reads.")

        @Option(name: .long, help: ArgumentHelp("The state folder.", valueName: "dir"))
        var state: String

        @Option(name: .long, help: ArgumentHelp("text or json.", valueName: "format"))
        var format: Format = .text

        func run() throws {
            let console = Console(quiet: false)
            guard StateDatabase.exists(folder: state) else {
                console.error("no state in \(DisplayPath.text(state)) (no \(StateDatabase.fileName))")
                throw ExitCode(2)
            }
            let fields: [(String, String, Bool)]  // name, value, is a number (JSON)
            do {
                let database = try StateDatabase.open(folder: state, create: false)
                defer { database.close() }
                let summary = try StateSummary.read(database, sessionRows: database.meta(NightlyState.metaSessionRows) != "off")
                let ledger = try database.ledger()
                let batches = try database.batches()
                let bytes = try database.chunkBytes()
                func meta(_ name: String) throws -> String { try database.meta(name) ?? "" }
                fields = [
                    ("folder", DisplayPath.text(state), false),
                    ("schema_version", "\(StateDatabase.schemaVersion)", true),
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
            abstract: "Fold other states into one: the result equals a state built from all their inputs.",
            discussion: """
                The states must count days in the same time zone, with the same counting options \
                (session timeout, --clients, --by-project, --pinpoint-parity, --auth-source), and \
                hold no input in common (an input in two of them is refused, named). A state kept \
                without a horizon (a shard's, --state-horizon none) merges into any; the result \
                keeps the horizon of an existing --into; a new one takes --state-horizon, else the \
                shortest horizon of the states merged (35 days when none has one). A state whose \
                events meet another's days before that one's horizon is refused, naming both.

                Exit status: 0 merged; 1 refused (nothing changed); 2 a state cannot be read; \
                64 bad usage; 75 a state is in use by another run.
                """)

        @Option(name: .long, help: ArgumentHelp("The state to merge into (created if missing).", valueName: "dir"))
        var into: String

        @Argument(help: ArgumentHelp("The states to fold in.", valueName: "state"))
        var others: [String]

        @Option(name: .customLong("state-horizon"), help: ArgumentHelp("The horizon of a new --into state: days, or none.", valueName: "days"))
        var stateHorizon: String?

        @Flag(name: .long, help: "Merge the shard states of a plan even when some shards are missing: reports from the result are marked partial in summary.json (exit 1).")
        var allowMissing = false

        func validate() throws {
            guard !others.isEmpty else { throw ValidationError("Give the states to merge: state merge --into DIR OTHER…") }
            if let problem = stateHorizon.flatMap(NightlyState.horizonProblem) { throw ValidationError(problem) }
        }

        func run() throws {
            let console = Console(quiet: false)
            do {
                try merge(console: console)
            } catch let failure as NightlyState.Failure {
                console.error(failure.description)
                throw ExitCode(failure.exitCode)
            }
        }

        /// Shard states (`report --plan`) merge only with shards of the same plan, and all of
        /// them unless `--allow-missing`; returns what is missing then.
        private func checkShards(_ parts: [(name: String, database: StateDatabase)]) throws -> String? {
            var plans: [(name: String, plan: String, shard: Int, shards: Int)] = []
            for (name, database) in parts {
                do {
                    let plan = try database.meta(NightlyState.metaPlan) ?? ""
                    let shard = Int(try database.meta(NightlyState.metaShard) ?? "") ?? -1
                    let shards = Int(try database.meta(NightlyState.metaShards) ?? "") ?? 0
                    plans.append((name, DisplayPath.text(plan), shard, shards))
                } catch {
                    throw NightlyState.Failure.unusable("\(error)")
                }
            }
            let shardStates = plans.filter { !$0.plan.isEmpty }
            guard let first = shardStates.first else { return nil }
            if let other = plans.first(where: { $0.plan != first.plan }) {
                throw NightlyState.Failure.refused(
                    "\(first.name) is shard \(first.shard) of plan \(first.plan), "
                        + (other.plan.isEmpty ? "\(other.name) is no shard state" : "\(other.name) is shard \(other.shard) of plan \(other.plan)")
                        + ": only the shard states of one plan merge; nothing changed")
            }
            let missing = Set(0..<first.shards).subtracting(shardStates.map(\.shard)).sorted()
            guard !missing.isEmpty else { return nil }
            let list = missing.count == 1 ? "shard \(missing[0])" : "shards " + missing.map(String.init).joined(separator: ", ")
            let text = "\(list) of \(first.shards) (plan \(first.plan)) missing"
            guard allowMissing else {
                throw NightlyState.Failure.refused("\(text): give every shard's state, or --allow-missing to merge without (the reports are then marked partial); nothing changed")
            }
            return text
        }

        /// The days of a state's events and where its event detail begins.
        struct Span {
            var name: String
            var first: Day?
            var last: Day?
            /// The first day with fingerprints and session events (`NightlyState.metaDetailFrom`).
            var detailFrom: Day?

            init(name: String, ledger: [LedgerEntry], detailFrom: String) {
                self.name = name
                first = ledger.compactMap { $0.firstDay.flatMap(Day.init(iso:)) }.min()
                last = ledger.compactMap { $0.lastDay.flatMap(Day.init(iso:)) }.max()
                self.detailFrom = Day(iso: detailFrom)
            }
        }

        /// A state past whose horizon another state's events lie cannot be merged exactly: it
        /// dropped the fingerprints and froze the sessions of its days before `detailFrom`, so a
        /// copy or a session neighbour of those events in the other state would go unseen (a
        /// batch refuses such an input as older than its horizon). States whose events lie
        /// apart, more than the session timeout and a day, merge whatever their horizons.
        static func checkDetail(_ spans: [Span], timeoutMillis: Int64?) throws {
            let dayMillis: Int64 = 86_400_000
            let margin = Int(((timeoutMillis ?? 30 * 60_000) + dayMillis - 1) / dayMillis) + 1
            for kept in spans {
                guard let detailFrom = kept.detailFrom, let keptFirst = kept.first, keptFirst < detailFrom else { continue }
                for other in spans where other.name != kept.name {
                    guard let first = other.first, let last = other.last else { continue }
                    if first < detailFrom && last.advanced(by: margin) >= keptFirst {
                        throw NightlyState.Failure.refused(
                            "\(other.name) holds events from \(first) to \(last), and \(kept.name) keeps event detail only from "
                                + "\(detailFrom) on (its horizon), so their copies and sessions before that could not be matched: "
                                + "merge states whose days meet only within each one's horizon, or build one state from all the inputs; "
                                + "nothing changed")
                    }
                }
            }
        }

        private func merge(console: Console) throws {
            // Every state is locked for the whole merge: none changes under it.
            var parts: [(folder: String, lock: StateLock, database: StateDatabase)] = []
            for folder in others {
                guard StateDatabase.exists(folder: folder) else {
                    throw NightlyState.Failure.unusable("no state in \(DisplayPath.text(folder)) (no \(StateDatabase.fileName))")
                }
                do {
                    let lock = try StateLock.acquire(folder: folder)
                    parts.append((folder, lock, try StateDatabase.open(folder: folder, create: false)))
                } catch let error as StateError {
                    if case .busy = error { throw NightlyState.Failure.busy("\(error)") }
                    throw NightlyState.Failure.unusable("\(error)")
                }
            }
            func meta(_ part: (folder: String, lock: StateLock, database: StateDatabase), _ name: String) throws -> String {
                do { return try part.database.meta(name) ?? "" } catch { throw NightlyState.Failure.unusable("\(error)") }
            }
            let zone = try meta(parts[0], NightlyState.metaTimeZone)
            let options = try meta(parts[0], NightlyState.metaOptions)
            var horizons = Set<String>()
            for part in parts {
                let name = DisplayPath.text(part.folder)
                if try meta(part, NightlyState.metaTimeZone).isEmpty {
                    throw NightlyState.Failure.refused("\(name) holds no batch yet (no input was ever committed to it): nothing to merge; nothing changed")
                }
                if try meta(part, NightlyState.metaTimeZone) != zone {
                    throw NightlyState.Failure.refused(
                        "\(name) counts days in \(DisplayPath.text(try meta(part, NightlyState.metaTimeZone))), \(DisplayPath.text(parts[0].folder)) in \(DisplayPath.text(zone)): states of two time zones do not merge")
                }
                if try meta(part, NightlyState.metaOptions) != options {
                    throw NightlyState.Failure.refused(
                        "\(name) was built with other counting options than \(DisplayPath.text(parts[0].folder)): "
                            + NightlyState.Options(text: options).differences(from: NightlyState.Options(text: try meta(part, NightlyState.metaOptions)))
                            .joined(separator: "; "))
                }
                horizons.insert(try meta(part, NightlyState.metaHorizon))
            }
            horizons.remove("none")
            let partial = try checkShards(parts.map { (DisplayPath.text($0.folder), $0.database) })
            // The merged state keeps profiles only if every part does (else they would cover
            // some inputs only).
            var profiles = true
            for part in parts where try meta(part, NightlyState.metaProfiles) != "on" { profiles = false }
            // It keeps session rows (user ids and texts) only if every part does; a part without
            // them makes the merged log counts-only (`docs/state.md` "Session rows").
            let partRows = try parts.map { try meta($0, NightlyState.metaSessionRows) != "off" }
            // No input may be in two states: its events would count twice. The states merged are
            // checked among themselves before --into is opened (and made, when new), so that a
            // refused merge leaves no new state behind.
            func refused(_ path: String, _ first: String, _ second: String) -> NightlyState.Failure {
                .refused("\(DisplayPath.text(path)) is in both \(first) and \(second): merging would count its events twice; nothing changed")
            }
            var owner: [String: (state: String, path: String)] = [:]
            var ledgers: [[LedgerEntry]] = []
            do {
                for part in parts {
                    let ledger = try part.database.ledger()
                    for entry in ledger {
                        if let first = owner[entry.contentHash] { throw refused(entry.path, first.state, DisplayPath.text(part.folder)) }
                        owner[entry.contentHash] = (DisplayPath.text(part.folder), entry.path)
                    }
                    ledgers.append(ledger)
                }
            } catch let failure as NightlyState.Failure {
                throw failure
            } catch {
                throw NightlyState.Failure.unusable("\(error)")
            }
            let counting = NightlyState.Options(text: options)
            let timeout = counting.values.first { $0.name == "--session-timeout" }?.value ?? ""
            let timeoutMillis = Int64(timeout.split(separator: " ").first ?? "")
            var spans: [Span] = []
            for (part, ledger) in zip(parts, ledgers) {
                spans.append(Span(name: DisplayPath.text(part.folder), ledger: ledger, detailFrom: try meta(part, NightlyState.metaDetailFrom)))
            }
            try Self.checkDetail(spans, timeoutMillis: timeoutMillis)
            // An existing --into keeps its horizon; a new one takes --state-horizon, else the
            // shortest of the states merged (35 days when all are shards' "none").
            let newTarget = !StateDatabase.exists(folder: into)
            let shortest = horizons.compactMap { Int($0) }.min().map(String.init)
            let target = try NightlyState(
                folder: into, timeZone: zone.isEmpty ? nil : zone, horizon: stateHorizon ?? (newTarget ? shortest : nil),
                options: NightlyState.Options(text: options), profiles: profiles,
                sessionRows: !partRows.contains(false), rebuild: false, merging: true)
            target.partial = partial ?? target.partial
            if !target.isEmpty && target.keepsProfiles != profiles {
                throw NightlyState.Failure.refused(
                    "\(DisplayPath.text(into)) \(target.keepsProfiles ? "keeps" : "keeps no") user profiles and the others "
                        + "\(profiles ? "do" : "do not all"): the merged profiles would cover some inputs only; nothing changed")
            }
            do {
                let ledger = try target.database.ledger()
                for entry in ledger {
                    if let other = owner[entry.contentHash] {
                        throw refused(other.path, "\(DisplayPath.text(into)) (as \(DisplayPath.text(entry.path)))", other.state)
                    }
                }
                if !target.isEmpty {
                    let span = Span(name: DisplayPath.text(into), ledger: ledger, detailFrom: target.detailFrom?.description ?? "")
                    try Self.checkDetail([span] + spans, timeoutMillis: timeoutMillis)
                }
            } catch let failure as NightlyState.Failure {
                throw failure
            } catch {
                throw NightlyState.Failure.unusable("\(error)")
            }
            guard var configuration = Analysis.Configuration(timeZone: target.timeZone) else {
                throw NightlyState.Failure.unusable("unknown time zone \(DisplayPath.text(target.timeZone)) in the states")
            }
            configuration.sessionTimeoutMillis = timeoutMillis ?? configuration.sessionTimeoutMillis
            configuration.byProject = counting.values.contains { $0.name == "--by-project" && $0.value == "on" }
            configuration.profiles.collect = target.keepsProfiles
            configuration.sessionDetail = target.keepsSessionRows
            configuration.keepsAllDays = true
            let spill = TemporarySpillStore()
            defer { TemporaryFolders.shared.removeAll() }
            let discard = DiscardedRejects()
            let whole = Analysis(configuration: configuration, rejects: discard, spill: spill)
            do {
                try whole.restore(from: target.database, sessionRows: target.database.meta(NightlyState.metaSessionRows) != "off")
                for (part, rows) in zip(parts, partRows) {
                    let analysis = Analysis(configuration: configuration, rejects: discard, spill: spill)
                    try analysis.restore(from: part.database, sessionRows: rows)
                    whole.merge(analysis)
                }
            } catch {
                throw NightlyState.Failure.unusable("could not read a state: \(error); nothing changed")
            }
            // The merged state's next batch comes after every input of every part.
            var held: UInt64 = 0
            for part in parts { held = max(held, UInt64(try meta(part, NightlyState.metaNextPosition)) ?? 0) }
            do {
                try target.merge(whole, ledgers: ledgers, batches: parts.map { try $0.database.batches() }, held: held, options: counting) {
                    if let failure = spill.readFailure { throw NightlyState.Failure.unusable("could not read back what was spilled to the temporary folder: \(failure)") }
                }
            } catch {
                throw NightlyState.Failure.unusable("could not write \(DisplayPath.text(into)): \(error); it was left as it was")
            }
            console.info("merged \(parts.count) state\(parts.count == 1 ? "" : "s") into \(DisplayPath.text(into)): \(whole.accumulator.events) events")
        }
    }
}

/// Rejects of a run that reads no record (a merge).
final class DiscardedRejects: RejectSink, @unchecked Sendable {
    func reject(_ record: RejectedRecord) {}
}
