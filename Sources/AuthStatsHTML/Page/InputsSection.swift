import AuthStatsCore

/// What the run read (`summary.json`): totals, inputs by format and status, skip reasons,
/// the inputs that broke, every input (up to `listLimit`), and the first rejects.
struct InputsSection: Equatable {
    struct Total: Equatable {
        var label: String
        var value: String
    }

    /// Inputs of one (format, compression, status).
    struct Group: Equatable {
        var format: String
        var compression: String
        var status: String
        var cells: [String]
    }

    struct Reason: Equatable {
        var reason: String
        var count: String
    }

    struct Input: Equatable {
        var location: String
        var format: String
        var compression: String
        var status: String
        var error: String
        var cells: [String]

        /// The input's `<tr>` in the list of every input, and a newline, as
        /// `InputsSection.listedRows` holds it (`HTMLBytes`).
        func write(to out: inout HTMLBytes) {
            out.put("<tr><td><bdi>")
            out.text(location)
            out.put("</bdi></td><td>")
            out.text(format)
            out.put("</td><td>")
            out.text(compression)
            out.put("</td><td class=\"status ")
            out.text(status)
            out.put("\">")
            out.text(status)
            out.put("</td>")
            for cell in cells {
                out.put("<td class=\"num\">")
                out.text(cell)
                out.put("</td>")
            }
            out.put("</tr>\n")
        }
    }

    /// One `--users` file (`summary.json`'s `user_directory`).
    struct DirectoryFile: Equatable {
        var path: String
        var users: String
        var skipped: String
        var status: String
        var error: String
    }

    struct Reject: Equatable {
        var location: String
        var record: String
        var reason: String
        var raw: String
    }

    /// Inputs listed one by one at most (all are in `summary.json`); so are the inputs not read
    /// to the end (3,000 broken files were 194 printed pages, a review found).
    static let listLimit = 500
    /// Skip reasons listed at most, the most frequent (all are in `summary.json`).
    static let reasonLimit = 50
    /// Characters of a reject's record shown.
    static let rawLimit = 300
    /// The bytes of a rejected record searched for addresses (`Addresses.masked`) before its
    /// first `rawLimit` characters are shown: enough that an address across the cut is found.
    static let maskedBytes = 16 << 10

    static let countColumns = ["Inputs", "Records", "Events", "Duplicates", "Skipped", "Rejected"]
    static let inputColumns = ["Records", "Events", "Duplicates", "Skipped", "Rejected"]

    var totals: [Total]
    var groups: [Group]
    var reasons: [Reason]
    var hasReasons: Bool
    /// Said under the reasons when there are more than `reasonLimit` of them; else empty.
    var reasonsNote: String
    var broken: [Input]
    var hasBroken: Bool
    /// Said under the inputs not read to the end when there are more than `listLimit`; else empty.
    var brokenNote: String
    let listed: [Input]
    /// `listed` as the table's rows (`Input.write`).
    var listedRows: String
    var listNote: String
    var rejectsNote: String
    var rejects: [Reject]
    var hasRejects: Bool

    /// With `--users`: each file's users, skipped users and status, and the users in all
    /// (until 2026-12-07 only `summary.json` gave them).
    var directory: [DirectoryFile] = []
    var directoryNote = ""

    /// On a project's page: the inputs are the whole run's, listed on the run's page; this one
    /// gives the project's own totals only (its users, sign-ups, sign-ins and failures).
    var isProject: Bool

