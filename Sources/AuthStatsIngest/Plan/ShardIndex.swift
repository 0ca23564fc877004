/// The shard a job-array task runs, from the variable its scheduler sets
/// (`report --shard-from-env`).
public struct ShardIndex: Sendable, Equatable {
    /// The variables, in the order messages name them, with their scheduler.
    public static let variables: [(name: String, scheduler: String)] = [
        ("JOB_COMPLETION_INDEX", "Kubernetes Indexed Job"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS Batch array job"),
        ("SLURM_ARRAY_TASK_ID", "Slurm job array"),
    ]

    /// The shard, 0 or more.
    public var shard: Int
    /// The variable it came from.
    public var variable: String

    /// The shard named by exactly one of `variables` in `environment` (an empty value counts
    /// as not set).
    ///
    /// - Throws: `ShardPlanError.environment` when none or several are set, or the value is
    ///   not a whole number 0 or more.
    public static func fromEnvironment(_ environment: [String: String]) throws(ShardPlanError) -> ShardIndex {
        let set = variables.compactMap { variable in
            environment[variable.name].flatMap { $0.isEmpty ? nil : (variable.name, $0) }
        }
        guard let (name, value) = set.first else {
            let names = variables.map { "\($0.name) (\($0.scheduler))" }
            throw .environment(
                "--shard-from-env: none of \(names.dropLast().joined(separator: ", ")) or \(names.last!) is set; "
                    + "run under one of these schedulers, or give --shard I.")
        }
        guard set.count == 1 else {
            throw .environment(
                "--shard-from-env: \(set.map { "\($0.0)=\($0.1)" }.joined(separator: " and ")) are all set; "
                    + "exactly one must be, so the shard is not a guess: unset the others, or give --shard I.")
        }
        guard value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let shard = Int(value) else {
            throw .environment("--shard-from-env: \(name)='\(value)' is not a shard number (a whole number, 0 or more).")
        }
        return ShardIndex(shard: shard, variable: name)
    }
}
