import AuthStatsCore

extension ShardPlan {
    /// The plan of `listing` over `shards` shards.
    ///
    /// Each file's `index` is its place in `listing` (the order a single run reads them in).
    /// Files of one size go to one shard together: two copies of a file always have one size,
    /// and in one shard the state's ledger recognises the copy by content and skips it
    /// (`docs/state.md` "The invariant"), where copies in two shards would make their states unmergeable (`state merge`
    /// refuses states that share an input). These groups go largest first (total bytes; ties
    /// by their first path's bytes), each to the least loaded shard, ties to the lowest shard
    /// index (longest-processing-time-first scheduling): no shard ends more than the largest
    /// group above the least loaded one.
    ///
    /// - Parameters:
    ///   - listing: the files, in input order; no path twice.
    ///   - shards: 1 to `maxShards`.
    /// - Throws: `ShardPlanError.badShardCount`, `.duplicatePath` or `.tooLarge`.
    /// - Complexity: O(n log n + g log N) for n files in g sizes and N shards.
    public static func make(_ listing: [Listed], shards: Int) throws(ShardPlanError) -> ShardPlan {
        guard (1...maxShards).contains(shards) else { throw .badShardCount(shards) }
        // By bytes: Swift's `String` equality is canonical equivalence, which took `é/x.gz` in
        // NFC and in NFD, two files `report` reads, for one path listed twice (until 2026-12-05).
        var seen = Set<ExactText>()
        for file in listing where !seen.insert(ExactText(file.path)).inserted { throw .duplicatePath(file.path) }
        // Every load and group total below is at most the sum: it must fit.
        var total: Int64 = 0
        for file in listing {
            let (sum, overflow) = total.addingReportingOverflow(file.size)
            guard !overflow else { throw .tooLarge }
            total = sum
        }
        // The groups of equal size, each's files in path byte order.
        var groups = Dictionary(grouping: listing.indices, by: { listing[$0].size }).values.map { members in
            members.sorted { listing[$0].path.utf8.lexicographicallyPrecedes(listing[$1].path.utf8) }
        }
        groups.sort { a, b in
            let x = listing[a[0]].size * Int64(a.count)
            let y = listing[b[0]].size * Int64(b.count)
            if x != y { return x > y }
            return listing[a[0]].path.utf8.lexicographicallyPrecedes(listing[b[0]].path.utf8)
        }
        // (All loads start at 0, so shard order is already a heap.)
        var heap = LoadHeap(shards: shards)
        var assigned = [Int](repeating: 0, count: listing.count)
        for group in groups {
            for position in group { assigned[position] = heap.least.shard }
            heap.addToLeast(listing[group[0]].size * Int64(group.count))
        }
        let inputs = listing.enumerated().map { index, file in
            Input(path: file.path, size: file.size, archive: file.archive, shard: assigned[index], index: index)
        }
        return ShardPlan(id: identity(of: listing, shards: shards), shards: shards, inputs: inputs)
    }

    /// The plan's id: a 128-bit fingerprint (`Fingerprint.Builder`, stable across machines)
    /// of the schema, N and every listed path and size in order, as 32 hex digits.
    public static func identity(of listing: [Listed], shards: Int) -> String {
        var builder = Fingerprint.Builder(tag: schema)
        builder.add(Int64(shards))
        builder.add(Int64(listing.count))
        for file in listing {
            builder.add(file.path)
            builder.add(file.size)
        }
        let fingerprint = builder.fingerprint
        return hex(fingerprint.high) + hex(fingerprint.low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The shards' loads as a binary min-heap: the least loaded shard on top, the lowest index
/// among equal loads. (Core's `LoserTree` merges a fixed set of sources; this needs only two
/// operations on loads that change.)
struct LoadHeap {
    struct Load: Comparable {
        var bytes: Int64
        var shard: Int

        static func < (a: Load, b: Load) -> Bool { (a.bytes, a.shard) < (b.bytes, b.shard) }
    }

    private var items: [Load]

    /// N shards with nothing assigned (in index order, which is heap order).
    init(shards: Int) { items = (0..<shards).map { Load(bytes: 0, shard: $0) } }

    var least: Load { items[0] }

    /// Adds `bytes` to the least loaded shard and moves it down to its place.
    /// - Complexity: O(log N).
    mutating func addToLeast(_ bytes: Int64) {
        items[0].bytes += bytes
        var hole = 0
        while true {
            let left = 2 * hole + 1
            guard left < items.count else { return }
            var child = left
            if left + 1 < items.count && items[left + 1] < items[left] { child = left + 1 }
            guard items[child] < items[hole] else { return }
            items.swapAt(child, hole)
            hole = child
        }
    }
}
