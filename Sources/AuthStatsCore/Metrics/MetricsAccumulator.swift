/// Everything the reports are computed from, gathered event by event (stage 4).
///
/// The state is a sufficient statistic, not a log: per (day, profile) event counters, and the
/// (user, day, profile) triples with an activity event (`ActivityTable`, spilled to disk past
/// its window). Its size grows with users ×
/// active days and with distinct dimension profiles, never with the number of events in memory
/// (the duplicate filter and the session log keep a bounded window, and spill the rest to
/// disk). Accumulators merge (`merge(_:)`), so
/// inputs can be read apart and combined, and a sequential run is the same code.
public struct MetricsAccumulator: Sendable {
    /// Event counters of one (day, profile).
    public struct Counters: Sendable, Equatable {
        public var signUps = 0
        public var signIns = 0
        public var authFailures = 0
        public var events = 0

        public init() {}

        mutating func add(_ kind: EventKind, _ n: Int = 1) {
            events += n
            switch kind {
            case .signUp: signUps += n
            case .signIn: signIns += n
            case .authFailure: authFailures += n
            default: break
            }
        }

        mutating func add(_ other: Counters) {
            signUps += other.signUps
            signIns += other.signIns
            authFailures += other.authFailures
            events += other.events
        }
    }

    struct DayProfile: Hashable, Sendable {
        var day: Int32
        var profile: UInt32
    }

    var table = DimensionTable()
    var counters = CounterTable()
    /// Activity triples, each with how many counted events make it: a duplicate found after
    /// the fact takes its event back, and the triple goes when no event is left. Bounded in
    /// memory: spilled as sorted runs like the dedup window.
    var activity: ActivityTable
    /// Every user seen in any event (for `summary.json`'s `users`), once `isSettled`.
    var users = UserHashSet()
    /// The users and activity triples of the events added since the last `settle()`, put
    /// into their tables a batch at a time (`UserHashSet.insert(contentsOf:)`,
    /// `ActivityTable.addOne(contentsOf:)`: the tables are far larger than the caches, and a
    /// batch waits for its cache misses side by side). Settled at the end of every input
    /// (`Analysis.finish`) and before anything reads them.
    private var newUsers: [UInt64] = []
    private var newActivity: [ActivityTable.Key] = []
    /// With `userKinds`, the (user, day, kind) of those events, put into `userKinds` the same
    /// way. (Added one by one, each event waited for a cache miss in a table of the whole
    /// run's triples: 73% of `add`'s time in a run with segments, ~0.3 s of the bench set's.)
    private var newKinds: [ActivityTable.Key] = []
    /// The set the users go into instead of `users` while the workers of a run read
    /// (`shareUsers`).
    private var sharedUsers: SharedUserSet?
    static let batchSize = 256
    /// Fingerprints of the events counted, in bounded memory (spilled to `store`).
    var dedup: DuplicateFilter
    /// The events that make sessions, sorted at the end in bounded memory; split by user
    /// into shards, each merged on its own (one shard keeps `sessions.csv` in one user order).
    public internal(set) var sessionLogs: [SessionLog]

    public internal(set) var events = 0
    public internal(set) var duplicates = 0

    /// With segments or attribute breakdowns (`collectProfiles`): each user's events per
    /// day by kind (`UserKind`), taken back like the activity triples, and what the events
    /// say of the user (`ProfileLog`). Nil otherwise: none of this work is done.
    var userKinds: ActivityTable?
    var profileLog: ProfileLog?

    /// - Parameters:
    ///   - dedupCapacity: fingerprints held in memory before spilling to `store`.
    ///   - store: where to spill; nil keeps every fingerprint in memory.
    ///   - sessionRows: keep user ids and texts in the session log (for `sessions.csv`);
    ///     without them the log only serves counts, in half the bytes.
    public init(
        dedupCapacity: Int = DuplicateFilter.defaultCapacity, store: (any SpillStore)? = nil,
        sessionMemory: Int = SessionLog.defaultBudget, sessionShards: Int = 1, sessionRows: Bool = true
    ) {
        dedup = DuplicateFilter(capacity: dedupCapacity, store: store)
        activity = ActivityTable(capacity: max(1, dedupCapacity / 2), store: store)
        let shards = max(1, sessionShards)
        sessionLogs = (0..<shards).map { _ in
            SessionLog(memoryBudget: max(1, sessionMemory / shards), store: store, compact: !sessionRows)
        }
    }

    /// Starts collecting user profiles (before the first event).
    mutating func collectProfiles(capacity: Int, memory: Int, store: (any SpillStore)?) {
        userKinds = ActivityTable(capacity: capacity, store: store)
        profileLog = ProfileLog(memoryBudget: memory, store: store)
    }

