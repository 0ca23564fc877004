import AuthStatsTestSupport
import Foundation
import Testing

/// The nightly state (issue 15, `docs/state.md`) through the built binary: for any split of
/// the inputs into batches read by successive `report --state` runs, the reports after the
/// last equal one stateless run over all the inputs, byte for byte (`summary.json` without its
/// run fields); late data, copies of earlier records and sessions across batches included.
/// The ledger, the horizon, `kill -9`, concurrent runs, damaged files and `state merge` are
/// in StateCLILedgerTests.swift and StateCLISafetyTests.swift.
@Suite("End to end: the nightly state equals one run over all the inputs (issue 15)")
struct StateCLITests {
    typealias S = StateCLI

    @Test(
        "the generated files in 1, 2 and 7 batches equal one run over all of them",
        arguments: ["UTC", "America/New_York"])
    func batches(timeZone: String) throws {
        let data = try S.data()
        let options = S.reportOptions + ["--timezone", timeZone]
        let expected = try S.single(data.files, options)
        for count in [1, 2, 7] {
            let folder = CLI.temporaryFolder("state-batches")
            let state = folder.appendingPathComponent("state")
            let out = folder.appendingPathComponent("out")
            try S.runBatches(S.split(data.files, into: count), state: state, out: out, options)
            try S.expectSame(expected, out, "\(count) batches in \(timeZone)")
        }
    }

    /// Found by a review on 2026-12-07: sessions were frozen a session timeout and 14 hours
    /// (the widest zone's offset) before the horizon, but a fixed offset reaches 18 hours: in
    /// UTC+15 a late sign-in at 00:05 of a day inside the horizon made a second session where
    /// one run joins it to the user's 23:40 sign-in of the day before, exit 0.
    @Test("a fixed offset past +14 hours: a late event inside the horizon joins a session of the day before it, as in one run",
          arguments: ["UTC+15", "UTC+18", "UTC-18"])
    func widestOffsets(zone: String) throws {
        let folder = CLI.temporaryFolder("state-offset")
        let hours = Int64(zone.dropFirst(3))!
        // A sign-in at a local time (days and minutes from 2026-09-01 00:00 in `zone`).
        func signIn(_ user: String, day: Int64, minute: Int64, _ id: String) -> String {
            let utc = 1_788_220_800_000 + day * 86_400_000 + minute * 60_000 - hours * 3_600_000
            return #"{"eventTimestamp":"\#(utc)","eventSource":"USER_ACTIVITY","message":{"eventId":"\#(id)","eventType":"SignIn","userSub":"\#(user)","clientId":"c1","eventResponse":"Pass"}}"#
        }
        let nights = [
            [signIn("a", day: 0, minute: 720, "e1")],
            // U at 23:30 and 23:40 of day 6; another user 34 days after day 7, so that this
            // night's compaction freezes what lies before day 7 less the margins.
            [signIn("u", day: 6, minute: 1_410, "e2"), signIn("u", day: 6, minute: 1_420, "e3"), signIn("b", day: 41, minute: 720, "e4")],
            // Late: U at 00:05 of day 7, inside the horizon, 25 minutes after the last sign-in.
            [signIn("u", day: 7, minute: 5, "e5")],
        ]
        let options = S.reportOptions + ["--timezone", zone]
        var files: [String] = []
        for (number, night) in nights.enumerated() {
            files.append(try S.gzip(night, folder.appendingPathComponent("in"), "night-\(number + 1).json.gz"))
            let result = try S.report(
                [files.last!], state: folder.appendingPathComponent("state"), out: folder.appendingPathComponent("out"), options + ["--state-horizon", "35"])
            #expect(result.status == 0, "night \(number + 1): \(result.stderr)")
        }
        try S.expectSame(try S.single(files, options), folder.appendingPathComponent("out"), "three nights in \(zone)")
        // One session of U, 23:30 to 00:05: the day-6 row has one session of 2,100 s.
        let daily = try String(contentsOf: folder.appendingPathComponent("out/daily.csv"), encoding: .utf8)
        #expect(daily.contains("2026-09-07,") && daily.components(separatedBy: "\n").contains { $0.hasPrefix("2026-09-07,") && $0.hasSuffix(",1,1,2100") }, "\(daily)")
    }