    /// - Parameter stateTotals: with a state, its events and duplicates over every input it
    ///   holds: the totals `summary.json` gives (this run's inputs are listed as they were read).
    /// - Parameter shardRuns: from the shards of a plan merged, what their runs read, which
    ///   `summary.json`'s totals give (this run read no input).
    init(
        inputs: [InputReport], totals runTotals: HTMLReport.RunTotals, rejects firstRejects: [RejectedRecord], maxRejects: Int,
        project: Bool = false, stateTotals: (events: Int, duplicates: Int)? = nil, shardRuns: SummaryWriter.ShardRuns? = nil,
        rejectsKept: Int? = nil, cutAtBytes: Int? = nil, directory: (files: [SummaryWriter.DirectoryFile], users: Int)? = nil
    ) {
        isProject = project
        if let directory {
            self.directory = directory.files.map { file in
                DirectoryFile(
                    path: file.path, users: Format.count(file.users), skipped: Format.count(file.skipped),
                    status: file.error == nil ? "ok" : "partial", error: file.error ?? "")
            }
            let read = directory.files.filter { $0.error == nil }.count
            directoryNote = "\(Format.plural(directory.users, "user")) listed in \(Format.plural(directory.files.count, "file"))"
                + (read == directory.files.count ? "." : "; \(Format.count(directory.files.count - read)) read only in part (the run's exit status is 1).")
        }
        let read = SummaryWriter.Reading(inputs, stateTotals: stateTotals, shardRuns: shardRuns, maxRejects: maxRejects, rejectsKept: rejectsKept)
        let counts = read.counts
        let rejected = counts.rejected
        totals = project ? [
            Total(label: "Users", value: Format.count(runTotals.users)),
            Total(label: "Sign-ups", value: Format.count(runTotals.signUps)),
            Total(label: "Sign-ins", value: Format.count(runTotals.signIns)),
            Total(label: "Auth failures", value: Format.count(runTotals.authFailures)),
        ] : [
            Total(label: "Inputs", value: Format.count(read.inputs)),
            Total(label: "Records", value: Format.count(counts.records)),
            Total(label: "Events", value: Format.count(counts.events)),
            Total(label: "Duplicates", value: Format.count(counts.duplicates)),
            Total(label: "Skipped", value: Format.count(counts.skipped)),
            Total(label: "Rejected", value: Format.count(rejected)),
            Total(label: "Users", value: Format.count(runTotals.users)),
            Total(label: "Sign-ups", value: Format.count(runTotals.signUps)),
            Total(label: "Sign-ins", value: Format.count(runTotals.signIns)),
            Total(label: "Auth failures", value: Format.count(runTotals.authFailures)),
        ]

        struct Key: Hashable {
            var format: String
            var compression: String
            var status: String
        }
        var grouped: [Key: [Int]] = [:]
        var reasonCounts: [String: Int] = [:]
        for input in inputs {
            let key = Key(format: input.format, compression: input.compression, status: input.status.rawValue)
            let counts = [1, input.records, input.events, input.duplicates, input.skipped, input.rejected]
            grouped[key] = zip(grouped[key] ?? [0, 0, 0, 0, 0, 0], counts).map { $0 + $1 }
            for (reason, count) in input.skipReasons { reasonCounts[reason, default: 0] += count }
        }
        func bytes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        groups = grouped.keys.sorted { a, b in
            a.format != b.format ? bytes(a.format, b.format)
                : a.compression != b.compression ? bytes(a.compression, b.compression) : bytes(a.status, b.status)
        }.map { key in
            Group(format: key.format, compression: key.compression, status: key.status, cells: grouped[key]!.map(Format.count))
        }
        // Withheld as a reject's reason is (a reason names no field of a record since
        // 2026-12-07: this is for a state or shard written before).
        let sortedReasons = reasonCounts.sorted { $0.value != $1.value ? $0.value > $1.value : bytes($0.key, $1.key) }
        reasons = sortedReasons.prefix(Self.reasonLimit).map { Reason(reason: Addresses.masked($0.key), count: Format.count($0.value)) }
        hasReasons = !reasons.isEmpty
        reasonsNote = sortedReasons.count > Self.reasonLimit
            ? "The \(Format.count(Self.reasonLimit)) most frequent of \(Format.count(sortedReasons.count)) reasons; summary.json gives each input's."
            : ""

        func row(_ input: InputReport) -> Input {
            Input(
                location: input.location + (input.container.map { " (\($0))" } ?? ""), format: input.format,
                compression: input.compression, status: input.status.rawValue, error: input.error ?? "",
                cells: [input.records, input.events, input.duplicates, input.skipped, input.rejected].map(Format.count))
        }
        let allBroken = inputs.filter { $0.status != .ok }
        broken = allBroken.prefix(Self.listLimit).map(row)
        hasBroken = !broken.isEmpty
        brokenNote = allBroken.count > Self.listLimit
            ? "The first \(Format.count(Self.listLimit)) of \(Format.count(allBroken.count)) inputs not read to the end; summary.json lists them all."
            : ""
        listed = inputs.prefix(Self.listLimit).map(row)
        var rows = HTMLBytes()
        for input in listed { input.write(to: &rows) }
        listedRows = rows.string
        if let shardRuns, inputs.isEmpty {
            // A merge reads no input: its shard runs did, and their logs name each.
            let broken = shardRuns.partial + shardRuns.failed
            listNote = "\(Format.count(shardRuns.shards)) shard runs read the \(Format.count(shardRuns.inputs)) inputs; their logs list them"
                + (broken == 0 ? "." : ", and the \(Format.count(broken)) they read only in part or not at all.")
        } else {
            listNote = inputs.count > Self.listLimit
                ? "The first \(Format.count(Self.listLimit)) of \(Format.count(inputs.count)) inputs; summary.json lists them all."
                : "All \(Format.count(inputs.count)) inputs, in input order."
        }

        rejects = firstRejects.prefix(min(HTMLReport.rejectLimit, maxRejects)).map { reject in
            // The page is made to be sent on: addresses in a rejected record are withheld there
            // (rejects.ndjson keeps the record as it came; `Addresses`).
            // Its first 16 KiB only: the page shows `rawLimit` characters, and a whole record of
            // junk (up to 1 MiB kept) was searched for addresses, then cut (a review, 2026-12-06).
            let text = Addresses.masked(String(decoding: reject.raw.prefix(Self.maskedBytes), as: UTF8.self))
            let raw = text.count > Self.rawLimit ? String(text.prefix(Self.rawLimit)) + "…" : text
            return Reject(
                location: reject.member.map { "\(reject.input):\($0)" } ?? reject.input, record: Format.count(reject.record),
                reason: Addresses.masked(reject.reason), raw: raw + (reject.truncatedFrom.map { " (\(Format.count($0)) bytes in all)" } ?? ""))
        }
        hasRejects = !rejects.isEmpty
        let written = read.rejectsWritten
        // Cut by this run's --max-rejects or --max-rejects-bytes, or by what the runs that read
        // them kept (shard runs, an earlier night's).
        let cut = rejected == written ? ""
            : written == maxRejects ? " (--max-rejects \(Format.count(maxRejects)))"
            : cutAtBytes.map { " (--max-rejects-bytes \(Format.count($0)))" }
            ?? (shardRuns != nil ? " (what the shard states kept)" : " (what the runs that read them kept)")
        let held = "\(Format.count(rejected)) rejected\(shardRuns == nil ? "" : " by the shard runs"); rejects.ndjson holds \(Format.count(written))" + cut
        rejectsNote = rejected == 0
            ? "No record was rejected."
            : held + (rejects.isEmpty ? "." : "; the first \(Format.count(rejects.count)) below.")
    }
}
