/// Interns dimension values: each distinct (dimension, value) gets a small integer, and each
/// distinct combination of the eight values (a *profile*) gets one too, so that per-event and
/// per-user-day state holds one `UInt32` instead of eight strings.
///
/// A profile is found by its values' ids: each value is interned in its dimension (one
/// dictionary look-up of a `String`), then the combination of ids in an open-addressed table
/// of profile ids, compared against `profileValues`. (Until 2026-12-04 profiles were keyed by
/// their `DimensionValues`, whose hash runs over all eight strings: a new profile hashed them
/// three times and again at each growth; over many dimensions, tens of thousands of profiles,
/// that was 5.6% of a run's CPU.)
public struct DimensionTable: Sendable {
    private static let dimensions = Dimension.allCases.count

    private(set) var strings: [[String]] = Array(repeating: [], count: Dimension.allCases.count)
    /// Each dimension's value ids, by the value as exact text (`ExactText`).
    private var ids: [[ExactText: UInt32]] = Array(repeating: [:], count: Dimension.allCases.count)
    /// Each profile's value ids, `Dimension.allCases.count` of them a profile, in profile order.
    private(set) var profileValues: [UInt32] = []
    /// Profile id + 1 by a mix of its value ids (0: a free slot), linear probing, grown at half full.
    private var slots = [UInt32](repeating: 0, count: 64)
    /// The value ids of the values being looked up.
    private var scratch = [UInt32](repeating: 0, count: Dimension.allCases.count)
    private var last: (DimensionValues, UInt32)?
    /// Each dimension's values met lately: `1 << recentBits` slots a dimension, a value's slot
    /// chosen by `Hash64` of its bytes, holding its id + 1 (0: none). A slot counts only when
    /// the id's text is the value's bytes, so a withheld value (whose text is `(withheld)`) or
    /// one that shares its slot is looked up in `ids`, as before. Over many dimension values a
    /// profile-cache miss looked up all eight values in `ids`, each a `Hasher` over its bytes
    /// (~490 instructions; 3% of the many-dimensions shape). Values crafted to share a slot
    /// only fall back to `ids`, whose hash is seeded. Made (32 KiB) only once the table has
    /// looked profiles up `recentAfter` times: `--by-project` keeps a table per project and
    /// worker, and slots made for every one of 5,000 projects had added 40% to such a run's
    /// peak RSS (a review); a project that small gains nothing from them.
    private var recent: [UInt32] = []
    private var lookups = 0
    private static let recentBits = 10
    static let recentAfter = 256

    /// Whether the recent slots are in use (for tests).
    var hasRecentSlots: Bool { !recent.isEmpty }

    public init() {}

    /// The profile id of `values`, interning what is new; a new value that holds an address is
    /// interned as `(withheld)` unless `withholding` is false (a state's stored profiles are
    /// taken in with their ids kept: one written before 2026-12-05 may hold two that differ by
    /// an address alone).
    public mutating func profile(of values: DimensionValues, withholding: Bool = true) -> UInt32 {
        if let last, last.0 == values { return last.1 }
        if recent.isEmpty {
            lookups += 1
            if lookups >= Self.recentAfter { recent = [UInt32](repeating: 0, count: Dimension.allCases.count << Self.recentBits) }
        }
        for d in Dimension.allCases {
            let value = values[d]
            let slot = recent.isEmpty ? -1 : d.rawValue << Self.recentBits | Self.recentSlot(value)
            if slot >= 0, recent[slot] != 0, ExactText.same(strings[d.rawValue][Int(recent[slot] - 1)], value) {
                scratch[d.rawValue] = recent[slot] - 1
            } else if let id = ids[d.rawValue][ExactText(value)] {
                scratch[d.rawValue] = id
                if slot >= 0, ExactText.same(strings[d.rawValue][Int(id)], value) { recent[slot] = id + 1 }
            } else {
                // An email address or a phone number is never a reported value, whatever field
                // it came in (`app_version`, `country`, …: a review found them in
                // breakdown.csv): every such value is one `(withheld)` (`Addresses`). Decided
                // once a distinct value, here (in `DimensionValues`, for every value made on a
                // profile cache miss, it was 1.3% of the many-dimensions shape).
                let shown = withholding && Self.describes(d) ? Addresses.shown(value) : value
                let id = ids[d.rawValue][ExactText(shown)] ?? {
                    let id = UInt32(strings[d.rawValue].count)
                    strings[d.rawValue].append(shown)
                    ids[d.rawValue][ExactText(shown)] = id
                    return id
                }()
                ids[d.rawValue][ExactText(value)] = id
                scratch[d.rawValue] = id
            }
        }
        let mask = slots.count - 1
        var i = Self.home(scratch, mask)
        while slots[i] != 0 {
            let id = slots[i] - 1
            if hasValues(id, scratch) {
                last = (values, id)
                return id
            }
            i = (i + 1) & mask
        }
        let id = UInt32(profileCount)
        profileValues.append(contentsOf: scratch)
        slots[i] = id + 1
        if profileCount * 2 > slots.count { grow() }
        last = (values, id)
        return id
    }

