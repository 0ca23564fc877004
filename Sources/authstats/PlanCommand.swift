import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import Foundation

/// `authstats plan`: split the inputs of one reprocessing into N shards (issue 16,
/// `docs/distributed.md`). Listing and assignment are `AuthStatsIngest`'s `ShardPlan`.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Split the inputs into shards for a distributed run, balanced by size.",
        discussion: """
            Lists the INPUT files as `report` reads them (folders walked in sorted order, hidden \
            files skipped) or the lines of --listing (`path<TAB>size`, e.g. S3 objects listed by \
            deploy/spark/authstats_spark.py), and assigns each file to one of --shards shards: \
            largest first to the least loaded shard, files of one size together (so two copies \
            of a file are read by one shard, whose state recognises the copy by its bytes and \
            skips it; copies in two shards would make their states unmergeable), so no shard reads more than the least loaded one plus the largest group of \
            equal-size files. The same listing and --shards give the same plan, \
            byte for byte. Each shard then runs `authstats report --plan PLAN --shard I --state \
            DIR` (or --shard-from-env in a Kubernetes Indexed Job, an AWS Batch array job or a \
            Slurm job array), and `authstats state merge` folds the shard states into one. See \
            docs/distributed.md.

            The plan is JSON: {"schema": "authstats.plan/1", "id": <32 hex digits naming the \
            listing and N>, "shards": N, "inputs": [{"path", "size", "archive", "shard", \
            "index"}]}, where index is the file's position among all the inputs.

            Exit status: 0 plan written; 1 an input could not be listed (missing, unreadable, \
            not a regular file, a name that is not UTF-8) or a --listing line is bad: nothing \
            written; 2 no input files found, or the plan could not be written; 64 bad usage.
            """)

    @Argument(help: "Files or folders to plan (not with --listing).")
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("A listing to plan instead of local files: one `path<TAB>size` line per file, in input order (paths may be s3:// URLs).", valueName: "file"))
    var listing: String?

    @Option(name: .long, help: ArgumentHelp("Number of shards (1 to \(ShardPlan.maxShards)).", valueName: "n"))
    var shards: Int

    @Option(name: .long, help: ArgumentHelp("The plan file to write (replaced as one step); - writes it to standard output.", valueName: "file"))
    var out: String

    @Flag(name: [.long, .short], help: "Print only errors.")
    var quiet = false

    func validate() throws {
        switch (inputs.isEmpty, listing) {
        case (true, nil):
            throw ValidationError("Give the files or folders to plan (`authstats plan exports/ --shards 8 --out plan.json`), or --listing FILE.")
        case (false, _?):
            throw ValidationError("Give either INPUT paths or --listing, not both.")
        default: break
        }
        try PathArguments.refuseEmpty([("an input", inputs), ("--listing", listing.map { [$0] } ?? []), ("--out", [out])])
        if inputs.contains("-") { throw ValidationError("- (standard input) cannot be planned: every shard must be able to open its files again.") }
        guard (1...ShardPlan.maxShards).contains(shards) else { throw ValidationError(ShardPlanError.badShardCount(shards).description) }
    }

    func run() throws {
        let console = Console(quiet: quiet)
        let listed: [ShardPlan.Listed]
        if let listing {
            let bytes = try POSIX.contents(of: listing, what: "", console: console, exit: 1)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                console.error("Unable to read \(DisplayPath.text(listing)): it is not UTF-8 text")
                throw ExitCode(1)
            }
            do {
                listed = try ShardPlan.parseListing(text, name: listing)
            } catch {
                console.error("\(error)")
                throw ExitCode(1)
            }
        } else {
            // The plan file itself is never an input (a plan written inside an input folder).
            let (files, problems) = ShardPlan.listLocal(inputs, excluding: out == "-" ? [] : [out])
            for problem in problems { console.error("\(problem)") }
            if !problems.isEmpty {
                console.error("no plan written: every input must be listed, or a shard would miss it")
                throw ExitCode(1)
            }
            listed = files
        }
        guard !listed.isEmpty else {
            console.error("no input files found in \((listing.map { [$0] } ?? inputs).map(DisplayPath.text).joined(separator: ", ")); no plan written")
            throw ExitCode(2)
        }
        let plan: ShardPlan
        do {
            plan = try ShardPlan.make(listed, shards: shards)
        } catch {
            console.error("\(error)")
            throw ExitCode(1)
        }
        let text = plan.json()
        if out == "-" {
            var text = text
            _ = text.withUTF8 { POSIX.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) }
        } else {
            if let info = POSIX.followingLinks(out), POSIX.isFolder(info) {
                console.error("Unable to write \(DisplayPath.text(out)): it is a folder (--out names the plan file)")
                throw ExitCode(2)
            }
            // Foundation says "The file doesn't exist." of a plan whose folder is missing.
            let folder = (out as NSString).deletingLastPathComponent
            if !folder.isEmpty, POSIX.followingLinks(folder) == nil {
                console.error("Unable to write \(DisplayPath.text(out)): its folder \(DisplayPath.text(folder)) does not exist (plan makes no folder)")
                throw ExitCode(2)
            }
            do {
                // Written beside, then renamed: a reader sees the old plan or the new one.
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                console.error("Unable to write \(DisplayPath.text(out)): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        let loads = plan.loads
        let empty = loads.filter { $0 == 0 }.count
        console.info(
            "plan \(plan.id): \(plan.inputs.count) inputs, \(loads.reduce(0, +)) bytes in \(shards) shards "
                + "(\(loads.min()!) to \(loads.max()!) bytes a shard\(empty > 0 ? "; \(empty) shards have no input" : ""))")
    }
}
