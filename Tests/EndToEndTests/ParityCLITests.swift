import AuthStatsTestSupport
import Foundation
import Testing

/// `--pinpoint-parity` (`docs/metrics.md` "Pinpoint parity") with records delivered twice,
/// through the built binary: a second delivery of a left-out event is a duplicate, in one run
/// for any `--jobs`, and across the batches of a nightly state (its fingerprint kept with its
/// reason, `docs/state.md` "Left-out events' fingerprints").
@Suite("End to end: a copy of an event --pinpoint-parity leaves out is a duplicate")
struct ParityCLITests {
    /// A hosted-UI sign-in (CloudTrail `Token_POST`), a federated user's sign-in (activity log,
    /// `idpName`) and a local user's (counted), each in a file of its own.
    static let originals: [(String, String)] = [
        (
            "a-trail.json",
            #"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-10T10:00:00Z","eventSource":"cognito-idp.amazonaws.com","eventName":"Token_POST","requestParameters":null,"additionalEventData":{"requestParameters":{"client_id":["c1"]},"sub":"u1"},"eventID":"hosted-1"}]}"#
        ),
        (
            "b-activity.ndjson",
            #"{"eventTimestamp":"1794307200000","eventSource":"USER_ACTIVITY","message":{"eventId":"fed-1","eventType":"SignIn","eventResponse":"Pass","userSub":"u2","clientId":"c1","idpName":"Google"}}"#
                + "\n"
                + #"{"eventTimestamp":"1794307260000","eventSource":"USER_ACTIVITY","message":{"eventId":"local-1","eventType":"SignIn","eventResponse":"Pass","userSub":"u3","clientId":"c1","idpName":""}}"#
                + "\n"
        ),
    ]

    /// The files, or (`copies`) files of the same records with other bytes: a file that is a
    /// byte-for-byte copy of one a state read is skipped unread by its ledger.
    static func write(_ folder: URL, copies: Bool) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try originals.map { name, text in
            let path = folder.appendingPathComponent(copies ? "copy-" + name : name).path
            let lines = text.split(separator: "\n")
            try (copies ? lines.reversed().joined(separator: "\n") + "\n\n" : text).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func summary(_ out: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: out.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("in one run (--jobs 1 and 2) and over two nightly batches: left out once, the copies duplicates")
    func copies() throws {
        let folder = CLI.temporaryFolder("parity-copies")
        let first = try Self.write(folder.appendingPathComponent("night-1"), copies: false)
        let second = try Self.write(folder.appendingPathComponent("night-2"), copies: true)
        let options = ["--pinpoint-parity", "--no-html", "-q"]
        var outs: [URL] = []
        for jobs in ["1", "2"] {
            let out = folder.appendingPathComponent("one-run-\(jobs)")
            let result = try StateCLI.report(first + second, state: nil, out: out, options + ["--jobs", jobs])
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try Self.summary(out)
            let totals = try #require(summary["totals"] as? [String: Any])
            // 6 records: 2 events counted once (u3's sign-in), 2 left out, 3 copies.
            #expect(totals["records"] as? Int == 6)
            #expect(totals["events"] as? Int == 1)
            #expect(totals["duplicates"] as? Int == 3)
            #expect(totals["skipped"] as? Int == 2)
            let parity = try #require(summary["pinpoint_parity"] as? [String: Any])
            let leftOut = try #require(parity["left_out"] as? [String: Int])
            #expect(leftOut["hosted UI"] == 1 && leftOut["federated user"] == 1, "\(leftOut)")
            let inputs = try #require(summary["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["skipped"] as? Int } == [1, 1, 0, 0])
            #expect(inputs.map { $0["duplicates"] as? Int } == [0, 0, 1, 2])
            outs.append(out)
        }
        try StateCLI.expectSame(outs[0], outs[1], "--jobs 2 against --jobs 1")
        // Night 1 reads the originals, night 2 their copies: the copies are duplicates of
        // entries the state holds (the left-out ones marked), and the reports equal one run's.
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("nights")
        try StateCLI.runBatches([first, second], state: state, out: out, options)
        try StateCLI.expectSame(outs[0], out, "two nightly batches")
        let night = try Self.summary(out)
        let totals = try #require(night["totals"] as? [String: Any])
        #expect(totals["skipped"] as? Int == 0, "night 2 skipped nothing: its records are copies")
        #expect(totals["duplicates"] as? Int == 3)
    }

    /// One shard a file, so every copy is in another shard than its first delivery, and the
    /// trail's shard holds only a left-out event (no profile at all: its fingerprint's profile
    /// 0 names none, and the merge took that for damage). Merged with `authstats merge` and
    /// with `state merge`, the reports equal one run's, `totals` adding up: the copies' left-out
    /// deliveries are duplicates, no longer the shard runs' skipped records.
    @Test("shards of one file each, merged both ways: the copies duplicates, left out once, the totals adding up")
    func shards() throws {
        let folder = CLI.temporaryFolder("parity-shards")
        let inputs = try Self.write(folder.appendingPathComponent("night-1"), copies: false)
            + Self.write(folder.appendingPathComponent("night-2"), copies: true)
        let options = ["--pinpoint-parity", "--no-html"]
        let expected = try StateCLI.single(inputs, options)
        let plan = try ShardCLITests.plan(inputs, shards: inputs.count, folder)
        let states = try ShardCLITests.shardStates(plan, inputs.count, folder, options).map(\.path)
        let merged = folder.appendingPathComponent("merged")
        let result = try CLI.run(["merge"] + states + ["--out", merged.path, "--report-options", options.joined(separator: " ")])
        #expect(result.status == 0, "\(result.stderr)")
        let state = folder.appendingPathComponent("merged-state")
        let merge = try CLI.run(["state", "merge", "--into", state.path] + states)
        #expect(merge.status == 0, "\(merge.stderr)")
        let reported = folder.appendingPathComponent("reported")
        #expect(try StateCLI.report([], state: state, out: reported, options).status == 0)
        for out in [merged, reported] {
            try StateCLI.expectSame(expected, out, out.lastPathComponent)
            let totals = try #require(try Self.summary(out)["totals"] as? [String: Any])
            #expect(totals["records"] as? Int == 6 && totals["events"] as? Int == 1, "\(out.lastPathComponent): \(totals)")
            #expect(totals["duplicates"] as? Int == 3 && totals["skipped"] as? Int == 2, "\(out.lastPathComponent): \(totals)")
        }
    }
}
