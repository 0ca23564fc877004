extension SegmentSet {
    /// The segments `profile` is a member of (`docs/segments.md` "Dimensions").
    ///
    /// Segments are evaluated bases first (`SourceSegments`), each group reading its bases'
    /// results for this same user. Every definition value was parsed at load time: a call only
    /// looks attributes up in `profile.attributes` and compares (date operators read the
    /// user's values as instants).
    ///
    /// - Parameters:
    ///   - profile: the user, as of `lastDay`.
    ///   - lastDay: the last day of the report range, which `Behavior.Recency` counts back from.
    /// - Returns: the indices (in `names`) of the segments the user is a member of.
    /// - Complexity: O(size of the definitions × the user's values they look at); no
    ///   allocation for up to 64 segments, beyond `CONTAINS` and the instants read.
    public func evaluate(_ profile: UserProfile, lastDay: Day) -> SegmentMembership {
        var membership = SegmentMembership()
        for (index, shared) in ordered where Self.matches(shared, profile, lastDay, membership) {
            membership.insert(index)
        }
        return membership
    }

    /// A segment: its `Dimensions` and its `SegmentGroups` must both match (a missing one
    /// matches every user).
    ///
    /// Read in place where that was measured to matter (callgrind, a million users, the three
    /// sample segments: `evaluate` 1.70 → 1.27 G): the definition through its `Shared` object
    /// (passed as a value, it was copied out of it for every segment), the groups and their
    /// members through buffer pointers (`allSatisfy` / `contains(where:)` hand each element out
    /// as a copy, its arrays and sets retained and released), and `bases` tested in a closure
    /// (`bases.contains` taken as a value allocated a context per call). A group's
    /// `Dimensions` is still copied when it is matched (`borrowing` does not stop that).
    ///
    /// A group's sources (by `SourceType`) and dimensions (by `Type`) must both hold, an empty
    /// list holding; a group is read as `groups[g]` where it is used (handed to a function of its
    /// own, it was copied: +7% of `evaluate`).
    static func matches(_ shared: Shared, _ profile: borrowing UserProfile, _ lastDay: Day, _ bases: SegmentMembership) -> Bool {
        if shared.definition.dimensions != nil, !matches(shared.definition.dimensions!, profile, lastDay) { return false }
        guard shared.definition.groups != nil else { return true }
        return shared.definition.groups!.groups.withUnsafeBufferPointer { groups in
            groups.isEmpty || holds(shared.definition.groups!.include, count: groups.count) { g in
                let sources = groups[g].sources.withUnsafeBufferPointer { sources in
                    sources.isEmpty || holds(groups[g].sourceType, count: sources.count) { bases.contains(sources[$0]) }
                }
                return sources && groups[g].dimensions.withUnsafeBufferPointer { dimensions in
                    dimensions.isEmpty || holds(groups[g].type, count: dimensions.count) { matches(dimensions[$0], profile, lastDay) }
                }
            }
        }
    }

    /// `ALL`, `ANY` or `NONE` of the elements `0..<count` pass `test`.
    @inline(__always)
    static func holds(_ quantifier: SegmentRule.Quantifier, count: Int, _ test: (Int) -> Bool) -> Bool {
        switch quantifier {
        case .all:
            for i in 0..<count where !test(i) { return false }
            return true
        case .any:
            for i in 0..<count where test(i) { return true }
            return false
        case .none:
            for i in 0..<count where test(i) { return false }
            return true
        }
    }

    /// One `SegmentDimensions` object: every member matches (an empty one matches everyone).
    static func matches(_ dimensions: borrowing SegmentRule.Dimensions, _ profile: borrowing UserProfile, _ lastDay: Day) -> Bool {
        if let recency = dimensions.recency {
            let active = profile.lastActive.map { $0 <= lastDay && $0 > lastDay.advanced(by: -recency.days) } ?? false
            if active != recency.active { return false }
        }
        for metric in dimensions.metrics where !matches(metric, profile) { return false }
        let demographics = dimensions.demographics.withUnsafeBufferPointer { demographics in
            holds(.all, count: demographics.count) { matches(demographics[$0], profile) }
        }
        if !demographics { return false }
        if dimensions.channel != nil {
            let found = profile.endpoints.contains { dimensions.channel!.values.contains($0.channelType) }
            if found == dimensions.channel!.exclusive { return false }
        }
        return dimensions.attributes.withUnsafeBufferPointer { attributes in
            holds(.all, count: attributes.count) { matches(attributes[$0].test, profile.attributes[attributes[$0].name]?.values) }
        }
    }

    static func matches(_ metric: SegmentRule.Metric, _ profile: borrowing UserProfile) -> Bool {
        let count: Int
        switch metric.counter {
        case .signUps: count = profile.signUps
        case .signIns: count = profile.signIns
        case .authFailures: count = profile.authFailures
        case .sessions: count = profile.sessions
        case .activeDays: count = profile.activeDays
        }
        let value = Double(count)
        switch metric.comparison {
        case .greaterThan: return value > metric.value
        case .lessThan: return value < metric.value
        case .greaterThanOrEqual: return value >= metric.value
        case .lessThanOrEqual: return value <= metric.value
        case .equal: return value == metric.value
        }
    }

    /// `INCLUSIVE`: the profile's value is one of the values; `EXCLUSIVE`: it is not (an
    /// unknown value, nil, matches `EXCLUSIVE` only).
    static func matches(_ match: borrowing SegmentRule.SetMatch, _ profile: borrowing UserProfile) -> Bool {
        let value: String?
        switch match.field {
        case .platform: value = profile.platform.map(lowercased)
        case .appVersion: value = profile.appVersion
        case .make: value = profile.make
        case .model: value = profile.model
        case .country: value = profile.country
        }
        let found = value.map { match.values.contains(ExactText($0)) } ?? false
        return found != match.exclusive
    }

    /// One `Attributes` / `UserAttributes` entry against the user's values of that attribute
    /// (nil: the user has not got it).
    static func matches(_ test: SegmentRule.AttributeTest, _ values: [String]?) -> Bool {
        guard let values else {
            if case .exclusive = test { return true }
            return false
        }
        switch test {
        case .inclusive(let set): return values.contains { set.contains(ExactText($0)) }
        case .exclusive(let set): return !values.contains { set.contains(ExactText($0)) }
        case .contains(let needles): return values.contains { value in needles.contains { contains(value, $0) } }
        case .before(let limit): return values.contains { SegmentInstant($0).map { $0.millis < limit } ?? false }
        case .after(let limit): return values.contains { SegmentInstant($0).map { $0.millis > limit } ?? false }
        case .between(let low, let high):
            return values.contains { SegmentInstant($0).map { $0.millis >= low && $0.millis <= high } ?? false }
        case .on(let day, let start, let end):
            return values.contains { value in
                guard let instant = SegmentInstant(value) else { return false }
                if let date = instant.dateOnly { return date == day }
                return instant.millis >= start && instant.millis < end
            }
        }
    }

    /// Whether `text`'s UTF-8 holds `needle` (case-sensitive, byte for byte).
    static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        var text = text
        return text.withUTF8 { haystack in
            guard haystack.count >= needle.count else { return false }
            var i = 0
            let last = haystack.count - needle.count
            while i <= last {
                if haystack[i] == first {
                    var j = 1
                    while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// Lower-cased, without allocating for text that already is (the usual case: the
    /// profile's platform is lower-cased already).
    static func lowercased(_ text: String) -> String {
        text.utf8.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } ? text.lowercased() : text
    }
}

extension SegmentSet {
    /// Whether a definition compares the `sessions` counter: only then must each user's
    /// sessions be known before the segments are evaluated (otherwise the segment pass runs
    /// while the sessions are still being built, and adds them to its rows after).
    public var usesSessions: Bool {
        func uses(_ dimensions: SegmentRule.Dimensions) -> Bool { dimensions.metrics.contains { $0.counter == .sessions } }
        return definitions.contains { definition in
            (definition.dimensions.map(uses) ?? false)
                || (definition.groups?.groups.contains { $0.dimensions.contains(where: uses) } ?? false)
        }
    }
}
