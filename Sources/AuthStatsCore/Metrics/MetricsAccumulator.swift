/// Everything the reports are computed from, gathered event by event (stage 4).
///
/// The state is a sufficient statistic, not a log: per (day, profile) event counters, and the
/// set of (user, day, profile) triples with an activity event. Its size grows with users ×
/// active days and with distinct dimension profiles, never with the number of events (the one
/// exception is the duplicate filter, see `seen`). Accumulators merge (`merge(_:)`), so
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

    /// One user active on one day under one profile.
    struct Activity: Hashable, Sendable {
        var user: UInt64
        var day: Int32
        var profile: UInt32
    }

    /// Where an event was counted, so that a duplicate found at merge time can be taken back.
    struct Counted: Sendable {
        var day: Int32
        var profile: UInt32
        var kind: EventKind
    }

    var table = DimensionTable()
    var counters: [DayProfile: Counters] = [:]
    var activity: Set<Activity> = []
    /// Every user seen in any event (for `summary.json`'s `users`).
    var users: Set<UInt64> = []
    /// Fingerprints of the events counted. This is the one part that grows with events: exact
    /// dedup across files needs it (16 + 12 bytes an event). See the README's notes on memory.
    var seen: [Fingerprint: Counted] = [:]

    public private(set) var events = 0
    public private(set) var duplicates = 0

    public init() {}

    /// Counts `event` on `day`; returns false (and counts a duplicate) if it was seen before.
    @discardableResult
    public mutating func add(_ event: Event, day: Day) -> Bool {
        let profile = table.profile(of: event.dimensions)
        let counted = Counted(day: day.index, profile: profile, kind: event.kind)
        if seen[event.fingerprint] != nil {
            duplicates += 1
            return false
        }
        seen[event.fingerprint] = counted
        events += 1
        counters[DayProfile(day: day.index, profile: profile), default: Counters()].add(event.kind)
        if let user = event.user {
            users.insert(user.hash)
            if event.kind.isActivity {
                activity.insert(Activity(user: user.hash, day: day.index, profile: profile))
            }
        }
        return true
    }

    /// Adds `other`'s state. Events of `other` already counted here are duplicates: the copy
    /// in `self` (read first) is kept. Merging in input order makes the result deterministic.
    public mutating func merge(_ other: MetricsAccumulator) {
        let remap = table.absorb(other.table)
        for (key, value) in other.counters {
            counters[DayProfile(day: key.day, profile: remap[Int(key.profile)]), default: Counters()].add(value)
        }
        for a in other.activity {
            activity.insert(Activity(user: a.user, day: a.day, profile: remap[Int(a.profile)]))
        }
        users.formUnion(other.users)
        events += other.events
        duplicates += other.duplicates
        for (fingerprint, counted) in other.seen {
            let mine = Counted(day: counted.day, profile: remap[Int(counted.profile)], kind: counted.kind)
            if seen[fingerprint] == nil {
                seen[fingerprint] = mine
                continue
            }
            var minus = Counters()
            minus.add(mine.kind)
            let key = DayProfile(day: mine.day, profile: mine.profile)
            counters[key, default: Counters()].add(
                Counters(signUps: -minus.signUps, signIns: -minus.signIns, authFailures: -minus.authFailures, events: -1))
            events -= 1
            duplicates += 1
        }
    }

    /// Distinct users seen in any event.
    public var userCount: Int { users.count }

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

extension MetricsAccumulator.Counters {
    init(signUps: Int, signIns: Int, authFailures: Int, events: Int) {
        self.signUps = signUps
        self.signIns = signIns
        self.authFailures = authFailures
        self.events = events
    }
}
