import Foundation

/// The end-of-run pass that builds every user's profile and evaluates the segments
/// (`docs/segments.md`): one walk over the users in hash order, joining three sorted streams
/// (the per-day kind counts, the folded profile observations, the user directory) and the
/// session counts, one user in memory at a time.
struct SegmentPass {
    let options: ProfileOptions
    let range: DayRange
    let directory: UserDirectory
    /// Sessions starting in the range, by user hash; nil while they are still being built
    /// (then `Output.pendingSessions` keeps each member's segments, for `addSessions`).
    let userSessions: UserSessionCounts?
    /// Where the member export rows spill.
    let store: (any SpillStore)?
    /// Whether users of the directory without events are among the users (not for one
    /// project's analysis: its users are those of its events).
    var directoryOnlyUsers = true
    /// The directory attributes membership, breakdowns and shared addresses read.
    let evaluated: AttributeNames

    init(
        options: ProfileOptions, range: DayRange, directory: UserDirectory, userSessions: UserSessionCounts?,
        store: (any SpillStore)?, directoryOnlyUsers: Bool = true
    ) {
        self.options = options
        self.range = range
        self.directory = directory
        self.userSessions = userSessions
        self.store = store
        self.directoryOnlyUsers = directoryOnlyUsers
        // The addresses and their flags only when shared: nothing else reads them (a definition
        // or breakdown that names one has it among its own names).
        var names = (options.segments?.attributeNames ?? []).union(options.breakdownAttributes)
        if options.shareUserData { names.formUnion(["email", "email_verified", "phone_number", "phone_number_verified"]) }
        evaluated = AttributeNames(names)
    }

    struct Output {
        var rows: [SegmentRow] = []
        var daily: [SegmentDailyRow] = []
        var breakdown: [BreakdownRow] = []
        var exports: MemberExportLog
        /// Without the sessions: each member and their segments.
        var pendingSessions: [(user: UInt64, segments: SegmentMembership)] = []

        /// Adds each member's sessions to their segments' rows, once the sessions are known.
        /// Each lane's members are in hash order, as the counts are: one walk a lane.
        mutating func addSessions(_ sessions: UserSessionCounts) {
            var counts = UserSessionCounts.Cursor(sessions)
            for (user, membership) in pendingSessions {
                guard let n = counts.count(of: user), n > 0 else { continue }
                for s in rows.indices where membership.contains(s) { rows[s].sessions += n }
            }
            pendingSessions = []
        }
    }

    /// Counts of one user on one day, by `UserKind`.
    struct DayCounts {
        var day: Int32
        var counts: (Int, Int, Int, Int, Int)  // other activity, sign-ups, sign-ins, failures, inactive

        mutating func add(_ other: DayCounts) {
            counts = (counts.0 + other.counts.0, counts.1 + other.counts.1, counts.2 + other.counts.2,
                      counts.3 + other.counts.3, counts.4 + other.counts.4)
        }

        var signUps: Int { counts.1 }
        var signIns: Int { counts.2 }
        var authFailures: Int { counts.3 }
        var isActive: Bool { counts.0 > 0 || counts.1 > 0 || counts.2 > 0 }
        var events: Int { counts.0 + counts.1 + counts.2 + counts.3 + counts.4 }
    }

    /// One user as the three streams give them, before the profile is made: a view into
    /// the `UserBatch` that holds them.
    struct UserInput {
        var user: UInt64
        var days: UnsafeBufferPointer<DayCounts>
        /// The user's profile observations (`ProfileStream`), folded on the lane.
        var observations: UnsafeRawBufferPointer
        /// The user's directory record, decoded on the lane.
        var listed: UnsafeRawBufferPointer?
    }

    /// Users handed to a lane at once: their days and bytes in two arrays for the whole
    /// batch. (Three arrays a user, allocated on the merging thread and freed on the lanes,
    /// had cost that thread a third of its time in `malloc`.)
    struct UserBatch {
        struct Entry {
            var user: UInt64
            var days: Range<Int>
            var observations: Range<Int>
            var listed: Range<Int>?
        }
        var entries: [Entry] = []
        var days: [DayCounts] = []
        var bytes: [UInt8] = []

        init() {
            entries.reserveCapacity(SegmentPass.batchSize)
            days.reserveCapacity(SegmentPass.batchSize * 4)
            bytes.reserveCapacity(SegmentPass.batchSize * 512)
        }