    /// The slot of `value` among its dimension's `recent` ones.
    @inline(__always)
    private static func recentSlot(_ value: String) -> Int {
        let hash = value.utf8.withContiguousStorageIfAvailable { Hash64.hash(UnsafeRawBufferPointer($0)) } ?? Array(value.utf8).withUnsafeBytes { Hash64.hash($0) }
        return Int(truncatingIfNeeded: hash >> 40) & (1 << recentBits - 1)
    }

    /// Whether `dimension`'s values describe a device or a place (platform, locale, app version,
    /// country), where an address is withheld. The ids (`client_id`, `project_id`) are written
    /// as they are, as user ids are: the projects of `--clients` and `--by-project` are found
    /// by them (a client id withheld in the table, but not in an event whose values were made
    /// anew, split one project's events between two folders, a review found).
    static func describes(_ dimension: Dimension) -> Bool {
        switch dimension {
        case .platform, .locale, .appVersion, .country: return true
        default: return false
        }
    }

    /// Whether profile `profile` has exactly these value ids (every dimension compared).
    func hasValues(_ profile: UInt32, _ values: [UInt32]) -> Bool {
        let first = Int(profile) * Self.dimensions
        for d in 0..<Self.dimensions where profileValues[first + d] != values[d] { return false }
        return true
    }

    private static func home<C: Collection>(_ values: C, _ mask: Int) -> Int where C.Element == UInt32 {
        var h: UInt64 = 0
        for v in values { h = (h ^ UInt64(v)) &* 0x9E37_79B9_7F4A_7C15 }
        return Int(truncatingIfNeeded: h >> 32) & mask
    }

    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for profile in 0..<profileCount {
            let first = profile * Self.dimensions
            var i = Self.home(profileValues[first..<first + Self.dimensions], mask)
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = UInt32(profile + 1)
        }
    }

    /// The values of profile `id` (one array made: `value(ofProfile:_:)` reads one value).
    public func values(ofProfile id: UInt32) -> DimensionValues {
        DimensionValues(Dimension.allCases.map { value(ofProfile: id, $0) })
    }

    /// Profile `id`'s value of `dimension`.
    func value(ofProfile id: UInt32, _ dimension: Dimension) -> String {
        string(dimension, valueID(ofProfile: id, dimension))
    }

    /// The interned id, within its dimension, of profile `id`'s value of `dimension`.
    func valueID(ofProfile id: UInt32, _ dimension: Dimension) -> UInt32 {
        profileValues[Int(id) * Self.dimensions + dimension.rawValue]
    }

    func string(_ dimension: Dimension, _ valueID: UInt32) -> String {
        strings[dimension.rawValue][Int(valueID)]
    }

    public var profileCount: Int { profileValues.count / Self.dimensions }

    /// For merging: maps each of `other`'s profile ids to this table's id for the same values.
    mutating func absorb(_ other: DimensionTable) -> [UInt32] {
        (0..<other.profileCount).map { profile(of: other.values(ofProfile: UInt32($0))) }
    }
}
