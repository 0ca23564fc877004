extension Sequence {
    /// The elements ordered by `key`, those of equal keys in the order they came (Swift's
    /// `sorted` does not promise that): shard runs' rejects, states' kept entries, records
    /// delivered in the same millisecond.
    public func sortedStably<Key: Comparable>(by key: (Element) -> Key) -> [Element] {
        enumerated().sorted { (key($0.element), $0.offset) < (key($1.element), $1.offset) }.map(\.element)
    }
}
