import AuthStatsCore

/// What can go wrong making, writing or reading a plan, and choosing a shard: each message
/// names the file (and line) and says what to do.
public enum ShardPlanError: Error, Equatable, CustomStringConvertible {
    case badShardCount(Int)
    case duplicatePath(String)
    /// The listed sizes add up past what a 64-bit count of bytes holds (a listing gone wrong).
    case tooLarge
    /// An input that cannot go into a plan (not a regular file, a name that is not UTF-8).
    case unplannable(path: String, reason: String)
    /// A path `InputDiscovery` could not open or list, with its message.
    case notListed(path: String, message: String)
    /// A listing line that is not `path<TAB>size`.
    case badListingLine(file: String, line: Int, reason: String)
    /// A plan file that cannot be read or is not a plan.
    case badPlan(file: String, reason: String)
    case shardOutOfRange(shard: Int, shards: Int, id: String)
    /// `--shard-from-env` without exactly one usable variable.
    case environment(String)

    public var description: String {
        switch self {
        case .badShardCount(let n):
            return "--shards \(n): give a number of shards from 1 to \(ShardPlan.maxShards)."
        case .tooLarge:
            return "the listed sizes add up to 2^63 bytes or more; check the listing's sizes (bytes, decimal)."
        case .duplicatePath(let path):
            return "\(DisplayPath.text(path)) is listed twice; a plan reads each input once."
        case .unplannable(let path, let reason):
            return "Unable to plan \(DisplayPath.text(path)): \(reason)"
        case .notListed(_, let message):
            return message
        case .badListingLine(let file, let line, let reason):
            return "\(DisplayPath.text(file)):\(line): \(reason)"
        case .badPlan(let file, let reason):
            return "Unable to read plan \(DisplayPath.text(file)): \(reason)"
        case .shardOutOfRange(let shard, let shards, let id):
            return "shard \(shard) is not in plan \(id), whose shards are 0 to \(shards - 1)."
        case .environment(let message):
            return message
        }
    }
}
