/// The end-of-run pass that builds every user's profile and evaluates the segments
/// (`docs/segments.md`): one walk over the users in hash order, joining three sorted streams
/// (the per-day kind counts, the folded profile observations, the user directory) and the
/// session counts, one user in memory at a time.
struct SegmentPass {
    let options: ProfileOptions
    let range: DayRange
    let directory: UserDirectory
    /// Sessions starting in the range, by user hash.
    let userSessions: [UInt64: Int]
    /// Where the member export rows spill.
    let store: (any SpillStore)?

    struct Output {
        var rows: [SegmentRow] = []
        var daily: [SegmentDailyRow] = []
        var breakdown: [BreakdownRow] = []
        var exports: MemberExportLog
    }

    /// Counts of one user on one day, by `UserKind`.
    struct DayCounts {
        var day: Int32
        var counts: (Int, Int, Int, Int, Int)  // other activity, sign-ups, sign-ins, failures, inactive

        var isActive: Bool { counts.0 > 0 || counts.1 > 0 || counts.2 > 0 }
        var events: Int { counts.0 + counts.1 + counts.2 + counts.3 + counts.4 }
    }

    func run(kinds: ActivityTable, profiles: inout ProfileLog, daily: [DailyRow]) -> Output {
        let segments = options.segments
        let segmentCount = segments?.count ?? 0
        let names = segments?.names ?? []
        let files = names.map(SegmentFileName.fileName(for:))
        let days = range.count
        let first = range.first.index
        let last = range.last.index
        var output = Output(exports: MemberExportLog(segments: segmentCount, store: store))
        output.rows = zip(names, files).map { SegmentRow(segment: $0, file: $1 + ".csv") }
        var segmentDays = [SegmentDailyRow](repeating: SegmentDailyRow(date: range.first, segment: ""), count: segmentCount * days)
        for s in 0..<segmentCount {
            for d in 0..<days { segmentDays[s * days + d] = SegmentDailyRow(date: range.first.advanced(by: d), segment: names[s]) }
        }
        // Attribute breakdowns: rows by (day, attribute, value); `userTotals` is what users
        // made each day, so that events without a user can go to `(unknown)`.
        var attributeRows: [AttributeKey: BreakdownRow] = [:]
        var userTotals = [DayCounts](repeating: DayCounts(day: 0, counts: (0, 0, 0, 0, 0)), count: days)

        // The directory's users, streamed in hash order (spilled runs merged) from a copy.
        var directoryCopy = directory
        let directoryUsers = directoryCopy.sortedUsers()
        var nextDirectory = directoryUsers.next()
        var groups = kinds.groups()
        var sums: [(profile: UInt32, count: Int32)] = []
        var pendingDay: (user: UInt64, day: DayCounts)?
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
        pendingDay = readDay()

        profiles.withSorted { records in
            var fold = ProfileFold(records)
            var pendingProfile = fold.next()
            var userDays: [DayCounts] = []
            while true {
                // The smallest user hash among the three streams.
                var user = UInt64.max
                var any = false
                if let (u, _) = pendingDay { user = min(user, u); any = true }
                if let (u, _) = pendingProfile { user = min(user, u); any = true }
                if let (u, _) = nextDirectory { user = min(user, u); any = true }
                guard any else { break }

                userDays.removeAll(keepingCapacity: true)
                while let (u, day) = pendingDay, u == user {
                    if day.events > 0 { userDays.append(day) }
                    pendingDay = readDay()
                }
                var observed = ObservedProfile()
                if let (u, profile) = pendingProfile, u == user {
                    observed = profile
                    pendingProfile = fold.next()
                }
                var listed: DirectoryUser?
                if let (u, entry) = nextDirectory, u == user {
                    listed = entry
                    nextDirectory = directoryUsers.next()
                }
                guard !userDays.isEmpty || listed != nil || !observed.endpoints.isEmpty else { continue }
                let profile = makeProfile(user: user, days: userDays, observed: observed, listed: listed)

                for day in userDays where day.day >= first && day.day <= last {
                    let d = Int(day.day - first)
                    userTotals[d].counts.1 += day.counts.1
                    userTotals[d].counts.2 += day.counts.2
                    userTotals[d].counts.3 += day.counts.3
                    userTotals[d].counts.4 += day.events
                    for (index, name) in options.breakdownAttributes.enumerated() {
                        let values = Self.distinct(profile.attributes[name]?.values ?? [])
                        for value in values.isEmpty ? [Dimension.unknown] : values {
                            let key = AttributeKey(day: day.day, attribute: index, value: value)
                            var row = attributeRows[key] ?? Self.attributeRow(day.day, name, value)
                            row.signUps += day.counts.1
                            row.signIns += day.counts.2
                            row.authFailures += day.counts.3
                            row.events += day.events
                            if day.isActive { row.activeUsers += 1 }
                            attributeRows[key] = row
                        }
                    }
                }

                guard let segments else { continue }
                let membership = segments.evaluate(profile, lastDay: range.last)
                guard !membership.isEmpty else { continue }
                let exported = exportedEndpoints(profile)
                let memberOf = (0..<segmentCount).filter { membership.contains($0) }
                output.exports.add(segments: memberOf, profile: profile, endpoints: exported)
                for s in memberOf {
                    var row = output.rows[s]
                    row.users += 1
                    if let lastActive = profile.lastActive {
                        if lastActive == range.last { row.activeUsersLastDay += 1 }
                        if lastActive.index >= last - 6 { row.wau7dLastDay += 1 }
                        if lastActive.index >= last - 29 { row.mau30dLastDay += 1 }
                    }
                    row.signUps += profile.signUps
                    row.signIns += profile.signIns
                    row.authFailures += profile.authFailures
                    row.sessions += profile.sessions
                    row.endpoints += exported.count
                    output.rows[s] = row
                    for day in userDays where day.day >= first && day.day <= last {
                        let i = s * days + Int(day.day - first)
                        segmentDays[i].signUps += day.counts.1
                        segmentDays[i].signIns += day.counts.2
                        segmentDays[i].authFailures += day.counts.3
                        if day.isActive { segmentDays[i].activeUsers += 1 }
                    }
                }
            }
        }

        // Events without a user: `(unknown)` of every attribute.
        for (index, name) in options.breakdownAttributes.enumerated() {
            for d in 0..<min(days, daily.count) {
                let row = daily[d]
                let t = userTotals[d]
                let rest = (row.signUps - t.counts.1, row.signIns - t.counts.2, row.authFailures - t.counts.3, row.events - t.counts.4)
                guard rest.3 > 0 else { continue }
                let key = AttributeKey(day: first + Int32(d), attribute: index, value: Dimension.unknown)
                var out = attributeRows[key] ?? Self.attributeRow(first + Int32(d), name, Dimension.unknown)
                out.signUps += rest.0
                out.signIns += rest.1
                out.authFailures += rest.2
                out.events += rest.3
                attributeRows[key] = out
            }
        }
        output.breakdown = Array(attributeRows.values)
        // Days ascending, segments in definition order within a day.
        output.daily = (0..<days).flatMap { d in (0..<segmentCount).map { segmentDays[$0 * days + d] } }
        return output
    }

