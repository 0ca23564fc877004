import AuthStatsCore
import AuthStatsIngest
import AuthStatsState
import Foundation

/// The states of a merge (`state merge`, `authstats merge`), opened and checked together:
/// each one locked for the whole merge (none changes under it), all of one time zone and of
/// the same counting options, no input in two of them, the shards of one plan (all of them
/// unless `--allow-missing`), and no state's events before another's horizon.
struct MergeParts {
    typealias Part = (folder: String, lock: StateLock, database: StateDatabase)

    var parts: [Part]
    var zone: String
    /// The counting options, as the states store them (`NightlyState.Options.text`).
    var options: String
    /// What is missing of the plan (`--allow-missing`), if anything; for `state merge --into`,
    /// of the parts alone until `partial(after:targetPartial:allowMissing:)` counts the target's.
    var partial: String?
    /// The plan whose shards the states are, and which of them they hold (nil: no shard states).
    var planShards: PlanShards?
    /// Each state's own mark of what it lacks (an earlier merge with `--allow-missing`), and
    /// the shards of a plan it holds (a shard state's own, a merged state's).
    var partMarks: [String?]
    var partShards: [PlanShards?]
    /// Whether every state keeps user profiles; per state, whether it keeps them, and whether
    /// it keeps session rows.
    var profiles: Bool
    var partProfiles: [Bool]
    var sessionRows: [Bool]
    /// Each input's content hash → the state that holds it (shown) and its path there.
    var owner: [String: (state: String, path: String)]
    var ledgers: [[LedgerEntry]]
    /// How every state's ledger that holds inputs hashes them (they must agree, or `owner`
    /// could miss an input held by two), and the first such state (shown); nil when none
    /// holds any.
    var contentHash: (kind: ContentHashKind, state: String)?
    var spans: [Span]
    var timeoutMillis: Int64?
    /// Each state's input positions as stored: where they end, and whose numbering they are.
    var positions: [PositionSpaces.State]
    /// What each state's positions are moved by as it is read (`place`; until then, as
    /// `authstats merge` reads them: the states one after another).
    var shifts: [UInt64]
    /// Where the merged positions end, and whose numbering they are (nil: the merge's own).
    var placed: (end: UInt64, plan: String?)

    /// Places the states' positions after `target`'s (`state merge --into` a state that
    /// holds events), as `PositionSpaces.place` says.
    mutating func place(after target: PositionSpaces.State?) throws {
        let all = (target.map { [$0] } ?? []) + positions
        let placement = try PositionSpaces.place(all)
        shifts = Array(placement.shifts.dropFirst(target == nil ? 0 : 1))
        placed = (placement.end, placement.plan)
    }

    /// A state's positions as stored (`NightlyState.metaNextPosition`, else past its last
    /// batch's; the plan of a shard state, or of the shards a state was merged from).
    static func positions(of database: StateDatabase) throws -> PositionSpaces.State {
        let held = try database.meta(NightlyState.metaNextPosition).flatMap { UInt64($0) }
        let plan = try [NightlyState.metaPlan, NightlyState.metaPositionPlan].lazy
            .compactMap { try database.meta($0) }.first { !$0.isEmpty }
        return PositionSpaces.State(held: try held ?? StatePositions.first(batch: database.lastBatch() + 1, held: 0), plan: plan)
    }

    /// What the shard runs behind every state read (`ShardRuns`), their rejects placed as the
    /// states' positions are (`shifts`); nil when a state keeps none (one made before 2026-12-05,
    /// or by nightly runs): a sum over some would pass for all.
    func shardRuns(after target: ShardRuns? = nil) throws -> ShardRuns? {
        var all = target.map { [$0] } ?? []
        for (index, part) in parts.enumerated() {
            guard let runs = try ShardRuns.load(from: part.database, shift: shifts[index]) else { return nil }
            all.append(runs)
        }
        return all.isEmpty ? nil : ShardRuns.combined(all)
    }

