/*!
 A plan splits one reprocessing into shards (issue 16, `docs/distributed.md`).

 The stages of a sharded run, each a separate process (possibly on another machine):

 1. **List**: the inputs with their sizes, local (`InputDiscovery.expand`, as `report` reads
    them) or from a listing (`path<TAB>size` lines, written by an engine-side driver for
    `s3://` objects). Boundary: `[ShardPlan.Listed]`.
 2. **Plan**: `ShardPlan.make(_:shards:)` assigns every listed file to one of N shards,
    balanced by (compressed) size; written as `plan.json` (`ShardPlan.json()`).
 3. **Shard**: `report --plan plan.json --shard I --state DIR` reads `files(ofShard: I)` into a
    partial state, giving each file its `index` as its input position.
 4. **Merge**: `state merge` folds the shard states into one; `report --state` prints it.
 */

/// The assignment of a listing of input files to N shards: which process reads which file.
///
/// Deterministic: the same listing and N give the same plan, byte for byte, on any machine.
/// Files go largest first to the least loaded shard, files of one size together (copies of a
/// file stay in one shard: `make(_:shards:)`), so no shard carries more than the least loaded
/// one plus the largest group of equal-size files.
public struct ShardPlan: Sendable, Equatable {
    /// The plan file's schema name.
    public static let schema = "authstats.plan/1"

    /// The most shards a plan may have (an AWS Batch array job has at most 10,000 children,
    /// a Kubernetes Indexed Job 100,000 completions).
    public static let maxShards = 100_000

    /// One listed input file, before it is assigned.
    public struct Listed: Sendable, Equatable {
        /// The path as the shards open it (a local path, or an `s3://bucket/key` URL).
        public var path: String
        /// Bytes as stored (compressed).
        public var size: Int64
        /// Whether the name is a tar or zip archive's (`ArchiveName.isArchive`).
        public var archive: Bool

        public init(path: String, size: Int64, archive: Bool? = nil) {
            self.path = path
            self.size = size
            self.archive = archive ?? ArchiveName.isArchive(path)
        }
    }

    /// One input of the plan: a listed file and the shard that reads it.
    public struct Input: Sendable, Equatable {
        public var path: String
        public var size: Int64
        public var archive: Bool
        /// The shard that reads it, 0 to `shards - 1`.
        public var shard: Int
        /// Its position in the whole listing: the input position a single run over all the
        /// inputs would give it, so shard states merge exactly (earliest copy wins).
        public var index: Int
    }

    /// 32 lower-case hex digits identifying the listing and N (`ShardPlan.identity`); shard
    /// states carry it, so states of two different plans are never merged.
    public var id: String
    public var shards: Int
    /// In listing order (`index` 0, 1, 2…).
    public var inputs: [Input]

    public init(id: String, shards: Int, inputs: [Input]) {
        self.id = id
        self.shards = shards
        self.inputs = inputs
    }

    /// The files shard `shard` reads, in input order, each with its global position.
    ///
    /// - Complexity: O(n) in the number of inputs.
    public func files(ofShard shard: Int) -> [(path: String, index: Int, size: Int64)] {
        inputs.filter { $0.shard == shard }.sorted { $0.index < $1.index }.map { ($0.path, $0.index, $0.size) }
    }

    /// The compressed bytes each shard reads, by shard index.
    public var loads: [Int64] {
        var loads = [Int64](repeating: 0, count: shards)
        for input in inputs { loads[input.shard] += input.size }
        return loads
    }

    /// Checks that `shard` is one of this plan's (for `--shard I` and `--shard-from-env`).
    ///
    /// - Throws: `ShardPlanError.shardOutOfRange`.
    public func check(shard: Int) throws(ShardPlanError) {
        guard (0..<shards).contains(shard) else { throw .shardOutOfRange(shard: shard, shards: shards, id: id) }
    }
}