    /// One user's `UserProfile` (`docs/segments.md` "Profiles").
    func makeProfile(user: UInt64, days: [DayCounts], observed: ObservedProfile, listed: DirectoryUser?) -> UserProfile {
        var profile = UserProfile(userID: observed.userText ?? listed?.sub ?? "")
        if let listed {
            for (name, value) in listed.attributes {
                profile.attributes[name] = UserProfile.Attribute(values: [value], origin: .directory)
            }
            if let status = listed.status {
                profile.attributes["cognito:user_status"] = UserProfile.Attribute(values: [status], origin: .directory)
            }
            if let enabled = listed.enabled {
                profile.attributes["cognito:enabled"] = UserProfile.Attribute(values: [enabled ? "true" : "false"], origin: .directory)
            }
        }
        for (name, attribute) in observed.attributes { profile.attributes[name] = attribute }
        profile.platform = observed.platform
        profile.appVersion = observed.appVersion
        profile.locale = observed.locale
        profile.country = observed.country
        profile.make = observed.make
        profile.model = observed.model
        profile.endpoints = observed.endpoints.values.sorted()
        if options.shareUserData {
            for (channel, address, verified) in [("EMAIL", "email", "email_verified"), ("SMS", "phone_number", "phone_number_verified")] {
                guard let value = profile.attributes[address]?.values.first, !value.isEmpty,
                    profile.attributes[verified]?.values.first == "true",
                    !profile.endpoints.contains(where: { $0.channelType == channel && $0.address == value })
                else { continue }
                profile.endpoints.append(UserProfile.Endpoint(
                    id: Self.sharedEndpointID(channel, user: profile.userID, address: value), channelType: channel, address: value,
                    platform: profile.platform, appVersion: profile.appVersion, locale: profile.locale, country: profile.country))
            }
            profile.endpoints.sort()
        }
        let first = range.first.index
        let last = range.last.index
        for day in days {
            if day.isActive && day.day <= last { profile.lastActive = Day(index: day.day) }
            guard day.day >= first && day.day <= last else { continue }
            profile.signUps += day.counts.1
            profile.signIns += day.counts.2
            profile.authFailures += day.counts.3
            if day.isActive { profile.activeDays += 1 }
        }
        profile.sessions = userSessions[user] ?? 0
        return profile
    }

    /// The endpoints a member's export rows show: an `EMAIL`, `SMS` or `VOICE` endpoint only
    /// with user data sharing and the matching address verified (never an unverified address).
    func exportedEndpoints(_ profile: UserProfile) -> [UserProfile.Endpoint] {
        profile.endpoints.filter { endpoint in
            switch endpoint.channelType {
            case "EMAIL": return options.shareUserData && profile.attributes["email_verified"]?.values.first == "true"
            case "SMS", "VOICE": return options.shareUserData && profile.attributes["phone_number_verified"]?.values.first == "true"
            default: return true
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
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    struct AttributeKey: Hashable {
        var day: Int32
        var attribute: Int
        var value: String
    }

    static func attributeRow(_ day: Int32, _ name: String, _ value: String) -> BreakdownRow {
        var row = BreakdownRow(date: Day(index: day), dimension: .platform, value: value)
        row.attribute = name
        return row
    }
}