    /// What the states' batches not yet reported read (`UnreportedReading`), after
    /// `target`'s: each state's placed as its positions are (`shifts`), all in input order;
    /// nil when none keeps any.
    func unreported(after target: UnreportedReading?) throws -> UnreportedReading? {
        var all = target.map { [$0] } ?? []
        for (index, part) in parts.enumerated() {
            if let reading = try UnreportedReading.load(from: part.database, shift: shifts[index]) { all.append(reading) }
        }
        guard !all.isEmpty else { return nil }
        // (Stable: a state's own entries and rejects keep their order.)
        return UnreportedReading(
            inputs: all.lazy.flatMap(\.inputs).sortedStably(by: \.position), rejects: all.lazy.flatMap(\.rejects).sortedStably(by: \.position))
    }

    static func meta(_ part: Part, _ name: String) throws -> String {
        do { return try part.database.meta(name) ?? "" } catch { throw NightlyState.Failure.unusable("\(error)") }
    }

    /// The distinct non-empty marks of what is missing, in order, as one text; nil if none.
    static func combined(_ marks: [String?]) -> String? {
        var out: [String] = []
        for case let mark? in marks where !mark.isEmpty && !out.contains(mark) { out.append(mark) }
        return out.isEmpty ? nil : out.joined(separator: "; ")
    }

    static func inBoth(_ path: String, _ first: String, _ second: String) -> NightlyState.Failure {
        .refused("\(NightlyState.shown(ledgerPath: path)) is in both \(first) and \(second): merging would count its events twice; nothing changed")
    }

    /// Two ledgers that hash their inputs differently: an input in both would not be seen.
    static func differentHashes(_ first: String, _ firstKind: ContentHashKind, _ second: String, _ secondKind: ContentHashKind) -> NightlyState.Failure {
        func kind(_ kind: ContentHashKind) -> String {
            kind == .current ? "this authstats's (\(kind.rawValue))" : "an older authstats's (\(kind.rawValue))"
        }
        return .refused(
            "\(first) names its inputs by \(kind(firstKind)) content hash and \(second) by \(kind(secondKind)): an input in both "
                + "would not be recognised, and its events would count twice; make the older state again with this authstats "
                + "(report --rebuild, or run its shard again) (docs/state.md \"Tables\"); nothing changed")
    }

    /// Restores every state into `whole` (each into an analysis of its own with `whole`'s
    /// configuration, then merged in, in the order given): their duplicates of each other are
    /// resolved as those of parallel workers are, when `whole` is finished or saved. As many
    /// states are read at once as there are cores (each has its own SQLite connection), their
    /// memory budgets shared among them. A thread takes the next state not yet taken, restores
    /// it, and merges into `whole` every restored state whose turn has come (state 0, then 1 …;
    /// one thread merges at a time, the others read on meanwhile), so the result is the
    /// one-after-the-other merge's for any number of threads.
    ///
    /// Why not a contiguous block of states per thread, each block merged into `whole` at the
    /// end (until 2026-12-03): a block that read slower left one core idle while the other
    /// read its last state, and the blocks' final merge, two sets of ~400,000 users, ran
    /// alone after both (eight shard states of the bench set: ~40 and ~35 ms of ~0.55 s,
    /// perf timelines).
    /// - Parameter jobs: states read at once at most (`--jobs`; nil: the cores).
    /// - Parameter inPlace: when given (`authstats merge`, which writes no state), the
    ///   fingerprints and compact session events of a state written in one batch (a shard's;
    ///   the first `inPlaceStates`) are read in place by the end's merges, not copied into the
    ///   temporary store now; what cannot be read then is noted there (docs/state.md "Merging
    ///   states").
    func restore(
        into whole: Analysis, rejects: any RejectSink, spill: TemporarySpillStore, jobs: Int? = nil, inPlace: StateReadFailure? = nil
    ) throws {
        let lanes = max(1, min(parts.count, jobs ?? ProcessInfo.processInfo.activeProcessorCount))
        // The memory budgets are shared by the states read at once, as by parallel workers.
        var share = whole.configuration
        share.dedupCapacity = max(1, share.dedupCapacity / lanes)
        share.sessionMemory = max(1 << 20, share.sessionMemory / lanes)
        share.profiles.memory = max(1 << 20, share.profiles.memory / lanes)
        let round = Round(
            databases: parts.map(\.database), rows: sessionRows, configuration: share, rejects: rejects, spill: spill,
            directory: whole.directory, labels: parts.map { DisplayPath.text($0.folder) }, inPlace: inPlace, shifts: shifts)
        let turns = Turns(whole: whole, count: parts.count, lanes: lanes)
        DispatchQueue.concurrentPerform(iterations: lanes) { _ in
            while let index = turns.take() {
                let analysis = Analysis(configuration: round.configuration, rejects: round.rejects, spill: round.spill, directory: round.directory)
                do {
                    let database = round.databases[index]
                    // One batch wrote the state whole: each of its streams is one sorted run.
                    // At most `inPlaceStates` states (each run read in place holds a chunk).
                    let inPlace = try round.inPlace.flatMap {
                        try index < Self.inPlaceStates && database.batches().count == 1 ? (round.labels[index], $0) : nil
                    }
                    // Runs read in place are as stored: a state whose positions move is copied.
                    let shift = round.shifts[index]
                    try analysis.restore(
                        from: database, sessionRows: round.rows[index], inPlace: shift == 0 ? inPlace : nil, positionShift: shift)
                } catch {
                    return turns.fail(index, error)
                }
                turns.restored(index, analysis)
            }
        }
        if let (index, error) = turns.failure {
            throw NightlyState.Failure.unusable("could not read the state in \(DisplayPath.text(parts[index].folder)): \(error); nothing changed")
        }
    }

