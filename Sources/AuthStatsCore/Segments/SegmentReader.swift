import Foundation

/// Reads and checks one segment object of a definition file (`docs/segments.md`): its
/// `Name`, `Id`, `SegmentType`, `Dimensions` and `SegmentGroups`.
///
/// Every check that can be made on the segment alone is made here, each refusal naming the
/// JSON path from the document root; `SourceSegments` ids are only collected (as
/// `SourceReference`s), to be resolved once every file is read.
struct SegmentReader {
    typealias Members = [(key: String, value: SegmentJSON)]

    /// A `SourceSegments` entry before it is resolved to a segment index.
    struct SourceReference {
        var id: String
        /// The path of its `Id`, for "no segment with Id …".
        var path: String
    }

    let place: SegmentPlace
    /// `segment "pro-android"`, or `segment #3` until the name is known.
    private(set) var label: String
    let calendar: Calendar
    /// For each group of `SegmentGroups`, its base segments' ids.
    private(set) var sourceReferences: [[SourceReference]] = []

    init(place: SegmentPlace, position: Int, timeZone: TimeZone) {
        self.place = place
        label = "segment #\(position)"
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// Names the segment in messages from now on.
    mutating func name(_ name: String) { label = "segment \(Self.quoted(name))" }

    func fail(_ path: String, _ message: String) -> SegmentDefinitionError {
        SegmentDefinitionError(description: "\(place.filePrefix)\(label): \(path): \(message)")
    }

    // MARK: The segment

    /// A segment's keys other than `Name`, `Id`, `SegmentType`, `ImportDefinition`,
    /// `Dimensions` and `SegmentGroups` are read past (`Arn`, `tags`, and whatever AWS adds
    /// later), except near misses of those, which would silently make a segment of every user.
    /// (Their letters alone, lower-cased: `nearMiss`, which also takes any word that starts like
    /// `Dimensions` or `SegmentGroups` or is two letters off them.)
    private static let segmentTypoKeys: [String: String] = [
        "name": "Name", "id": "Id", "groups": "SegmentGroups", "segmenttype": "SegmentType", "importdefinition": "ImportDefinition",
    ]

    mutating func segment(_ node: SegmentJSON) throws(SegmentDefinitionError) -> SegmentDefinition {
        let path = place.path
        let members = try object(node, path)
        guard let nameNode = members.first(where: { $0.key == "Name" })?.value, !nameNode.isNull else {
            throw fail(path, "no Name; every segment needs a non-empty Name")
        }
        let name = try string(nameNode, path + ".Name")
        guard !name.isEmpty else { throw fail(path + ".Name", "the name is empty; every segment needs a non-empty Name") }
        self.name(name)

        var definition = SegmentDefinition(name: name, id: nil, dimensions: nil, groups: nil, place: place)
        for (key, value) in members where !value.isNull {
            let memberPath = Self.member(path, key)
            switch key {
            case "Name": break
            case "Id":
                let id = try string(value, memberPath)
                guard !id.isEmpty else { throw fail(memberPath, "the Id is empty") }
                definition.id = id
            case "SegmentType":
                guard case .string(let type) = value.value else { throw fail(memberPath, "expected a string, found \(value.kind)") }
                if type == "IMPORT" {
                    throw fail(memberPath, "\"IMPORT\" is not supported: an imported segment's endpoints are in its import file, not in the exports")
                }
                guard type == "DIMENSIONAL" else { throw fail(memberPath, "\(Self.quoted(type)) is not one of DIMENSIONAL, IMPORT") }
            case "ImportDefinition":
                throw fail(memberPath, "not supported: an imported segment's endpoints are in its import file, not in the exports")
            case "Dimensions":
                definition.dimensions = try dimensions(value, memberPath)
            case "SegmentGroups":
                definition.groups = try groups(value, memberPath)
            default:
                if let meant = Self.nearMiss(key) {
                    throw fail(memberPath, "unknown key; did you mean \(meant)?")
                }
                // A key of `SegmentDimensions` on the segment itself: its `Dimensions` left out.
                if let dimension = Self.dimensionKeys.first(where: { $0 == key }) {
                    throw fail(memberPath, "\(dimension) belongs inside Dimensions: {\"Dimensions\": {\"\(dimension)\": …}}")
                }
                // A key of a deeper level on the segment itself was read past: the segment then
                // selected every user (a review, 2026-12-07: `SourceSegments` of an id that does
                // not exist, `Include`, `Recency`).
                if let (inside, shape) = Self.misplacedKeys[key] {
                    throw fail(memberPath, "\(key) belongs inside \(inside): \(shape)")
                }
            }
        }
        return definition
    }

    /// The key a segment's unknown `key` was meant to be, if it is a near miss of one: the same
    /// letters in another case, with spaces, `_`, `-` or other characters around or between
    /// them (`"Dimensions "`, `segment_groups`, a zero-width space), or one or two letters off
    /// the two keys that decide what a segment selects (`Dimensons`). Such a key read past
    /// would quietly make a segment of every user (a review, 2026-12-07, found all of these
    /// taken; only the lower-cased names were caught).
    static func nearMiss(_ key: String) -> String? {
        let letters = Array(key.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) })
        let word = String(String.UnicodeScalarView(letters))
        if let meant = segmentTypoKeys[word] { return meant }
        if word.hasPrefix("segmentgroup") { return "SegmentGroups" }  // SegmentGroup, SegmentGroupList
        if word.hasPrefix("dimension") { return "Dimensions" }  // Dimension
        for (known, meant) in [("dimensions", "Dimensions"), ("segmentgroups", "SegmentGroups")]
        where editDistance(letters, Array(known.unicodeScalars)) <= 2 {
            return meant
        }
        return nil
    }

    // MARK: SegmentGroups

    private mutating func groups(_ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> SegmentRule.Groups {
        let members = try object(node, path, allowed: ["Include", "Groups"])
        var result = SegmentRule.Groups(include: .all, groups: [])
        for (key, value) in members where !value.isNull {
            let memberPath = Self.member(path, key)
            if key == "Include" {
                result.include = try choice(value, memberPath, SegmentRule.Quantifier.self)
            } else {
                for (i, group) in try list(value, memberPath).enumerated() {
                    result.groups.append(try self.group(group, "\(memberPath)[\(i)]"))
                }
            }
        }
        return result
    }

    private mutating func group(_ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> SegmentRule.Group {
        let members = try object(node, path, allowed: ["Dimensions", "SourceSegments", "SourceType", "Type"])
        var result = SegmentRule.Group(sources: [], sourceType: .all, type: .all, dimensions: [])
        var references: [SourceReference] = []
        for (key, value) in members where !value.isNull {
            let memberPath = Self.member(path, key)
            switch key {
            case "Dimensions":
                for (i, entry) in try list(value, memberPath).enumerated() {
                    result.dimensions.append(try dimensions(entry, "\(memberPath)[\(i)]"))
                }
            case "SourceSegments":
                for (i, entry) in try list(value, memberPath).enumerated() {
                    let entryPath = "\(memberPath)[\(i)]"
                    let source = try object(entry, entryPath, allowed: ["Id", "Version"])
                    guard let idNode = source.first(where: { $0.key == "Id" })?.value, !idNode.isNull else {
                        throw fail(entryPath, "no Id; a source segment is named by its Id")
                    }
                    references.append(SourceReference(id: try string(idNode, entryPath + ".Id"), path: entryPath + ".Id"))
                    // The version is read past (a segment's current definition is what we have).
                    if let version = source.first(where: { $0.key == "Version" })?.value, !version.isNull {
                        guard case .number = version.value else {
                            throw fail(entryPath + ".Version", "expected a number, found \(version.kind)")
                        }
                    }
                }
            case "SourceType":
                result.sourceType = try choice(value, memberPath, SegmentRule.Quantifier.self)
            default:  // Type
                result.type = try choice(value, memberPath, SegmentRule.Quantifier.self)
            }
        }
        sourceReferences.append(references)
        return result
    }

    // MARK: SegmentDimensions

    static let dimensionKeys = ["Attributes", "Behavior", "Demographic", "Location", "Metrics", "UserAttributes"]

    /// Keys of the levels under a segment's own (its groups', a group's, a dimension's), and
    /// where each belongs, for a segment that names one on itself.
    static let misplacedKeys: [String: (String, String)] = {
        let groups = #"{"SegmentGroups": {"Include": …, "Groups": [{"Type": …, "SourceType": …, "SourceSegments": […], "Dimensions": […]}]}}"#
        var keys: [String: (String, String)] = ["Include": ("SegmentGroups", groups)]
        for key in ["Type", "SourceType", "SourceSegments"] { keys[key] = ("a group of SegmentGroups.Groups", groups) }
        for (parent, children) in [
            ("Behavior", ["Recency"]), ("Demographic", ["AppVersion", "Channel", "DeviceType", "Make", "Model", "Platform"]),
            ("Location", ["Country", "GPSPoint"]),
        ] {
            for child in children { keys[child] = ("Dimensions.\(parent)", #"{"Dimensions": {"\#(parent)": {"\#(child)": …}}}"#) }
        }
        return keys
    }()

    private func dimensions(_ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> SegmentRule.Dimensions {
        let members = try object(node, path, allowed: Self.dimensionKeys)
        var result = SegmentRule.Dimensions()
        for (key, value) in members where !value.isNull {
            let memberPath = Self.member(path, key)
            switch key {
            case "Attributes", "UserAttributes":
                for (name, entry) in try object(value, memberPath) {
                    result.attributes.append(try attribute(name: name, entry, Self.member(memberPath, name)))
                }
            case "Metrics":
                for (name, entry) in try object(value, memberPath) {
                    result.metrics.append(try metric(name: name, entry, Self.member(memberPath, name)))
                }
            case "Behavior":
                for (_, recency) in try object(value, memberPath, allowed: ["Recency"]) where !recency.isNull {
                    result.recency = try self.recency(recency, memberPath + ".Recency")
                }
            case "Demographic":
                let allowed = ["AppVersion", "Channel", "DeviceType", "Make", "Model", "Platform"]
                for (field, entry) in try object(value, memberPath, allowed: allowed) where !entry.isNull {
                    let fieldPath = memberPath + "." + field
                    switch field {
                    case "DeviceType":
                        throw fail(fieldPath, "not supported: the exports have no device type")
                    case "Channel":
                        let (exclusive, values) = try setDimension(entry, fieldPath, allowed: SegmentRule.channelTypes)
                        result.channel = SegmentRule.Channel(exclusive: exclusive, values: Set(values))
                    case "Platform":
                        let (exclusive, values) = try setDimension(entry, fieldPath)
                        result.demographics.append(
                            SegmentRule.SetMatch(field: .platform, exclusive: exclusive, values: Set(values.map { ExactText($0.lowercased()) })))
                    default:
                        let field: SegmentRule.Field = field == "AppVersion" ? .appVersion : field == "Make" ? .make : .model
                        let (exclusive, values) = try setDimension(entry, fieldPath)
                        result.demographics.append(SegmentRule.SetMatch(field: field, exclusive: exclusive, values: Set(values.map(ExactText.init))))
                    }
                }
            default:  // Location
                for (field, entry) in try object(value, memberPath, allowed: ["Country", "GPSPoint"]) where !entry.isNull {
                    let fieldPath = memberPath + "." + field
                    if field == "GPSPoint" { throw fail(fieldPath, "not supported: the exports have no GPS point") }
                    let (exclusive, values) = try setDimension(entry, fieldPath)
                    result.demographics.append(SegmentRule.SetMatch(field: .country, exclusive: exclusive, values: Set(values.map(ExactText.init))))
                }
            }
        }
        return result
    }

    /// A `SetDimension`: `DimensionType` (absent: `INCLUSIVE`) and a non-empty `Values`.
    private func setDimension(_ node: SegmentJSON, _ path: String, allowed: [String]? = nil)
        throws(SegmentDefinitionError) -> (exclusive: Bool, values: [String])
    {
        let members = try object(node, path, allowed: ["DimensionType", "Values"])
        var type = SegmentRule.SetType.inclusive
        if let node = members.first(where: { $0.key == "DimensionType" })?.value, !node.isNull {
            type = try choice(node, path + ".DimensionType", SegmentRule.SetType.self)
        }
        let values = try requiredStrings(members, path)
        if let allowed {
            for (i, value) in values.enumerated() where !allowed.contains(value) {
                throw fail("\(path).Values[\(i)]", "\(Self.quoted(value)) is not one of \(allowed.joined(separator: ", "))")
            }
        }
        return (type == .exclusive, values)
    }

    /// An `AttributeDimension`: `AttributeType` (absent: `INCLUSIVE`) and its `Values`.
    private func attribute(name: String, _ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError)
        -> SegmentRule.Attribute
    {
        let members = try object(node, path, allowed: ["AttributeType", "Values"])
        var type = SegmentRule.AttributeOperator.inclusive
        if let node = members.first(where: { $0.key == "AttributeType" })?.value, !node.isNull {
            type = try choice(node, path + ".AttributeType", SegmentRule.AttributeOperator.self)
        }
        let values = try requiredStrings(members, path)
        let valuesPath = path + ".Values"
        func instants(_ count: Int, _ words: String) throws(SegmentDefinitionError) -> [SegmentInstant] {
            guard values.count == count else {
                throw fail(valuesPath, "\(type.rawValue) takes exactly \(words), found \(values.count)")
            }
            var result: [SegmentInstant] = []
            for (i, value) in values.enumerated() {
                guard let instant = SegmentInstant(value) else {
                    throw fail(
                        "\(valuesPath)[\(i)]",
                        "\(Self.quoted(value)) is not an ISO-8601 instant (2026-01-31T10:00:00Z, 2026-01-31T12:00:00.250+02:00 or 2026-01-31)")
                }
                result.append(instant)
            }
            return result
        }
        let test: SegmentRule.AttributeTest
        switch type {
        case .inclusive: test = .inclusive(Set(values.map(ExactText.init)))
        case .exclusive: test = .exclusive(Set(values.map(ExactText.init)))
        case .contains: test = .contains(values.map { Array($0.utf8) })
        case .before: test = .before(try instants(1, "one value")[0].millis)
        case .after: test = .after(try instants(1, "one value")[0].millis)
        case .on:
            let instant = try instants(1, "one value")[0]
            let day = instant.dateOnly ?? dayInZone(instant.millis)
            test = .on(day: day, start: startInZone(day), end: startInZone(day.advanced(by: 1)))
        case .between:
            let range = try instants(2, "two values")
            guard range[0].millis <= range[1].millis else {
                throw fail(valuesPath, "BETWEEN's first value \(values[0]) is after its second value \(values[1])")
            }
            test = .between(range[0].millis, range[1].millis)
        }
        return SegmentRule.Attribute(name: name, test: test)
    }

    private func metric(name: String, _ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> SegmentRule.Metric {
        guard let counter = SegmentRule.Counter(rawValue: name) else {
            throw fail(path, "unknown metric \(Self.quoted(name)); the metrics are \(UserProfile.metricNames.joined(separator: ", "))")
        }
        let members = try object(node, path, allowed: ["ComparisonOperator", "Value"])
        guard let operatorNode = members.first(where: { $0.key == "ComparisonOperator" })?.value, !operatorNode.isNull else {
            throw fail(path, "no ComparisonOperator")
        }
        let comparison = try choice(operatorNode, path + ".ComparisonOperator", SegmentRule.Comparison.self)
        guard let valueNode = members.first(where: { $0.key == "Value" })?.value, !valueNode.isNull else {
            throw fail(path, "no Value")
        }
        guard case .number(let value) = valueNode.value else {
            throw fail(path + ".Value", "expected a number, found \(valueNode.kind)")
        }
        return SegmentRule.Metric(counter: counter, comparison: comparison, value: value)
    }

    private func recency(_ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> SegmentRule.Recency {
        let members = try object(node, path, allowed: ["Duration", "RecencyType"])
        guard let durationNode = members.first(where: { $0.key == "Duration" })?.value, !durationNode.isNull else {
            throw fail(path, "no Duration")
        }
        guard let typeNode = members.first(where: { $0.key == "RecencyType" })?.value, !typeNode.isNull else {
            throw fail(path, "no RecencyType")
        }
        // In file order, so that the first wrong member is the one reported.
        var duration = SegmentRule.Duration.days30
        var type = SegmentRule.RecencyType.active
        for (key, value) in members {
            if key == "Duration" {
                duration = try choice(value, path + ".Duration", SegmentRule.Duration.self)
            } else {
                type = try choice(value, path + ".RecencyType", SegmentRule.RecencyType.self)
            }
        }
        return SegmentRule.Recency(days: duration.days, active: type == .active)
    }

    // MARK: Days in the report time zone

    /// The day in the report time zone of the instant `millis`.
    private func dayInZone(_ millis: Int64) -> Day {
        let offset = Int64(calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(millis) / 1000))) * 1000
        return Day(index: Int32(truncatingIfNeeded: DayClock.floorDiv(millis + offset, 86_400_000)))
    }

    /// The first instant of `day` in the report time zone (its midnight, or the first time
    /// after a transition that skips midnight).
    private func startInZone(_ day: Day) -> Int64 {
        let (year, month, dayOfMonth) = day.civil
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth)) else {
            return Int64(day.index) * 86_400_000
        }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    // MARK: JSON types

    /// The members of an object; with `allowed`, an unknown key is refused.
    private func object(_ node: SegmentJSON, _ path: String, allowed: [String]? = nil) throws(SegmentDefinitionError) -> Members {
        guard case .object(let members) = node.value else { throw fail(path, "expected an object, found \(node.kind)") }
        if let allowed {
            for (key, _) in members where !allowed.contains(key) {
                throw fail(Self.member(path, key), "unknown key; the keys allowed here are \(allowed.joined(separator: ", "))")
            }
        }
        return members
    }

    private func list(_ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> [SegmentJSON] {
        guard case .array(let elements) = node.value else { throw fail(path, "expected a list, found \(node.kind)") }
        return elements
    }

    private func string(_ node: SegmentJSON, _ path: String) throws(SegmentDefinitionError) -> String {
        guard case .string(let text) = node.value else { throw fail(path, "expected a string, found \(node.kind)") }
        return text
    }

    /// The `Values` of a dimension: a non-empty list of strings.
    private func requiredStrings(_ members: Members, _ path: String) throws(SegmentDefinitionError) -> [String] {
        guard let node = members.first(where: { $0.key == "Values" })?.value, !node.isNull else {
            throw fail(path, "no Values")
        }
        let valuesPath = path + ".Values"
        guard case .array(let elements) = node.value else {
            throw fail(valuesPath, "expected a list of strings, found \(node.kind)")
        }
        guard !elements.isEmpty else { throw fail(valuesPath, "the list is empty; give at least one value") }
        var values: [String] = []
        for (i, element) in elements.enumerated() { values.append(try string(element, "\(valuesPath)[\(i)]")) }
        return values
    }

    /// One of an enumeration's raw values.
    private func choice<Choice: RawRepresentable & CaseIterable>(_ node: SegmentJSON, _ path: String, _: Choice.Type)
        throws(SegmentDefinitionError) -> Choice where Choice.RawValue == String
    {
        let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let text) = node.value else {
            throw fail(path, "expected a string (one of \(names)), found \(node.kind)")
        }
        guard let value = Choice(rawValue: text) else { throw fail(path, "\(Self.quoted(text)) is not one of \(names)") }
        return value
    }

    // MARK: Paths and quoting

    /// `path.Key`, or `path["odd key"]` for a key that is not a plain word (attribute names
    /// can hold dots and spaces).
    static func member(_ path: String, _ key: String) -> String {
        let plain =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                ($0.properties.isAlphabetic || $0.properties.numericType != nil || "_:-".unicodeScalars.contains($0))
            }
        if plain { return path.isEmpty ? key : path + "." + key }
        return path + "[" + quoted(key) + "]"
    }

    /// A string as JSON writes it, quotes and escapes included (the reports' own quoting).
    /// `text` as a message shows it: quoted as JSON, its first 200 characters (a name of
    /// 200,000 was a line of 200 KB), and the characters that reorder a line on a terminal
    /// (bidirectional controls: `\u202E` made `"abc"` read as `"cba"`) escaped as JSON
    /// escapes them (a review, 2026-12-07).
    static func quoted(_ text: String) -> String {
        let count = text.count
        var out = ""
        for scalar in JSONText.quote(count > 200 ? String(text.prefix(200)) : text).unicodeScalars {
            if (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value) || [0x200E, 0x200F, 0x061C].contains(scalar.value) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return count > 200 ? out.dropLast() + "…\" (\(count) characters)" : out
    }
}

extension SegmentJSON {
    /// A JSON `null`, which counts as an absent member.
    var isNull: Bool {
        if case .null = value { return true }
        return false
    }
}