    /// Counts `event` on `day` for the input stream at `position` (`InputReport.position`).
    /// Its fingerprint is logged: if it turns out to be a copy of another event,
    /// `resolveDuplicates()` takes its counts back.
    public mutating func add(_ event: Event, day: Day, position: UInt64 = 0) {
        add(event, day: day, position: position, profile: table.profile(of: event.dimensions))
    }

    /// As `add(_:day:position:)`, with the event's dimension `profile` already known.
    mutating func add(_ event: Event, day: Day, position: UInt64, profile: UInt32) {
        let counted = DuplicateFilter.Counted(
            day: day.index, profile: profile, kind: event.kind, input: position,
            user: event.kind.isActivity || userKinds != nil ? event.user?.hash : nil)
        dedup.insert(event.fingerprint, counted)
        events += 1
        counters.add(DayProfile(day: day.index, profile: profile), event.kind)
        if let user = event.user {
            // A user's events come in runs (an SDK sends a session's events together).
            if newUsers.last != user.hash { newUsers.append(user.hash) }
            if event.kind.isActivity { newActivity.append(ActivityTable.Key(user: user.hash, day: day.index, profile: profile)) }
            if userKinds != nil { newKinds.append(ActivityTable.Key(user: user.hash, day: day.index, profile: UserKind(event.kind).rawValue)) }
            if newUsers.count == Self.batchSize || newActivity.count == Self.batchSize || newKinds.count == Self.batchSize { settle() }
            if SessionRecord.takesPart(event) {
                sessionLogs[Int(user.hash % UInt64(sessionLogs.count))].append(event, position: position)
            }
        }
    }

    /// Logs the fingerprint of an event `--pinpoint-parity` left out (counted nowhere else), so
    /// that a later copy of it is found as a duplicate (`takeBack`) rather than left out again.
    /// Its second word is marked (`leftOutMark`): a left-out delivery and a counted one are
    /// never each other's copy (they differ only where the two were judged apart, a nightly
    /// batch given another `--users` directory than an earlier one; a counted copy taken back
    /// for a left-out first one would stay in the sessions and the users, which never saw that).
    mutating func logLeftOut(_ event: Event, day: Day, position: UInt64, reason: ParityReason) {
        let marked = Fingerprint(high: event.fingerprint.high, low: event.fingerprint.low ^ Self.leftOutMark)
        dedup.insert(marked, DuplicateFilter.Counted(day: day.index, profile: 0, kind: event.kind, input: position, leftOut: reason))
    }

    /// What a left-out event's fingerprint's second word is XORed with (`logLeftOut`).
    static let leftOutMark: UInt64 = 0x6C65_6674_206F_7574  // "left out"

    /// Puts the users and activity of the events added since the last call into their tables
    /// (`newUsers`; the users into the shared set while there is one).
    public mutating func settle() {
        if !newUsers.isEmpty {
            if let sharedUsers {
                newUsers.withUnsafeBufferPointer { sharedUsers.insert(contentsOf: $0) }
            } else {
                newUsers.withUnsafeBufferPointer { users.insert(contentsOf: $0) }
            }
            newUsers.removeAll(keepingCapacity: true)
        }
        if !newActivity.isEmpty {
            newActivity.withUnsafeBufferPointer { activity.addOne(contentsOf: $0) }
            newActivity.removeAll(keepingCapacity: true)
        }
        if !newKinds.isEmpty {
            newKinds.withUnsafeBufferPointer { userKinds!.addOne(contentsOf: $0) }
            newKinds.removeAll(keepingCapacity: true)
        }
    }

    /// Whether every event added is in the tables (`settle()`), and the users in `users`.
    var isSettled: Bool { newUsers.isEmpty && newActivity.isEmpty && newKinds.isEmpty && sharedUsers == nil }

    /// Puts the users of the events from now on into `shared`, the set of every worker of
    /// the run (before the first event), until `stopSharingUsers`.
    mutating func shareUsers(_ shared: SharedUserSet) {
        precondition(users.count == 0 && newUsers.isEmpty, "share the users before the first event")
        sharedUsers = shared
    }

    /// Ends `shareUsers` once every worker is done and settled (`workerDone`): the set
    /// becomes this accumulator's `users` when `taking` (one worker's, merged into by the
    /// others with none), else none.
    mutating func stopSharingUsers(taking: Bool) {
        precondition(newUsers.isEmpty, "settle every worker before the shared users are taken")
        if taking, let sharedUsers { users = sharedUsers.take() }
        sharedUsers = nil
    }

    /// `users`, checked to hold every event's user (`isSettled`): what every reader of them
    /// goes through.
    var settledUsers: UserHashSet {
        precondition(isSettled, "settle the accumulator before reading its users")
        return users
    }