    /// How many states of a merge are read in place at most (`restore`'s `inPlace`): each run
    /// read in place holds its current chunk (1 MiB of session events, 256 KiB of fingerprints
    /// for each group being resolved), where a run of the temporary store holds 128 KiB, so
    /// the states after these are copied as before, and the memory a merge holds for them
    /// stays ~24 MB however many shards it merges.
    static let inPlaceStates = 16

    /// What the threads read: each its own states' connections, nothing shared but the
    /// read-only configuration and the (thread-safe) rejects, spill store and directory.
    private struct Round: @unchecked Sendable {
        let databases: [StateDatabase]
        let rows: [Bool]
        let configuration: Analysis.Configuration
        let rejects: any RejectSink
        let spill: TemporarySpillStore
        let directory: UserDirectory
        let labels: [String]
        let inPlace: StateReadFailure?
        let shifts: [UInt64]
    }

    /// Whose turn it is: the next state to restore, the restored ones waiting for their turn to
    /// be merged, and whether a thread is merging (it holds `whole` then).
    ///
    /// At most `lanes + 1` states are taken and not yet merged (a thread waits to take one more):
    /// the states read at once share the memory budgets, and restored states kept waiting for
    /// a slower one before them must not pile up (a large state first, small ones after). One
    /// more than the threads, so that a thread need not wait while the state before its next
    /// one is merged (with `lanes` alone, eight shard states 0.614 → 0.651 s; with one more,
    /// 0.625 s, alternated: noise). No deadlock: the oldest unmerged state is being read by a
    /// thread that does not wait here, and a failure frees every waiter.
    private final class Turns: @unchecked Sendable {
        // Unchecked: every field is used under `condition`, and `whole` by the one thread that
        // set `merging` (an analysis handed in is never touched again by the thread that
        // restored it). `failure` is read after `concurrentPerform` has returned.
        private let condition = NSCondition()
        private let whole: Analysis
        private let count: Int
        private let lanes: Int
        private var next = 0
        private var waiting: [Int: Analysis] = [:]
        private var merged = 0
        private var merging = false
        /// The first state (in the given order) that failed to be read, and why.
        private(set) var failure: (index: Int, error: any Error)?

        init(whole: Analysis, count: Int, lanes: Int) {
            self.whole = whole
            self.count = count
            self.lanes = lanes
        }

        /// The next state to restore, once fewer than `lanes + 1` are taken and not yet merged;
        /// nil when all are taken or one failed.
        func take() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            while failure == nil && next < count && next >= merged + lanes + 1 { condition.wait() }
            guard failure == nil, next < count else { return nil }
            next += 1
            return next - 1
        }

        func fail(_ index: Int, _ error: any Error) {
            condition.lock()
            if failure == nil || index < failure!.index { failure = (index, error) }
            condition.broadcast()
            condition.unlock()
        }

