import Testing

@testable import AuthStatsIngest

/// Issue 16: `--shard-from-env` for each scheduler's variable.
@Suite("--shard-from-env: the shard from the scheduler's variable (issue 16)")
struct ShardIndexTests {
    @Test("each scheduler's variable gives the shard", arguments: ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"])
    func eachVariable(name: String) throws {
        #expect(try ShardIndex.fromEnvironment([name: "3", "PATH": "/bin"]) == ShardIndex(shard: 3, variable: name))
        #expect(try ShardIndex.fromEnvironment([name: "0"]).shard == 0)
        // Another variable set but empty does not count.
        let other = ShardIndex.variables.map(\.name).first { $0 != name }!
        #expect(try ShardIndex.fromEnvironment([name: "12", other: ""]).shard == 12)
    }

    @Test("a value that is not a whole number 0 or more is an error naming it", arguments: ["-1", "1.0", "x", " 2", "+2", "99999999999999999999999"])
    func notANumber(value: String) {
        #expect(throws: ShardPlanError.environment("--shard-from-env: SLURM_ARRAY_TASK_ID='\(value)' is not a shard number (a whole number, 0 or more).")) {
            try ShardIndex.fromEnvironment(["SLURM_ARRAY_TASK_ID": value])
        }
    }

    @Test("none set, or two set, is an error that says what to do")
    func noneOrTwo() {
        #expect(
            throws: ShardPlanError.environment(
                "--shard-from-env: none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) "
                    + "or SLURM_ARRAY_TASK_ID (Slurm job array) is set; run under one of these schedulers, or give --shard I.")
        ) { try ShardIndex.fromEnvironment(["PATH": "/bin"]) }
        #expect(
            throws: ShardPlanError.environment(
                "--shard-from-env: JOB_COMPLETION_INDEX=1 and SLURM_ARRAY_TASK_ID=2 are all set; "
                    + "exactly one must be, so the shard is not a guess: unset the others, or give --shard I.")
        ) { try ShardIndex.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "JOB_COMPLETION_INDEX": "1"]) }
    }
}