    /// Each night's files (by the day in their path) as one batch, with a horizon of two days:
    /// older fingerprints are dropped and older sessions frozen, and New York's days straddle
    /// the files' UTC days.
    /// Without `--sessions-detail` the nights go through the state's report totals, and the
    /// nights that write the state whole (compactions) keep them.
    @Test(
        "day by day with --state-horizon 2 in America/New_York (sessions frozen) equals one run",
        arguments: [S.reportOptions, ["--no-html"]])
    func nightly(reportOptions: [String]) throws {
        let data = try S.data()
        let options = reportOptions + ["--timezone", "America/New_York"]
        let expected = try S.single(data.files, options)
        let folder = CLI.temporaryFolder("state-nightly")
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("out")
        // 2026/11/05/…, 2026-11-05, 20261105T…: the day a file was written.
        let pattern = try Regex(#"(2026)[/-]?(1[12])[/-]?([0-3][0-9])"#)
        var nights: [String: [String]] = [:]
        for file in data.files {
            let relative = String(file.dropFirst(data.folder.path.count))
            let match = try #require(relative.firstMatch(of: pattern), "no day in \(relative)")
            nights[String(relative[match.range]).filter(\.isNumber), default: []].append(file)
        }
        #expect(nights.count >= 12)
        try S.runBatches(nights.keys.sorted().map { nights[$0]! }, state: state, out: out, options + ["--state-horizon", "2"])
        try S.expectSame(expected, out, "\(nights.count) nightly batches, horizon 2, \(reportOptions)")
        let info = try S.info(state)
        #expect((S.number(info, "frozen_sessions") ?? 0) > 100, "\(info)")
        #expect(info["report_totals"] as? String == (reportOptions.contains("--sessions-detail") ? "none" : "current"), "\(info)")
    }

    @Test("report.html after a night gives the state's events and duplicates, as summary.json does; a missing state with no input is exit 2, nothing made")
    func pageTotalsAndMissingState() throws {
        let data = try S.data()
        let folder = CLI.temporaryFolder("state-page")
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("out")
        try S.runBatches(S.split(data.files, into: 2), state: state, out: out, ["--sessions-detail"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let totals = summary["totals"] as! [String: Any]
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        // The night read half the files; the page counted only their events (the whole state's since).
        #expect(page.contains("<dt>Events</dt><dd>\(Self.grouped(totals["events"] as! Int))</dd>"), "\(totals)")
        #expect(page.contains("<dt>Duplicates</dt><dd>\(Self.grouped(totals["duplicates"] as! Int))</dd>"))
        // A mistyped state folder with no input: nothing made, the reports left as they were.
        let missing = folder.appendingPathComponent("no-such-state")
        let before = try Data(contentsOf: out.appendingPathComponent("daily.csv"))
        let result = try S.report([], state: missing, out: out)
        #expect(result.status == 2 && result.stderr.contains("no state in \(missing.path) (no authstats.sqlite)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        #expect(try Data(contentsOf: out.appendingPathComponent("daily.csv")) == before)
        // A restore that left an empty file: said so, by `state info` (where docs/state.md sends
        // a user after a restore) as by a report; it said "no authstats.sqlite" until 2026-12-05.
        let emptied = folder.appendingPathComponent("emptied-state")
        try FileManager.default.createDirectory(at: emptied, withIntermediateDirectories: true)
        try Data().write(to: emptied.appendingPathComponent("authstats.sqlite"))
        for arguments in [["state", "info", "--state", emptied.path], ["report", "--state", emptied.path, "--out", out.path]] {
            let said = try CLI.run(arguments)
            #expect(said.status == 2, "\(said.stderr)")
            #expect(said.stderr.contains("no state in \(emptied.path) (its authstats.sqlite is empty, 0 bytes: "), "\(said.stderr)")
        }
        #expect(try Data(contentsOf: out.appendingPathComponent("daily.csv")) == before)
    }

    /// A count as the page writes it (`Format.count`): thousands grouped with commas.
    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        return String(digits.reversed().enumerated().map { $0.offset > 0 && $0.offset % 3 == 0 ? ",\($0.element)" : "\($0.element)" }.joined().reversed())
    }

    @Test("with --clients --by-project, --segments and --users: projects/ and segments/ equal one run's too")
    func projectsAndSegments() throws {
        let data = try S.data()
        let samples = CLI.packageRoot.appendingPathComponent("sample-logs")
        let options = S.reportOptions + [
            "--users", data.users, "--segments", samples.appendingPathComponent("segments.json").path,
            "--clients", samples.appendingPathComponent("clients.json").path, "--by-project",
        ]
        let expected = try S.single(data.files, options)
        // The comparison covers what is there: make sure the folders are.
        let names = try S.reportFiles(expected)
        #expect(names.contains { $0.hasPrefix("projects/") && $0.hasSuffix("/daily.csv") })
        #expect(names.contains { $0.hasPrefix("segments/") })
        #expect(names.contains { $0.hasPrefix("projects/") && $0.contains("/segments/") })
        let folder = CLI.temporaryFolder("state-projects")
        let out = folder.appendingPathComponent("out")
        try S.runBatches(S.split(data.files, into: 2), state: folder.appendingPathComponent("state"), out: out, options)
        try S.expectSame(expected, out, "2 batches with projects and segments")
    }

    /// Without `--sessions-detail` a first write (and a rebuild) builds the reports' sessions
    /// on a thread of its own while the state is written from the same session log
    /// (`sessionizeAhead`); spilled, with segment profiles counting sessions.
    @Test("without --sessions-detail, spilled, with segments: a first write, a rebuild and a later batch equal one run")
    func sessionsBuiltWhileTheStateIsWritten() throws {
        let data = try S.data()
        let samples = CLI.packageRoot.appendingPathComponent("sample-logs")
        let options = [
            "--no-html", "--session-memory", "4096", "--users", data.users,
            "--segments", samples.appendingPathComponent("segments.json").path,
        ]
        let expected = try S.single(data.files, options)
        let folder = CLI.temporaryFolder("state-ahead")
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("out")
        try S.runBatches([data.files], state: state, out: out, options)
        try S.expectSame(expected, out, "a first write of everything")
        // Without --sessions-detail the state keeps the counts-only session log: session rows
        // cannot be asked for later (exit 64, nothing changed), only after a rebuild.
        #expect(try S.info(state)["session_rows"] as? String == "off")
        let before = try S.info(state)
        let refused = try S.report([], state: state, out: folder.appendingPathComponent("refused"), options + ["--sessions-detail"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("keeps no session rows") && refused.stderr.contains("--rebuild"), "\(refused.stderr)")
        #expect(try S.info(state) as NSDictionary == before as NSDictionary)
        try S.runBatches([data.files], state: state, out: out, options + ["--rebuild"])
        try S.expectSame(expected, out, "a rebuild")
        let batches = folder.appendingPathComponent("batches")
        try S.runBatches(S.split(data.files, into: 2), state: batches, out: out, options)
        try S.expectSame(expected, out, "2 batches")
        // A rebuild that asks for session rows keeps them from then on.
        let detailed = options + ["--sessions-detail"]
        try S.runBatches([data.files], state: state, out: out, detailed + ["--rebuild"])
        #expect(try S.info(state)["session_rows"] as? String == "on")
        try S.runBatches([[]], state: state, out: out, detailed)
        try S.expectSame(try S.single(data.files, detailed), out, "rows kept after a rebuild with --sessions-detail")
    }

    /// Hand-made Pinpoint events of users the generator does not have, added to the generated
    /// files of four batches (`LateData`).
    @Test("late data: a day two batches back, a copy of an earlier record, a session across batches, a bridged session, an earlier first day")
    func lateData() throws {
        let data = try S.data()
        let folder = CLI.temporaryFolder("state-late")
        let batches = try LateData.batches(generated: data.files, in: folder.appendingPathComponent("in"))
        let expected = try S.single(batches.flatMap { $0 })
        // The cases are really in the data: one run sees one session per case, of all its events.
        let sessions = try String(contentsOf: expected.appendingPathComponent("sessions.csv"), encoding: .utf8)
        for (user, events) in [("late-span", 4), ("late-gap", 3), ("late-bridge", 3)] {
            let rows = sessions.split(separator: "\n").filter { $0.hasPrefix("\(user),") }
            #expect(rows.count == 1 && rows[0].split(separator: ",")[5] == "\(events)", "\(user): \(rows)")
        }
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("out")
        for (number, batch) in batches.enumerated() {
            let result = try S.report(batch, state: state, out: out)
            #expect(result.status == 0, "batch \(number + 1): \(result.stderr)")
            if number == 2 {
                // The copies were found among the first batch's records: none counted again.
                let summary = try JSONSerialization.jsonObject(with: S.bytes(out.appendingPathComponent("summary.json").path)) as? [String: Any]
                let inputs = summary?["inputs"] as? [[String: Any]] ?? []
                let copy = inputs.first { ($0["path"] as? String)?.hasSuffix(LateData.copyName) == true }
                #expect(copy?["events"] as? Int == 0, "\(copy ?? [:])")
                #expect((copy?["duplicates"] as? Int ?? 0) >= 2, "\(copy ?? [:])")
            }
        }
        try S.expectSame(expected, out, "late data in 4 batches")
    }

    /// Without `--sessions-detail` a state keeps its report totals (`docs/state.md` "Reports
    /// without restoring"): a night reads only its batch's users and changes the totals by
    /// what they add. Late data in 4 batches through them; a batch with `--to` takes the whole
    /// state and keeps the totals again; totals one batch old (as a batch appended by a build
    /// that keeps none leaves them) are not used.
    @Test("report totals: late data in 4 batches, a run with no input, a run with --to, totals a batch old: one run's reports")
    func reportTotals() throws {
        let data = try S.data()
        let folder = CLI.temporaryFolder("state-totals")
        let batches = try LateData.batches(generated: data.files, in: folder.appendingPathComponent("in"))
        let options = ["--no-html"]
        let expected = try S.single(batches.flatMap { $0 }, options)
        let state = folder.appendingPathComponent("state")
        let out = folder.appendingPathComponent("out")
        let updated = "report totals updated from its users"
        for (number, batch) in batches.enumerated() {
            let result = try S.report(batch, state: state, out: out, options)
            #expect(result.status == 0, "batch \(number + 1): \(result.stderr)")
            #expect(result.stderr.contains(updated) == (number > 0), "batch \(number + 1): \(result.stderr)")
        }
        try S.expectSame(expected, out, "late data in 4 batches through the totals")
        let bytes = try S.bytes(S.databasePath(state))
        let alone = try S.report([], state: state, out: out, options)
        #expect(alone.status == 0 && alone.stderr.contains("restored counts"), "\(alone.stderr)")
        try S.expectSame(expected, out, "no input: the reports from the totals")
        #expect(try S.bytes(S.databasePath(state)) == bytes, "a run with no input changed the state file")
        // Damaged totals are a warning: the whole state is read, the totals kept again.
        func sql(_ database: URL, _ statement: String) throws {
            let run = Process()
            run.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            run.arguments = [S.databasePath(database), statement]
            try run.run()
            run.waitUntilExit()
            #expect(run.terminationStatus == 0, "\(statement)")
        }
        try sql(state, "UPDATE chunks SET data = zeroblob(length(data)) WHERE name = 'report_totals'")
        #expect((try S.info(state)["report_totals"] as? String ?? "").hasPrefix("damaged"))
        let repaired = try S.report([], state: state, out: out, options)
        #expect(repaired.status == 0 && repaired.stderr.contains("report totals cannot be read"), "\(repaired.stderr)")
        try S.expectSame(expected, out, "damaged totals: the whole state read")
        #expect(try S.info(state)["report_totals"] as? String == "current")

        // The same batches again in another state: the third with --to (the whole state read,
        // the totals kept again after it), the second's totals put back after the third.
        let other = folder.appendingPathComponent("other")
        let kept = folder.appendingPathComponent("kept.sqlite")
        for (number, batch) in batches.enumerated() {
            let to = number == 2 ? ["--to", "2026-11-30"] : []
            let result = try S.report(batch, state: other, out: out, options + to)
            #expect(result.status == 0, "batch \(number + 1): \(result.stderr)")
            // The fourth finds the totals a batch old: it reads the whole state, and keeps them again.
            #expect(result.stderr.contains(updated) == (number == 1), "batch \(number + 1): \(result.stderr)")
            if number == 1 { try FileManager.default.copyItem(atPath: S.databasePath(other), toPath: kept.path) }
            if number == 2 {
                try sql(
                    other,
                    "ATTACH '\(kept.path)' AS old; DELETE FROM chunks WHERE name = 'report_totals'; "
                        + "INSERT INTO chunks SELECT * FROM old.chunks WHERE name = 'report_totals';")
                #expect(try S.info(other)["report_totals"] as? String == "stale")
            }
        }
        try S.expectSame(expected, out, "totals a batch old not used")
        let after = try S.report([], state: other, out: out, options)
        #expect(after.status == 0 && after.stderr.contains("restored counts"), "\(after.stderr)")
        try S.expectSame(expected, out, "no input: the totals kept again")
        #expect(try S.info(other)["report_totals"] as? String == "current")

        // A night whose totals' header says current but whose totals cannot be loaded (a
        // damaged chunk after the header): the users' part it read beside them is not used;
        // one warning, the whole state read, the totals kept again.
        let third = folder.appendingPathComponent("third")
        for (number, batch) in batches.enumerated() {
            if number == 3 {
                try sql(third, "INSERT INTO chunks(name, scope, seq, data) VALUES ('report_totals', '', 1, zeroblob(64))")
                #expect((try S.info(third)["report_totals"] as? String ?? "").hasPrefix("damaged"))
            }
            let result = try S.report(batch, state: third, out: out, options)
            #expect(result.status == 0, "batch \(number + 1): \(result.stderr)")
            #expect(result.stderr.contains(updated) == (number == 1 || number == 2), "batch \(number + 1): \(result.stderr)")
            if number == 3 {
                let warnings = result.stderr.components(separatedBy: "report totals cannot be read").count - 1
                #expect(warnings == 1, "\(result.stderr)")
            }
        }
        try S.expectSame(expected, out, "totals that cannot be loaded on a night with input")
        #expect(try S.info(third)["report_totals"] as? String == "current")
        // A state with session rows keeps none.
        #expect(try S.info(try S.sharedState())["report_totals"] as? String == "none")
    }

    @Test("a rerun with no new input changes neither the reports nor the state file's bytes")
    func rerun() throws {
        let data = try S.data()
        let state = try S.sharedState()
        let expected = try S.single(data.files)
        let before = try S.bytes(S.databasePath(state))
        let folder = state.deletingLastPathComponent()
        // The last batch again: every input is known and skipped.
        let again = folder.appendingPathComponent("again")
        let result = try S.report(S.split(data.files, into: 2)[1], state: state, out: again)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("already in the state, skipped"), "\(result.stderr)")
        try S.expectSame(expected, again, "the last batch read again")
        #expect(try S.bytes(S.databasePath(state)) == before, "the state file changed")
        // No input at all: the reports from the state alone.
        let alone = folder.appendingPathComponent("alone")
        let second = try S.report([], state: state, out: alone)
        #expect(second.status == 0, "\(second.stderr)")
        try S.expectSame(expected, alone, "no input")
        try S.expectSame(again, alone, "the rerun and the run with no input")
        #expect(try S.bytes(S.databasePath(state)) == before, "the state file changed")
    }

    /// `--rebuild` replaces the state with what it reads: given nothing (an unset variable in
    /// a cron line), or only a folder that is not there, it emptied the state until 2026-12-06.
    @Test("--rebuild with no input is exit 64, over a missing or empty folder exit 2: the state and --out unchanged")
    func rebuildReadingNothing() throws {
        let state = try S.sharedState()
        let before = try S.bytes(S.databasePath(state))
        let folder = state.deletingLastPathComponent()
        let out = folder.appendingPathComponent("out-rebuild")
        let none = try S.report([], state: state, out: out, S.reportOptions + ["--rebuild"])
        #expect(none.status == 64, "\(none.stderr)")
        #expect(none.stderr.contains("--rebuild replaces what the state holds with what it reads: give every input"), "\(none.stderr)")
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for input in [folder.appendingPathComponent("not-mounted").path, empty.path] {
            let result = try S.report([input], state: state, out: out, S.reportOptions + ["--rebuild"])
            #expect(result.status == 2, "\(input): \(result.stderr)")
            #expect(result.stderr.contains("--rebuild would have emptied the state, which is left as it was; nothing written"), "\(result.stderr)")
            #expect(!result.stderr.contains("the state holds no event"), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path), "--out was written")
        #expect(try S.bytes(S.databasePath(state)) == before, "the state file changed")
        // A shard of a plan that holds no file is rebuilt (its state made again) all the same.
        let data = try S.data()
        let plan = try ShardCLITests.plan(Array(data.files.prefix(2)), shards: 3, folder.appendingPathComponent("plan"))
        let shard = folder.appendingPathComponent("shard-2")
        for _ in 0..<2 {
            let result = try CLI.run(["report", "--plan", plan, "--shard", "2", "--state", shard.path, "--state-horizon", "none", "--rebuild", "-q"])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    @Test("reports from the state alone for a range inside the data equal a stateless run with the same --from/--to")
    func subRange() throws {
        let data = try S.data()
        let state = try S.sharedState()
        let range = ["--from", "2026-11-04", "--to", "2026-11-09"]
        let expected = try S.single(data.files, S.reportOptions + range)
        let out = state.deletingLastPathComponent().appendingPathComponent("range")
        let result = try S.report([], state: state, out: out, S.reportOptions + range)
        #expect(result.status == 0, "\(result.stderr)")
        try S.expectSame(expected, out, "--from 2026-11-04 --to 2026-11-09 from the state")
        let daily = try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8)
        #expect(daily.split(separator: "\n").dropFirst().map { $0.prefix(10) } == (4...9).map { "2026-11-0\($0)" })
    }

    @Test("state info: inputs, days, users, horizon, time zone and schema version, as text and as JSON")
    func info() throws {
        let data = try S.data()
        let state = try S.sharedState()
        let expected = try S.single(data.files)
        let summary = try JSONSerialization.jsonObject(with: S.bytes(expected.appendingPathComponent("summary.json").path)) as? [String: Any]
        let totals = try #require(summary?["totals"] as? [String: Any])
        let range = try #require(summary?["range"] as? [String: String])
        let daily = try String(contentsOf: expected.appendingPathComponent("daily.csv"), encoding: .utf8)
        let header = try #require(daily.split(separator: "\n").first).split(separator: ",")
        let eventsColumn = try #require(header.firstIndex(of: "events"))
        let activeDays = daily.split(separator: "\n").dropFirst().filter { $0.split(separator: ",")[eventsColumn] != "0" }.count

        let info = try S.info(state)
        #expect(S.number(info, "schema_version") == 5)
        #expect(info["chunk_check"] as? String == "lanes")
        #expect(info["timezone"] as? String == "UTC")
        #expect(info["horizon_days"] as? String == "35" || S.number(info, "horizon_days") == 35, "\(info["horizon_days"] ?? "nil")")
        #expect(S.number(info, "inputs") == data.files.count)
        #expect(S.number(info, "batches") == 2)
        #expect(S.number(info, "users") == totals["users"] as? Int)
        #expect(S.number(info, "events") == totals["events"] as? Int)
        #expect(S.number(info, "duplicates") == totals["duplicates"] as? Int)
        #expect(S.number(info, "days") == activeDays)
        #expect(info["first_day"] as? String == range["from"])
        #expect(info["last_day"] as? String == range["to"])
        #expect(info["newest_day"] as? String == range["to"])
        #expect((S.number(info, "file_bytes") ?? 0) > 0)

        let text = try CLI.run(["state", "info", "--state", state.path])
        #expect(text.status == 0, "\(text.stderr)")
        var fields: [String: String] = [:]
        for line in text.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        for (name, value) in [
            ("schema_version", "5"), ("chunk_check", "lanes"), ("content_hash", "lanes"), ("timezone", "UTC"), ("horizon_days", "35"), ("inputs", "\(data.files.count)"),
            ("users", "\(totals["users"] as? Int ?? -1)"), ("days", "\(activeDays)"),
        ] {
            #expect(fields[name] == value, "state info: \(name) is \(fields[name] ?? "missing"), not \(value)\n\(text.stdout)")
        }
    }

    @Test("--timezone (or AUTHSTATS_TIMEZONE) other than the state's is exit 64 naming the state's zone; the state unchanged")
    func otherTimeZone() throws {
        let data = try S.data()
        let state = try S.sharedState()
        let before = try S.bytes(S.databasePath(state))
        let folder = state.deletingLastPathComponent()
        let input = [data.files[0]]
        let option = try S.report(input, state: state, out: folder.appendingPathComponent("o1"), S.reportOptions + ["--timezone", "Europe/Berlin"])
        #expect(option.status == 64, "\(option.stderr)")
        #expect(option.stderr.contains("counts days in UTC"), "\(option.stderr)")
        let variable = try S.report([], state: state, out: folder.appendingPathComponent("o2"), environment: ["AUTHSTATS_TIMEZONE": "Asia/Tokyo"])
        #expect(variable.status == 64, "\(variable.stderr)")
        #expect(variable.stderr.contains("counts days in UTC"), "\(variable.stderr)")
        #expect(try S.bytes(S.databasePath(state)) == before)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("o1/daily.csv").path))
        // The state's own zone, given or not, is fine.
        let same = try S.report([], state: state, out: folder.appendingPathComponent("o3"), S.reportOptions + ["--timezone", "UTC"])
        #expect(same.status == 0, "\(same.stderr)")
        // Another name of UTC counts the same days: taken, and the reports keep the state's name.
        let alias = try S.report([], state: state, out: folder.appendingPathComponent("o4"), environment: ["AUTHSTATS_TIMEZONE": "Etc/UTC"])
        #expect(alias.status == 0, "\(alias.stderr)")
        try S.expectSame(folder.appendingPathComponent("o3"), folder.appendingPathComponent("o4"), "Etc/UTC on a UTC state")
    }
}

/// The late-data case's inputs: the generated files in four batches, with hand-made files of
/// users the generator does not have.
enum LateData {
    static let copyName = "b3-copies.json.gz"

    static func line(_ type: String, _ iso: String, _ user: String) -> String { PinpointLine(type, iso: iso, user: user).json }

    static func session(_ type: String, _ iso: String, stop: String? = nil) -> String {
        PinpointLine(type, iso: iso, user: "late-span", session: "late-span-1", start: "2026-11-05T10:00:00Z", stop: stop).json
    }

    /// Batch 1: the first half of a session with an id (late-span) and of one without
    /// (late-gap, events under 30 minutes apart); late-bridge's two sessions 50 minutes apart;
    /// late-early's first days, 2026-11-10 and 11.
    /// Batch 2: the sessions' second halves.
    /// Batch 3: sign-ins and a sign-up on 2026-11-02 (a day the first batch reported); an event
    /// between late-bridge's sessions that joins them; late-early's event of 2026-11-03 (its
    /// first day moves earlier); and a file of copies, compressed anew: a generated record of
    /// the first batch and late-early's sign-up.
    /// Batch 4: generated files alone.
    static func batches(generated: [String], in folder: URL) throws -> [[String]] {
        var parts = StateCLI.split(generated, into: 4)
        let signUp = line("_userauth.sign_up", "2026-11-10T09:00:00Z", "late-early")
        parts[0].append(try StateCLI.gzip([
            session("_session.start", "2026-11-05T10:00:00Z"), session("pageView", "2026-11-05T10:05:00Z"),
            line("pageView", "2026-11-05T12:00:00Z", "late-gap"), line("pageView", "2026-11-05T12:10:00Z", "late-gap"),
            line("pageView", "2026-11-06T14:00:00Z", "late-bridge"), line("pageView", "2026-11-06T14:50:00Z", "late-bridge"),
            signUp, line("pageView", "2026-11-11T09:00:00Z", "late-early"),
        ], folder, "b1-hand.json.gz"))
        parts[1].append(try StateCLI.gzip([
            session("pageView", "2026-11-05T10:20:00Z"), session("_session.stop", "2026-11-05T10:40:00Z", stop: "2026-11-05T10:45:00Z"),
            line("pageView", "2026-11-05T12:25:00Z", "late-gap"),
        ], folder, "b2-hand.json.gz"))
        parts[2].append(try StateCLI.gzip([
            line("_userauth.sign_in", "2026-11-02T08:00:00Z", "late-day-a"), line("_userauth.sign_up", "2026-11-02T09:00:00Z", "late-day-b"),
            line("_userauth.sign_in", "2026-11-02T09:05:00Z", "late-day-b"),
            line("pageView", "2026-11-06T14:25:00Z", "late-bridge"),
            line("pageView", "2026-11-03T10:00:00Z", "late-early"),
        ], folder, "b3-hand.json.gz"))
        // A generated Pinpoint record of the first batch, and a hand-made one.
        let first = try #require(parts[0].first { $0.contains("pinpoint") })
        let record = try #require(try StateCLI.gunzip(first).first)
        parts[2].append(try StateCLI.gzip([record, signUp], folder, copyName))
        return parts
    }
}
