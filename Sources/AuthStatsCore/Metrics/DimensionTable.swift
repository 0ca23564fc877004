/// Interns dimension values: each distinct (dimension, value) gets a small integer, and each
/// distinct combination of the seven values (a *profile*) gets one too, so that per-event and
/// per-user-day state holds one `UInt32` instead of seven strings.
public struct DimensionTable: Sendable {
    /// A combination of interned values, one per `Dimension`.
    struct Profile: Hashable, Sendable {
        var values: [UInt32]
    }

    private(set) var strings: [[String]] = Array(repeating: [], count: Dimension.allCases.count)
    private var ids: [[String: UInt32]] = Array(repeating: [:], count: Dimension.allCases.count)
    private(set) var profiles: [Profile] = []
    /// Profile ids by value: one lookup for the common case of a profile seen before.
    private var byValues: [DimensionValues: UInt32] = [:]
    private var last: (DimensionValues, UInt32)?

    public init() {}

    /// The profile id of `values`, interning what is new.
    public mutating func profile(of values: DimensionValues) -> UInt32 {
        if let last, last.0 == values { return last.1 }
        if let id = byValues[values] {
            last = (values, id)
            return id
        }
        let id = intern(values)
        byValues[values] = id
        last = (values, id)
        return id
    }

    /// A new profile for `values` (never seen: `profile(of:)` looked them up first).
    private mutating func intern(_ values: DimensionValues) -> UInt32 {
        var interned = [UInt32](repeating: 0, count: Dimension.allCases.count)
        for (d, value) in values.values.enumerated() {
            if let id = ids[d][value] {
                interned[d] = id
            } else {
                let id = UInt32(strings[d].count)
                strings[d].append(value)
                ids[d][value] = id
                interned[d] = id
            }
        }
        profiles.append(Profile(values: interned))
        return UInt32(profiles.count - 1)
    }

    /// The values of profile `id`.
    public func values(ofProfile id: UInt32) -> DimensionValues {
        var out = DimensionValues()
        for d in Dimension.allCases { out[d] = strings[d.rawValue][Int(profiles[Int(id)].values[d.rawValue])] }
        return out
    }

    /// The interned id, within its dimension, of profile `id`'s value of `dimension`.
    func valueID(ofProfile id: UInt32, _ dimension: Dimension) -> UInt32 {
        profiles[Int(id)].values[dimension.rawValue]
    }

    func string(_ dimension: Dimension, _ valueID: UInt32) -> String {
        strings[dimension.rawValue][Int(valueID)]
    }

    public var profileCount: Int { profiles.count }

    /// For merging: maps each of `other`'s profile ids to this table's id for the same values.
    mutating func absorb(_ other: DimensionTable) -> [UInt32] {
        (0..<other.profiles.count).map { profile(of: other.values(ofProfile: UInt32($0))) }
    }
}