        /// Calls `body` with each user, in the order added.
        func forEach(_ body: (UserInput) -> Void) {
            days.withUnsafeBufferPointer { days in
                bytes.withUnsafeBytes { bytes in
                    for entry in entries {
                        body(UserInput(
                            user: entry.user, days: UnsafeBufferPointer(rebasing: days[entry.days]),
                            observations: UnsafeRawBufferPointer(rebasing: bytes[entry.observations]),
                            listed: entry.listed.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }))
                    }
                }
            }
        }
    }

    /// What one lane adds up (lanes' results are sums, merged in any order).
    struct Partial {
        var rows: [SegmentRow]
        var segmentDays: [SegmentDailyRow]
        /// Attribute breakdowns: rows by (day, attribute, value).
        var attributeRows: [AttributeKey: BreakdownRow] = [:]
        /// What users made each day, so that events without a user can go to `(unknown)`.
        var userTotals: [DayCounts]
        var exports: MemberExportLog
        var pendingSessions: [(user: UInt64, segments: SegmentMembership)] = []
        /// The directory's attribute names, for the member exports (not merged).
        var names = NameCache()
        /// Room for a listed user's evaluated attributes, used again for the next (not merged).
        var listedAttributes: [String: UserProfile.Attribute] = [:]
        /// Each user's sessions when they are known before the pass: a lane's users come in
        /// hash order, as the counts are, so a walk finds them (not merged).
        var sessionCounts: UserSessionCounts.Cursor?
    }

    /// Users handed to a lane at a time.
    static let batchSize = 2048

    /// - Parameter lanes: threads that make and evaluate the profiles while this one merges
    ///   the sorted streams (0: all on this thread).
    func run(kinds: ActivityTable, profiles: inout ProfileLog, daily: [DailyRow], lanes: Int = 2) -> Output {
        let segmentCount = options.segments?.count ?? 0
        let names = options.segments?.names ?? []
        let files = SegmentFileName.fileNames(for: names)
        let days = range.count
        let first = range.first.index
        var blankDays = [SegmentDailyRow]()
        for s in 0..<segmentCount {
            for d in 0..<days { blankDays.append(SegmentDailyRow(date: range.first.advanced(by: d), segment: names[s])) }
        }
        func partial() -> Partial {
            var partial = Partial(
                rows: zip(names, files).map { SegmentRow(segment: $0, file: $1 + ".csv") }, segmentDays: blankDays,
                userTotals: [DayCounts](repeating: DayCounts(day: 0, counts: (0, 0, 0, 0, 0)), count: days),
                exports: MemberExportLog(segments: segmentCount, store: store))
            partial.sessionCounts = userSessions.map(UserSessionCounts.Cursor.init)
            return partial
        }

        let workers = (0..<max(lanes, 1)).map { _ in Lane(partial()) }
        // The lanes take batches from one queue as they are free: handed round-robin, a lane
        // with a slow batch held the merging thread back while the other lane waited idle
        // (the bench set's pass kept ~1.65 of its 2 cores busy).
        let batches = BoundedQueue<UserBatch>(capacity: 2 * max(lanes, 1))
        let group = DispatchGroup()
        if lanes > 0 {
            for lane in workers {
                // (A queue of its own: a thread of its own, whatever else the global queues run.)
                lane.queue.async(group: group) {
                    while let users = batches.take() { lane.add(users, pass: self) }
                }
            }
        }
        merge(kinds: kinds, profiles: &profiles) { users in
            if lanes > 0 { batches.put(users) } else { workers[0].add(users, pass: self) }
        }
        batches.close()
        group.wait()

        var total = workers[0].partial
        for lane in workers.dropFirst() {
            let other = lane.partial
            for s in total.rows.indices { total.rows[s].add(other.rows[s]) }
            for i in total.segmentDays.indices { total.segmentDays[i].add(other.segmentDays[i]) }
            for (key, row) in other.attributeRows {
                if var mine = total.attributeRows[key] { mine.add(row); total.attributeRows[key] = mine } else { total.attributeRows[key] = row }
            }
            for d in total.userTotals.indices { total.userTotals[d].add(other.userTotals[d]) }
            total.exports.absorb(other.exports)
            total.pendingSessions += other.pendingSessions
        }

        // Events without a user: `(unknown)` of every attribute.
        for (index, name) in options.breakdownAttributes.enumerated() {
            for d in 0..<min(days, daily.count) {
                let row = daily[d]
                let t = total.userTotals[d]
                let rest = (row.signUps - t.counts.1, row.signIns - t.counts.2, row.authFailures - t.counts.3, row.events - t.counts.4)
                guard rest.3 > 0 else { continue }
                let key = AttributeKey(day: first + Int32(d), attribute: index, value: ExactText(Dimension.unknown))
                var out = total.attributeRows[key] ?? Self.attributeRow(first + Int32(d), name, Dimension.unknown)
                out.signUps += rest.0
                out.signIns += rest.1
                out.authFailures += rest.2
                out.events += rest.3
                total.attributeRows[key] = out
            }
        }
        var output = Output(exports: total.exports)
        output.rows = total.rows
        output.breakdown = Array(total.attributeRows.values)
        // Days ascending, segments in definition order within a day.
        output.daily = (0..<days).flatMap { d in (0..<segmentCount).map { total.segmentDays[$0 * days + d] } }
        output.pendingSessions = total.pendingSessions
        return output
    }

    /// Walks the users in hash order, joining the per-day kind counts, the folded profile
    /// observations and the directory; `hand` gets every user any of them knows, in batches
    /// of `batchSize` (the last one shorter).
    func merge(kinds: ActivityTable, profiles: inout ProfileLog, _ hand: (UserBatch) -> Void) {
        // The directory's users, streamed in hash order (spilled runs merged) from a copy.
        var directoryCopy = directory
        let directoryUsers = directoryCopy.sortedUsers()
        // The next directory user's record, read ahead.
        var directoryRecord: [UInt8] = []
        var nextDirectory = directoryUsers.nextRecord(into: &directoryRecord)
        var groups = kinds.groups()
        var sums: [(profile: UInt32, count: Int32)] = []
        func readDay() -> (UInt64, DayCounts)? {
            guard let (user, day) = groups.next(sums: &sums) else { return nil }
            var counts = DayCounts(day: day, counts: (0, 0, 0, 0, 0))
            for (kind, n) in sums where n > 0 {
                switch UserKind(rawValue: kind) {
                case .otherActivity: counts.counts.0 += Int(n)
                case .signUp: counts.counts.1 += Int(n)
                case .signIn: counts.counts.2 += Int(n)
                case .authFailure: counts.counts.3 += Int(n)
                case .inactive, nil: counts.counts.4 += Int(n)
                }
            }
            return (user, counts)
        }
        var pendingDay = readDay()
        var batch = UserBatch()
        profiles.withSorted { records in
            var stream = ProfileStream(records)
            while true {
                // The smallest user hash among the three streams.
                var user = UInt64.max
                var any = false
                if let (u, _) = pendingDay { user = min(user, u); any = true }
                if let u = stream.nextUser { user = min(user, u); any = true }
                if let u = nextDirectory { user = min(user, u); any = true }
                guard any else { break }
                let (dayStart, byteStart) = (batch.days.count, batch.bytes.count)
                while let (u, day) = pendingDay, u == user {
                    if day.events > 0 { batch.days.append(day) }
                    pendingDay = readDay()
                }
                if stream.nextUser == user { stream.appendUser(to: &batch.bytes) }
                let observations = byteStart..<batch.bytes.count
                var listed: Range<Int>?
                if nextDirectory == user {
                    batch.bytes += directoryRecord
                    listed = observations.upperBound..<batch.bytes.count
                    directoryRecord.removeAll(keepingCapacity: true)
                    nextDirectory = directoryUsers.nextRecord(into: &directoryRecord)
                }
                let days = dayStart..<batch.days.count
                // A user is among the users as of L (`docs/segments.md` "Profiles"): an event on
                // or before L, or listed in the directory. One whose every event is later (a
                // report with `--to` before the data's last day) is not yet a user.
                let seenByL = batch.days[days].contains { $0.day <= range.last.index }
                guard seenByL || (listed != nil && directoryOnlyUsers) || (days.isEmpty && !observations.isEmpty) else {
                    batch.days.removeSubrange(dayStart...)
                    batch.bytes.removeSubrange(byteStart...)
                    continue
                }
                batch.entries.append(UserBatch.Entry(user: user, days: days, observations: observations, listed: listed))
                if batch.entries.count == Self.batchSize {
                    hand(batch)
                    batch = UserBatch()
                }
            }
        }
        if !batch.entries.isEmpty { hand(batch) }
    }

    /// Makes and evaluates one user's profile, adding them where they count.
    func add(_ input: UserInput, fold: inout ProfileFold, to partial: inout Partial) {
        let first = range.first.index
        let last = range.last.index
        let days = range.count
        var observed = ObservedProfile()
        fold.fold(input.observations, into: &observed)
        // The directory's attributes that decide membership and breakdowns only: the whole
        // record is decoded again just for a member with endpoints to export. (Decoding every
        // attribute of every listed user was a quarter of the pass.)
        let listed = input.listed.map {
            DirectoryRecord.listedProfile($0, only: evaluated, withSub: observed.userText == nil, reusing: &partial.listedAttributes)
        }
        let profile = makeProfile(
            days: input.days, observed: &observed, sessions: partial.sessionCounts?.count(of: input.user) ?? 0, listed: listed)
        for day in input.days where day.day >= first && day.day <= last {
            let d = Int(day.day - first)
            partial.userTotals[d].counts.1 += day.counts.1
            partial.userTotals[d].counts.2 += day.counts.2
            partial.userTotals[d].counts.3 += day.counts.3
            partial.userTotals[d].counts.4 += day.events
            for (index, name) in options.breakdownAttributes.enumerated() {
                // An empty value is none (as the CSV directory's are; `(unknown)` when no other
                // is left), an address is withheld (`Addresses`).
                let values = Self.distinct((profile.attributes[name]?.values ?? []).compactMap { value in
                    value.isEmpty ? nil : Addresses.shown(value)
                })
                for value in values.isEmpty ? [Dimension.unknown] : values {
                    let key = AttributeKey(day: day.day, attribute: index, value: ExactText(value))
                    partial.attributeRows[key, default: Self.attributeRow(day.day, name, value)].add(day)
                }
            }
        }
        guard let segments = options.segments else { return }
        let membership = segments.evaluate(profile, lastDay: range.last)
        guard !membership.isEmpty else { return }
        let exported = exportedEndpoints(profile)
        let memberOf = (0..<segments.count).filter { membership.contains($0) }
        if userSessions == nil { partial.pendingSessions.append((input.user, membership)) }
        if !exported.isEmpty {
            // The export shows every attribute: the directory's whole record, the events' over
            // it (all else, endpoints included, is as the evaluated attributes made it).
            if let listed = input.listed {
                if let attributes = ExportAttributes.make(record: listed, observed: observed.attributes, names: &partial.names) {
                    partial.exports.add(segments: memberOf, userID: profile.userID, attributes: attributes, endpoints: exported)
                } else {
                    var whole = profile
                    whole.attributes = Self.attributes(
                        listed: DirectoryRecord.listedProfile(listed).attributes, observed: observed.attributes)
                    partial.exports.add(segments: memberOf, profile: whole, endpoints: exported)
                }
            } else {
                partial.exports.add(segments: memberOf, profile: profile, endpoints: exported)
            }
        }
        for s in memberOf {
            partial.rows[s].users += 1
            if let lastActive = profile.lastActive {
                if lastActive == range.last { partial.rows[s].activeUsersLastDay += 1 }
                if lastActive.index >= last - 6 { partial.rows[s].wau7dLastDay += 1 }
                if lastActive.index >= last - 29 { partial.rows[s].mau30dLastDay += 1 }
            }
            partial.rows[s].signUps += profile.signUps
            partial.rows[s].signIns += profile.signIns
            partial.rows[s].authFailures += profile.authFailures
            partial.rows[s].sessions += profile.sessions
            partial.rows[s].endpoints += exported.count
            for day in input.days where day.day >= first && day.day <= last {
                partial.segmentDays[s * days + Int(day.day - first)].add(day)
            }
        }
    }

    /// A thread that adds users to its own `Partial`, a batch at a time, in the order taken.
    final class Lane: @unchecked Sendable {
        // Unchecked: `partial` is touched only by the lane's thread, and read after it is done.
        var partial: Partial
        var fold = ProfileFold()
        let queue = DispatchQueue(label: "authstats.segments")

        init(_ partial: Partial) { self.partial = partial }

        func add(_ users: UserBatch, pass: SegmentPass) {
            users.forEach { pass.add($0, fold: &fold, to: &partial) }
        }
    }

    /// One user's `UserProfile` (`docs/segments.md` "Profiles"), made by one initializer call
    /// from values worked out first: a profile made empty and then set field by field was
    /// copied whole twice a user, its dozen texts and dictionary retained and released each
    /// time (once now: the bench set's million users with the three sample segments, 0.8 G
    /// instructions fewer, callgrind). Its texts are moved out of `observed` (copying the six
    /// demographics was a third of this function); the attributes stay there, for the export.
    func makeProfile(
        days: UnsafeBufferPointer<DayCounts>, observed: inout ObservedProfile, sessions: Int, listed: ListedProfile?
    ) -> UserProfile {
        let userID = observed.userText.take() ?? listed?.sub ?? ""
        var endpoints = observed.endpoints.values.sorted()
        if options.shareUserData, options.projectSharesUserData, let listed {
            // Only the directory's addresses and flags count: a Pinpoint attribute of the same
            // name neither verifies an address nor replaces the verified one.
            for (channel, verified) in [("EMAIL", listed.verifiedEmail), ("SMS", listed.verifiedPhone)] {
                guard let value = verified,
                    !endpoints.contains(where: { $0.channelType == channel && $0.address == value })
                else { continue }
                endpoints.append(UserProfile.Endpoint(
                    id: Self.sharedEndpointID(channel, user: userID, address: value), channelType: channel, address: value,
                    platform: observed.platform, appVersion: observed.appVersion, locale: observed.locale, country: observed.country))
            }
            endpoints.sort()
        }
        let first = range.first.index
        let last = range.last.index
        var lastActive: Day?
        var signUps = 0, signIns = 0, authFailures = 0, activeDays = 0
        for day in days {
            if day.isActive && day.day <= last { lastActive = Day(index: day.day) }
            guard day.day >= first && day.day <= last else { continue }
            signUps += day.signUps
            signIns += day.signIns
            authFailures += day.authFailures
            if day.isActive { activeDays += 1 }
        }
        return UserProfile(
            userID: userID, attributes: Self.attributes(listed: listed?.attributes, observed: observed.attributes),
            platform: observed.platform.take(), appVersion: observed.appVersion.take(), locale: observed.locale.take(),
            country: observed.country.take(), make: observed.make.take(), model: observed.model.take(), endpoints: endpoints,
            lastActive: lastActive, signUps: signUps,
            signIns: signIns, authFailures: authFailures, sessions: sessions, activeDays: activeDays,
            verifiedEmail: listed?.verifiedEmail, verifiedPhone: listed?.verifiedPhone)
    }

    /// The directory's attributes, then the events' over them (`docs/segments.md` "Profiles").
    static func attributes(
        listed: [String: UserProfile.Attribute]?, observed: [String: UserProfile.Attribute]
    ) -> [String: UserProfile.Attribute] {
        guard var attributes = listed, !attributes.isEmpty else { return observed }
        for (name, attribute) in observed { attributes[name] = attribute }
        return attributes
    }

    /// The endpoints a member's export rows show (`docs/segments.md` "Member exports"): an
    /// `EMAIL`, `SMS` or `VOICE` endpoint only with user data sharing and only for the address
    /// the directory lists as verified (never an unverified address, nor one a Pinpoint record
    /// names); a push channel's endpoint with its address (a device token); any other without
    /// its address.
    func exportedEndpoints(_ profile: UserProfile) -> [UserProfile.Endpoint] {
        profile.endpoints.compactMap { endpoint in
            switch endpoint.channelType {
            case "EMAIL":
                return options.shareUserData && endpoint.address != nil && endpoint.address == profile.verifiedEmail ? endpoint : nil
            case "SMS", "VOICE":
                return options.shareUserData && endpoint.address != nil && endpoint.address == profile.verifiedPhone ? endpoint : nil
            case _ where MemberExport.pushChannels.contains(endpoint.channelType):
                return endpoint
            default:
                // `CUSTOM`, `IN_APP`, none (a web app's endpoint) or one Pinpoint does not have
                // (`email`): the address may be an email address or a phone number.
                var withheld = endpoint
                withheld.address = nil
                return withheld
            }
        }
    }

    /// A stable id for an endpoint made from a shared address, which does not show the address.
    static func sharedEndpointID(_ channel: String, user: String, address: String) -> String {
        var text = user + "\u{0}" + address
        let hash = text.withUTF8 { Hash64.hash(UnsafeRawBufferPointer($0)) }
        let hex = String(hash, radix: 16)
        return "cognito-\(channel.lowercased())-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func distinct(_ values: [String]) -> [String] {
        var seen = Set<ExactText>()
        return values.filter { seen.insert(ExactText($0)).inserted }
    }

    struct AttributeKey: Hashable {
        var day: Int32
        var attribute: Int
        /// As exact text, as a dimension's value is kept.
        var value: ExactText
    }

    static func attributeRow(_ day: Int32, _ name: String, _ value: String) -> BreakdownRow {
        var row = BreakdownRow(date: Day(index: day), dimension: .platform, value: value)
        row.attribute = name
        return row
    }
}

extension SegmentDailyRow {
    /// Adds one member's day.
    mutating func add(_ day: SegmentPass.DayCounts) {
        signUps += day.signUps
        signIns += day.signIns
        authFailures += day.authFailures
        if day.isActive { activeUsers += 1 }
    }
}

extension BreakdownRow {
    /// Adds one user's day (an `attr:` row).
    mutating func add(_ day: SegmentPass.DayCounts) {
        signUps += day.signUps
        signIns += day.signIns
        authFailures += day.authFailures
        events += day.events
        if day.isActive { activeUsers += 1 }
    }
}