        /// Hands in state `index`, restored; merges what has its turn, unless another thread
        /// is merging (it takes this one too before it stops: it looks again after each merge).
        func restored(_ index: Int, _ analysis: Analysis) {
            condition.lock()
            waiting[index] = analysis
            guard !merging else { return condition.unlock() }
            merging = true
            while let turn = waiting.removeValue(forKey: merged) {
                condition.unlock()
                whole.merge(turn)
                condition.lock()
                merged += 1
                condition.broadcast()
            }
            merging = false
            condition.unlock()
        }
    }

    /// Refuses a state given twice (by any path: the same folder), or the `--into` state among
    /// the states merged into it: it would be counted twice, and the second lock on it would
    /// be refused as if another process held it (exit 75, "run again", which no rerun mends).
    static func refuseRepeats(_ folders: [String], into: String?) throws {
        var seen: [FolderID: String] = [:]
        if let into, let id = FolderID(into) { seen[id] = into }
        for folder in folders {
            guard let id = FolderID(folder) else { continue }  // reported as missing when opened
            if let earlier = seen[id] {
                throw NightlyState.Failure.refused(
                    earlier == into
                        ? "\(DisplayPath.text(folder)) is the state merged into (--into \(DisplayPath.text(earlier))): a state is not merged into itself; nothing changed"
                        : "\(DisplayPath.text(folder)) and \(DisplayPath.text(earlier)) are the same state, given twice: each state is merged once; nothing changed")
            }
            seen[id] = folder
        }
    }

    /// A folder as the file system knows it (device and inode), whatever path names it.
    struct FolderID: Hashable {
        let device: UInt64
        let inode: UInt64

        init?(_ path: String) {
            guard let info = POSIX.followingLinks(path) else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    static func open(_ folders: [String], allowMissing: Bool, into: String? = nil) throws -> MergeParts {
        try refuseRepeats(folders, into: into)
        // Every state is locked for the whole merge: none changes under it.
        var parts: [Part] = []
        for folder in folders {
            guard StateDatabase.exists(folder: folder) else {
                throw NightlyState.Failure.unusable("no state in \(DisplayPath.text(folder)) (\(StateDatabase.absence(folder: folder)))")
            }
            do {
                let lock = try StateLock.acquire(folder: folder)
                parts.append((folder, lock, try StateDatabase.open(folder: folder, create: false)))
            } catch let error as StateError {
                if case .busy = error { throw NightlyState.Failure.busy("\(error)") }
                throw NightlyState.Failure.unusable("\(error)")
            }
        }
        let zone = try meta(parts[0], NightlyState.metaTimeZone)
        let options = try meta(parts[0], NightlyState.metaOptions)
        for part in parts {
            let name = DisplayPath.text(part.folder)
            if try meta(part, NightlyState.metaTimeZone).isEmpty {
                throw NightlyState.Failure.refused("\(name) holds no batch yet (no input was ever committed to it): nothing to merge; nothing changed")
            }
            if !NightlyState.sameZone(try meta(part, NightlyState.metaTimeZone), zone) {
                throw NightlyState.Failure.refused(
                    "\(name) counts days in \(DisplayPath.text(try meta(part, NightlyState.metaTimeZone))), \(DisplayPath.text(parts[0].folder)) in \(DisplayPath.text(zone)): states of two time zones do not merge")
            }
            if try meta(part, NightlyState.metaOptions) != options {
                throw NightlyState.Failure.refused(
                    "\(name) was built with other counting options than \(DisplayPath.text(parts[0].folder)): "
                        + NightlyState.Options(text: options).differences(
                            from: NightlyState.Options(text: try meta(part, NightlyState.metaOptions)),
                            mine: "\(DisplayPath.text(parts[0].folder))'s", theirs: "\(name)'s")
                        .joined(separator: "; "))
            }
        }
        // What is missing: shards of this merge's plan, and what a state merged in was missing
        // itself (an earlier merge with --allow-missing): the result lacks it all. Into a state
        // (`state merge --into`), the shards it holds count too: checked once it is open
        // (`partial(after:…)`); without one, at the end of this function.
        let partMarks = try parts.map { try meta($0, NightlyState.metaPartial) }
        let partShards: [PlanShards?]
        do { partShards = try parts.map { try PlanShards.held(by: $0.database) } } catch { throw NightlyState.Failure.unusable("\(error)") }
        let planShards = try Self.planShards(zip(parts, partShards).map { part, shards in
            (DisplayPath.text(part.folder), shards, !(try meta(part, NightlyState.metaPlan)).isEmpty)
        })
        let partial = combined(partMarks)
        // The merged state keeps profiles only if every part does (else they would cover
        // some inputs only).
        let partProfiles = try parts.map { try meta($0, NightlyState.metaProfiles) == "on" }
        let profiles = !partProfiles.contains(false)
        // It keeps session rows (user ids and texts) only if every part does; a part without
        // them makes the merged log counts-only (`docs/state.md` "Session rows").
        let partRows = try parts.map { try meta($0, NightlyState.metaSessionRows) != "off" }
        // No input may be in two states: its events would count twice. The states merged are
        // checked among themselves before --into is opened (and made, when new), so that a
        // refused merge leaves no new state behind.
        var owner: [String: (state: String, path: String)] = [:]
        var ledgers: [[LedgerEntry]] = []
        do {
            for part in parts {
                let ledger = try part.database.ledger()
                for entry in ledger {
                    if let first = owner[entry.contentHash] {
                        // The same bytes may lie under two paths: both named.
                        let other = first.path == entry.path ? "" : " (as \(NightlyState.shown(ledgerPath: entry.path)))"
                        throw inBoth(first.path, first.state, DisplayPath.text(part.folder) + other)
                    }
                    owner[entry.contentHash] = (DisplayPath.text(part.folder), entry.path)
                }
                ledgers.append(ledger)
            }
        } catch let failure as NightlyState.Failure {
            throw failure
        } catch {
            throw NightlyState.Failure.unusable("\(error)")
        }
        // Hashes of two kinds never match, so the overlap check above holds only if every
        // ledger with rows hashes alike (an empty one cannot clash).
        let hashed = zip(parts, ledgers).filter { !$0.1.isEmpty }.map(\.0)
        let contentHash = hashed.first.map { (kind: $0.database.contentHash, state: DisplayPath.text($0.folder)) }
        if let contentHash, let other = hashed.first(where: { $0.database.contentHash != contentHash.kind }) {
            throw differentHashes(contentHash.state, contentHash.kind, DisplayPath.text(other.folder), other.database.contentHash)
        }
        let timeout = NightlyState.Options(text: options).values.first { $0.name == "--session-timeout" }?.value ?? ""
        let timeoutMillis = Int64(timeout.split(separator: " ").first ?? "")
        var spans: [Span] = []
        for (part, ledger) in zip(parts, ledgers) {
            spans.append(
                Span(
                    name: DisplayPath.text(part.folder), ledger: ledger, detailFrom: try meta(part, NightlyState.metaDetailFrom),
                    horizon: try meta(part, NightlyState.metaHorizon)))
        }
        try checkDetail(spans, timeoutMillis: timeoutMillis)
        let positions: [PositionSpaces.State]
        do { positions = try parts.map { try Self.positions(of: $0.database) } } catch { throw NightlyState.Failure.unusable("\(error)") }
        var merged = MergeParts(
            parts: parts, zone: zone, options: options, partial: partial, planShards: planShards, partMarks: partMarks, partShards: partShards,
            profiles: profiles, partProfiles: partProfiles, sessionRows: partRows, owner: owner,
            ledgers: ledgers, contentHash: contentHash, spans: spans, timeoutMillis: timeoutMillis, positions: positions,
            shifts: [], placed: (0, nil))
        try merged.place(after: nil)
        // Without a target (`authstats merge`), what is missing is known now: the shards of the
        // plan that every state holds, shard states and merged ones alike.
        if into == nil { merged.partial = try merged.partial(after: nil, targetPartial: nil, allowMissing: allowMissing).partial }
        return merged
    }

    /// The shards of one plan that states hold.
    struct PlanShards: Equatable {
        var plan: String
        var shards: Int
        var present: Set<Int>

        /// As `NightlyState.metaMergedShards` keeps it: "0,2 of 3".
        var text: String { present.sorted().map(String.init).joined(separator: ",") + " of \(shards)" }

        init(plan: String, shards: Int, present: Set<Int>) {
            (self.plan, self.shards, self.present) = (plan, shards, present)
        }

        init?(plan: String, text: String) {
            let parts = text.components(separatedBy: " of ")
            guard !plan.isEmpty, parts.count == 2, let shards = Int(parts[1]) else { return nil }
            let present = parts[0].split(separator: ",").compactMap { Int($0) }
            self.init(plan: plan, shards: shards, present: Set(present))
        }

        /// The shards of a plan that `database` holds: a shard state's own, or those a state
        /// was merged from (`NightlyState.metaMergedPlan`); nil for none.
        static func held(by database: StateDatabase) throws -> PlanShards? {
            if let plan = try database.meta(NightlyState.metaPlan), !plan.isEmpty {
                let shard = Int(try database.meta(NightlyState.metaShard) ?? "") ?? -1
                let shards = Int(try database.meta(NightlyState.metaShards) ?? "") ?? 0
                return PlanShards(plan: plan, shards: shards, present: [shard])
            }
            return PlanShards(plan: try database.meta(NightlyState.metaMergedPlan) ?? "", text: try database.meta(NightlyState.metaMergedShards) ?? "")
        }
    }

    /// Shard states (`report --plan`) merge only with shards of the same plan, and with states
    /// merged from shards of it: the plan and the shards they hold (nil when none is a shard
    /// state).
    /// (`held`: each state's name, the shards it holds, and whether it is a shard state.)
    static func planShards(_ held: [(name: String, shards: PlanShards?, isShard: Bool)]) throws -> PlanShards? {
        guard let first = held.first(where: \.isShard), var plan = first.shards else { return nil }
        func what(_ state: (name: String, shards: PlanShards?, isShard: Bool)) -> String {
            guard let shards = state.shards else { return "\(state.name) is no shard state" }
            return state.isShard
                ? "\(state.name) is shard \(shards.present.first ?? -1) of plan \(DisplayPath.text(shards.plan))"
                : "\(state.name) holds shards of plan \(DisplayPath.text(shards.plan))"
        }
        if let other = held.first(where: { $0.shards?.plan != plan.plan }) {
            throw NightlyState.Failure.refused("\(what(first)), \(what(other)): only the shard states of one plan merge; nothing changed")
        }
        for state in held { plan.present.formUnion(state.shards?.present ?? []) }
        return plan
    }

    /// What `held` lacks of its plan, as a mark ("shard 1 of 3 (plan P) missing"); nil for
    /// nothing. Refused unless `allowMissing`.
    static func missing(_ held: PlanShards, allowMissing: Bool) throws -> String? {
        let missing = Set(0..<held.shards).subtracting(held.present).sorted()
        guard !missing.isEmpty else { return nil }
        let list = missing.count == 1 ? "shard \(missing[0])" : "shards " + missing.map(String.init).joined(separator: ", ")
        let text = "\(list) of \(held.shards) \(planTag(held.plan)) missing"
        guard allowMissing else {
            throw NightlyState.Failure.refused("\(text): give every shard's state, or --allow-missing to merge without (the reports are then marked partial); nothing changed")
        }
        return text
    }

    static func planTag(_ plan: String) -> String { "(plan \(DisplayPath.text(plan)))" }

    /// `state merge --into`: what the merged state lacks, counting the shards of the plan that
    /// the target holds already (`target`, nil: none), so that the shards left out of an
    /// earlier merge with `--allow-missing` complete it. Marks of that plan, the target's
    /// (`targetPartial`) and the states', give way to what is missing now; others stay. (Until
    /// 2026-12-05 the target's shards were not counted: the rest of a plan was refused as
    /// missing the shards the target held, and merged with --allow-missing, marked so for good.)
    /// - Returns: the mark, and the shards the merged state holds of the plan.
    func partial(after target: PlanShards?, targetPartial: String?, allowMissing: Bool) throws -> (partial: String?, held: PlanShards?) {
        let all = ([target] + partShards).compactMap { $0 }
        guard let first = planShards ?? all.first else { return (Self.combined([targetPartial] + partMarks), nil) }
        // States of another plan among them: each keeps its own mark; only the shards given are checked.
        guard all.allSatisfy({ $0.plan == first.plan }) else {
            let missing = try planShards.flatMap { try Self.missing($0, allowMissing: allowMissing) }
            return (Self.combined([targetPartial, missing] + partMarks), nil)
        }
        var held = first
        for other in all { held.present.formUnion(other.present) }
        // Only shard states given to this merge make a missing shard a refusal; merged states
        // that lack one carry their mark (as an --allow-missing merge left it).
        let missing = try Self.missing(held, allowMissing: allowMissing || planShards == nil)
        let tag = Self.planTag(held.plan)
        func others(_ mark: String?) -> [String?] { mark?.components(separatedBy: "; ").filter { !$0.contains(tag) } ?? [] }
        return (Self.combined([missing] + others(targetPartial) + partMarks.flatMap(others)), held)
    }

    /// The days of a state's events and where its event detail begins.
    struct Span {
        var name: String
        var first: Day?
        var last: Day?
        /// The first day with fingerprints and session events (`NightlyState.metaDetailFrom`).
        var detailFrom: Day?

        /// Whether it was kept without a horizon (`--state-horizon none`).
        var keepsAll: Bool

        /// `horizon` as the state's meta says it (`none`, or days).
        init(name: String, ledger: [LedgerEntry], detailFrom: String, horizon: String) {
            self.name = name
            first = ledger.compactMap { $0.firstDay.flatMap(Day.init(iso:)) }.min()
            last = ledger.compactMap { $0.lastDay.flatMap(Day.init(iso:)) }.max()
            self.detailFrom = Day(iso: detailFrom)
            keepsAll = horizon == "none"
        }

        /// Where the state's event detail begins when it has dropped some (its events begin
        /// before it); nil when it keeps all of it. A state without a horizon keeps all: it
        /// is never compacted, and takes no merged state that dropped detail (`state merge`
        /// refuses it); its `detail_from`, until 2026-12-07 the first day of its first batch
        /// however old the days later batches brought, is not read (a review found such
        /// states refused by every merge).
        var dropsBefore: Day? {
            guard !keepsAll, let detailFrom, let first, first < detailFrom else { return nil }
            return detailFrom
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
            guard let detailFrom = kept.dropsBefore, let keptFirst = kept.first else { continue }
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
}

/// Where the input positions of merged states go (`docs/state.md` "Merging states").
///
/// Positions decide which copy of a duplicate delivery is kept (the earliest input's) in the
/// counts, the sessions and the profiles. A shard state numbers its inputs by their place in
/// the plan's listing, so the shards of one plan interleave without two inputs of one
/// position; any other state numbers its own from its first batch, so two states built
/// apart both begin at 0. Each state in turn keeps its positions if its numbering (a plan)
/// was placed already, and is otherwise moved past every position placed before it: the
/// merged state is then the state built from the first one's inputs, then the next one's,
/// and so on.
enum PositionSpaces {
    struct State: Equatable {
        /// Where its positions end (`NightlyState.metaNextPosition`).
        var held: UInt64
        /// The plan whose listing numbers them; nil when they are the state's own.
        var plan: String?
    }

    /// The shift of each state's positions (in merge order, the target first), where the
    /// merged positions end, and the plan that numbers all of them (nil if they are not all
    /// one plan's). A state with no positions (`held` 0: an empty target) takes no part.
    static func place(_ states: [State]) throws -> (shifts: [UInt64], end: UInt64, plan: String?) {
        var shifts: [UInt64] = []
        var placedPlans: [String: UInt64] = [:]
        var end: UInt64 = 0
        var plans = Set<String?>()
        for state in states {
            guard state.held > 0 else {
                shifts.append(0)
                continue
            }
            let shift = state.plan.flatMap { placedPlans[$0] } ?? end
            if let plan = state.plan, placedPlans[plan] == nil { placedPlans[plan] = shift }
            let (stateEnd, overflow) = shift.addingReportingOverflow(state.held)
            guard !overflow else {
                throw NightlyState.Failure.refused("the states merged hold more batches than one state can number (2^20); nothing changed")
            }
            end = max(end, stateEnd)
            shifts.append(shift)
            plans.insert(state.plan)
        }
        return (shifts, end, plans.count == 1 ? plans.first! : nil)
    }
}