    /// A worker's reading is over (`Analysis.workerDone()`): the duplicate filter, the
    /// activity tables and the session logs that already spilled spill the rest, on this
    /// worker's thread, and activity tables that did not are sorted (`ActivityTable.workerDone`).
    /// In a shard of eight, the merge then spilled the first two on one thread after both
    /// workers were done (~20 ms), and the sessions' writer sorted the logs' arenas at the
    /// very end (~25 ms).
    public mutating func workerDone() {
        settle()
        dedup.spillRestIfSpilled()
        activity.workerDone()
        userKinds?.workerDone()
        for shard in sessionLogs.indices { sessionLogs[shard].spillRestIfSpilled() }
    }

    /// Adds `other`'s state. Copies of one event in both are found by `resolveDuplicates()`,
    /// which keeps the one from the earliest input: merging in any order gives the same reports.
    public mutating func merge(_ other: MetricsAccumulator) {
        settle()
        precondition(isSettled && other.isSettled, "settle an accumulator, and stop sharing its users, before it is merged")
        let remap = table.absorb(other.table)
        for (key, value) in other.counters {
            counters.add(DayProfile(day: key.day, profile: remap[Int(key.profile)]), value)
        }
        activity.absorb(other.activity, profileMap: remap)
        users.formUnion(other.users)
        events += other.events
        duplicates += other.duplicates
        precondition(sessionLogs.count == other.sessionLogs.count, "merge accumulators with the same session shards")
        for shard in sessionLogs.indices { sessionLogs[shard].absorb(other.sessionLogs[shard]) }
        dedup.absorb(other.dedup, profileMap: remap)
        if let kinds = other.userKinds { userKinds?.absorb(kinds, profileMap: UserKind.identity) }
        if let log = other.profileLog { profileLog?.absorb(log) }
    }

    /// Finds the duplicates and takes their counts back. Call once, after
    /// the last event and before building reports; returns them (for per-input counts).
    /// (`besideSessions`: as `DuplicateFilter.resolve(besideSessions:)`.)
    public mutating func resolveDuplicates(besideSessions: Bool = false) -> [DuplicateFilter.Counted] {
        settle()
        let found = dedup.resolve(besideSessions: besideSessions)
        takeBack(found)
        return found
    }

    /// As `resolveDuplicates()`; `keep` sees each fingerprint that stays (the first copy)
    /// with its day group, as `DuplicateFilter.resolve(keepByGroup:)` says: two groups' may
    /// come at once, from two threads.
    public mutating func resolveDuplicates(keepByGroup keep: (Int, Fingerprint, DuplicateFilter.Counted) -> Void) -> [DuplicateFilter.Counted] {
        settle()
        let found = dedup.resolve(keepByGroup: keep)
        takeBack(found)
        return found
    }

    /// Why spilling to disk stopped, if it did.
    public var spillFailure: String? {
        dedup.spillFailure ?? activity.spillFailure ?? sessionLogs.lazy.compactMap(\.spillFailure).first
            ?? userKinds?.spillFailure ?? profileLog?.spillFailure
    }

    private mutating func takeBack(_ found: [DuplicateFilter.Counted]) {
        for counted in found {
            // A copy of a left-out event was counted in no table (`Analysis.takeBack` moves it
            // from its input's skipped to its duplicates).
            guard counted.leftOut == nil else {
                duplicates += 1
                continue
            }
            let key = DayProfile(day: counted.day, profile: counted.profile)
            counters.add(key, counted.kind, -1)
            if let user = counted.user {
                if counted.kind.isActivity { activity.add(user: user, day: counted.day, profile: counted.profile, -1) }
                userKinds?.add(user: user, day: counted.day, profile: UserKind(counted.kind).rawValue, -1)
            }
            events -= 1
            duplicates += 1
        }
    }

    /// Distinct users seen in any event.
    public var userCount: Int { restoredUserCount ?? settledUsers.count }
    /// The state's count of users, for an accumulator that holds its counters alone
    /// (`Analysis.useTotals`).
    var restoredUserCount: Int?

    /// The first and last day with an event, if any.
    public var dayBounds: DayRange? {
        var low = Int32.max
        var high = Int32.min
        for (key, value) in counters where value.events > 0 {
            low = min(low, key.day)
            high = max(high, key.day)
        }
        return low <= high ? DayRange(first: Day(index: low), last: Day(index: high)) : nil
    }
}

/// How a user's events of one day are counted for profiles and segments: the kind table's
/// "profile" slot holds one of these.
enum UserKind: UInt32, CaseIterable {
    /// An activity event that is no sign-up or sign-in (session, app).
    case otherActivity = 0
    case signUp = 1
    case signIn = 2
    case authFailure = 3
    /// An event that makes no one active (auth steps, account, other).
    case inactive = 4

    init(_ kind: EventKind) {
        switch kind {
        case .signUp: self = .signUp
        case .signIn: self = .signIn
        case .authFailure: self = .authFailure
        default: self = kind.isActivity ? .otherActivity : .inactive
        }
    }

    static let identity: [UInt32] = allCases.map(\.rawValue)
}
