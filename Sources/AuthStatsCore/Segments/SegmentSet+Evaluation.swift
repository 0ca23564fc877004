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
        for (index, shared) in ordered where Self.matches(shared.definition, profile, lastDay, membership) {
            membership.insert(index)
        }
        return membership
    }

    /// A segment: its `Dimensions` and its `SegmentGroups` must both match (a missing one
    /// matches every user).
    static func matches(_ definition: SegmentDefinition, _ profile: UserProfile, _ lastDay: Day, _ bases: SegmentMembership) -> Bool {
        if let dimensions = definition.dimensions, !matches(dimensions, profile, lastDay) { return false }
        guard let list = definition.groups, !list.groups.isEmpty else { return true }
        return holds(list.include, over: list.groups) { group in
            if !group.sources.isEmpty && !holds(group.sourceType, over: group.sources, bases.contains) { return false }
            if group.dimensions.isEmpty { return true }
            return holds(group.type, over: group.dimensions) { matches($0, profile, lastDay) }
        }
    }

    /// `ALL`, `ANY` or `NONE` of `elements` pass `test`.
    @inline(__always)
    static func holds<Element>(_ quantifier: SegmentRule.Quantifier, over elements: [Element], _ test: (Element) -> Bool) -> Bool {
        switch quantifier {
        case .all: return elements.allSatisfy(test)
        case .any: return elements.contains(where: test)
        case .none: return !elements.contains(where: test)
        }
    }

    /// One `SegmentDimensions` object: every member matches (an empty one matches everyone).
    static func matches(_ dimensions: SegmentRule.Dimensions, _ profile: UserProfile, _ lastDay: Day) -> Bool {
        if let recency = dimensions.recency {
            let active = profile.lastActive.map { $0 <= lastDay && $0 > lastDay.advanced(by: -recency.days) } ?? false
            if active != recency.active { return false }
        }
        for metric in dimensions.metrics where !matches(metric, profile) { return false }
        for demographic in dimensions.demographics where !matches(demographic, profile) { return false }
        if let channel = dimensions.channel {
            let found = profile.endpoints.contains { channel.values.contains($0.channelType) }
            if found == channel.exclusive { return false }
        }
        for attribute in dimensions.attributes where !matches(attribute.test, profile.attributes[attribute.name]?.values) {
            return false
        }
        return true
    }

    static func matches(_ metric: SegmentRule.Metric, _ profile: UserProfile) -> Bool {
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
    static func matches(_ match: SegmentRule.SetMatch, _ profile: UserProfile) -> Bool {
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
