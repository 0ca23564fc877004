import AuthStatsTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension StateCLITests {
    /// The state's safety through the built binary: `kill -9` at several points, a second run
    /// while one holds the state, damaged and foreign files.
    @Suite("End to end: the state survives kill -9, a second run, damage (issue 15)", .serialized)
    struct Safety {
        typealias S = StateCLI

        /// Batch 1 is a seventh of the generated files; batch 2 the large input, killed four
        /// times before its commit ended (after 50 ms, after 200 ms, as its commit begins: the
        /// rollback journal appears, and deep in its commit: the file has grown past the
        /// committed one), each leaving the committed state; then once more, after its commit,
        /// as it writes the reports; then the same batch again.
        /// Also without `--sessions-detail`: the state keeps report totals, which commit with
        /// the batch, and the same batch again reports from them.
        @Test(
            "kill -9 during a batch (reading, committing, writing reports), then the same batch again: one run's reports",
            arguments: [S.reportOptions, ["--no-html"]])
        func killNine(reportOptions: [String]) throws {
            let data = try S.data()
            let large = try S.largeInput()
            // With totals, the first batch is the last seventh of the days: the large batch then
            // appends without writing the state whole, so its totals change inside its own
            // transaction, which the kills below interrupt.
            let totals = !reportOptions.contains("--sessions-detail")
            let first = S.split(data.files, into: 7)[totals ? 6 : 0]
            let folder = CLI.temporaryFolder("state-kill")
            let state = folder.appendingPathComponent("state")
            let out = folder.appendingPathComponent("out")
            let journal = S.databasePath(state) + "-journal"
            try S.runBatches([first], state: state, out: out, reportOptions)
            let committed = try S.bytes(S.databasePath(state))
            let arguments = ["report", large, "--state", state.path, "--out", out.path, "--jobs", "1"] + reportOptions

            func expectPreviousState(_ when: String) throws {
                // Opening the state rolls a hot journal back: the file is the committed one again.
                let info = try S.info(state)
                #expect(S.number(info, "inputs") == first.count, "after a kill \(when)")
                #expect(S.number(info, "batches") == 1, "after a kill \(when)")
                #expect(try S.bytes(S.databasePath(state)) == committed, "after a kill \(when): the state file is not the committed one")
            }
            for delay in [50_000, 200_000] as [useconds_t] {
                let run = try S.start(arguments, logs: folder)
                usleep(delay)
                #expect(run.isRunning, "the run ended within \(delay / 1000) ms: kill it later")
                S.killNine(run)
                try expectPreviousState("after \(delay / 1000) ms")
            }
            func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            for (when, inCommit) in [
                ("as the commit begins", { FileManager.default.fileExists(atPath: journal) }),
                ("deep in the commit", { FileManager.default.fileExists(atPath: journal) && size(S.databasePath(state)) > committed.count + (1 << 20) }),
            ] as [(String, () -> Bool)] {
                let run = try S.start(arguments, logs: folder)
                let seen = S.poll(run, seconds: 60, until: inCommit)
                #expect(seen && run.isRunning, "the run ended before it was seen \(when)")
                S.killNine(run)
                try expectPreviousState(when)
            }

            // Read again, committed, and killed as it writes the reports: the commit was seen
            // under way (a journal left by the kill as it began may lie there from the start),
            // and its journal is gone.
            let run = try S.start(arguments, logs: folder)
            var began = false
            let ended = S.poll(run, seconds: 60) {
                let exists = FileManager.default.fileExists(atPath: journal)
                began = began || (exists && size(S.databasePath(state)) > committed.count + (1 << 20))
                return began && !exists
            }
            #expect(ended && run.isRunning, "the run ended before it was seen after its commit")
            S.killNine(run)
            #expect(S.number(try S.info(state), "inputs") == first.count + 1, "the batch is not in the state after its commit")
            #expect(!FileManager.default.fileExists(atPath: journal), "a journal left beside the committed state")

            // The same batch again: known now, skipped; the reports are one run's.
            let rerun = try CLI.run(Array(arguments))
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stderr.contains("already in the state, skipped"), "\(rerun.stderr)")
            try S.expectSame(try S.single(first + [large], reportOptions), out, "the batch run again after the kills")
            if totals {
                // The totals committed with the batch (before the kill as it wrote the reports):
                // the rerun reported from them.
                #expect(rerun.stderr.contains("restored counts"), "\(rerun.stderr)")
                #expect(try S.info(state)["report_totals"] as? String == "current")
            }

            // A --rebuild killed before its commit leaves the state as it was, not empty.
            let completed = try S.bytes(S.databasePath(state))
            let rebuild = try S.start(
                ["report"] + first + [large, "--state", state.path, "--out", out.path, "--jobs", "1", "--rebuild"] + reportOptions, logs: folder)
            usleep(300_000)
            S.killNine(rebuild)
            #expect(S.number(try S.info(state), "inputs") == first.count + 1, "a killed --rebuild emptied the state")
            #expect(try S.bytes(S.databasePath(state)) == completed)
        }

        /// Batch 2 (the large input and a file with rejected records) killed after its commit,
        /// as it writes its reports (`docs/state.md` "A run stopped between its commit and its
        /// reports"): the next run over the same inputs (all known now) writes the reports the
        /// killed run would have written, byte for byte but `generated_at`, its
        /// `rejects.ndjson`, `summary.json`'s entries and the page's inputs included; a run
        /// over a new file instead lists the killed batch's inputs and rejects before its own;
        /// and the run after either lists nothing read; a reading kept but damaged is said and
        /// dropped. Batch 2 has duplicates of batch 1's records (counted at the batch's write)
        /// and is read by two workers (its inputs come back out of order). (Until 2026-12-06
        /// the rejected records of such a batch were in no file.)
        @Test("a run killed between its commit and its reports: the next run writes the reports it would have, rejects and input entries included")
        func killedAfterCommit() throws {
            let data = try S.data()
            let large = try S.largeInput()
            let folder = CLI.temporaryFolder("state-unreported")
            // Batch 1: a seventh of the generated files and one event of its own.
            let early = folder.appendingPathComponent("early.json").path
            let copy = PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-12T07:00:00Z"), user: "early-1").json
            try (copy + "\n").write(toFile: early, atomically: true, encoding: .utf8)
            let first = S.split(data.files, into: 7)[6] + [early]
            // An event twice and a copy of batch 1's (duplicates, which the batch's write
            // resolves against the state), between three records that are none (rejected).
            let bad = folder.appendingPathComponent("bad.json").path
            let event = PinpointLine(
                "_userauth.sign_in", at: PinpointLine.millis("2026-11-12T08:00:00Z"), user: "bad-1", client: "bad-client-1", platform: "web",
                locale: "en_US", appVersion: "1.0", country: "US")
            try ([#"{"event_type": "_userauth.sign_in", "client": {"client_id": "x"}}"#, event.json, "{not json", event.json, copy, #"{"event_type": 7}"#]
                .joined(separator: "\n") + "\n").write(toFile: bad, atomically: true, encoding: .utf8)
            // Two more small files, the large input between them: two workers read them, the
            // larger first, so the batch's inputs come back out of input order (the large one first).
            var small: [String] = []
            for n in 1...2 {
                let path = folder.appendingPathComponent("small-\(n).json").path
                try (PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-12T0\(n):00:00Z"), user: "small-\(n)").json + "\n")
                    .write(toFile: path, atomically: true, encoding: .utf8)
                small.append(path)
            }
            let second = [bad, small[0], large, small[1]]
            let late = folder.appendingPathComponent("late.json").path
            try (PinpointLine("_userauth.sign_in", at: PinpointLine.millis("2026-11-12T09:00:00Z"), user: "late-1").json + "\n")
                .write(toFile: late, atomically: true, encoding: .utf8)
            let options = ["--sessions-detail", "--jobs", "2"]  // with the page, whose inputs part lists them
            func summary(_ out: URL) throws -> [String: Any] {
                try JSONSerialization.jsonObject(with: try S.bytes(out.appendingPathComponent("summary.json").path)) as? [String: Any] ?? [:]
            }
            func rejectLines(_ out: URL) throws -> [String] {
                String(decoding: try S.bytes(out.appendingPathComponent("rejects.ndjson").path), as: UTF8.self).split(separator: "\n").map(String.init)
            }
            func withoutTime(_ data: Data) -> String {
                String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"generated_at\"") }.joined(separator: "\n")
            }

            // The reports of batch 2 uninterrupted.
            let expected = folder.appendingPathComponent("expected")
            try S.runBatches([first, second], state: expected.appendingPathComponent("state"), out: expected.appendingPathComponent("out"), options)
            let wanted = expected.appendingPathComponent("out")
            let wantedRejects = try rejectLines(wanted)
            #expect(wantedRejects.count == 3, "\(wantedRejects)")
            let entries = try #require((try summary(wanted))["inputs"] as? [[String: Any]])
            #expect(entries.count == 4)
            let badEntry = entries.first { ($0["path"] as? String)?.hasSuffix("bad.json") == true }
            #expect(badEntry?["duplicates"] as? Int == 2 && badEntry?["events"] as? Int == 1, "\(String(describing: badEntry))")

            /// Batch 1, then batch 2 killed after its commit: the state keeps its reading.
            func killedRun(_ name: String) throws -> (state: URL, out: URL) {
                let state = folder.appendingPathComponent(name).appendingPathComponent("state")
                let out = folder.appendingPathComponent(name).appendingPathComponent("out")
                try S.runBatches([first], state: state, out: out, options)
                let committed = try S.bytes(S.databasePath(state)).count
                let journal = S.databasePath(state) + "-journal"
                func size() -> Int { (try? FileManager.default.attributesOfItem(atPath: S.databasePath(state))[.size] as? Int) ?? 0 }
                let run = try S.start(["report"] + second + ["--state", state.path, "--out", out.path] + options, logs: folder)
                var began = false
                let ended = S.poll(run, seconds: 60) {
                    let exists = FileManager.default.fileExists(atPath: journal)
                    began = began || (exists && size() > committed + (1 << 20))
                    return began && !exists
                }
                #expect(ended && run.isRunning, "the run ended before it was seen after its commit")
                S.killNine(run)
                let kept = try S.streams(state)
                #expect(kept["unreported_inputs "]?.isEmpty == false, "the killed batch's reading is not in the state: \(kept.keys.sorted())")
                #expect(kept["unreported_rejects "]?.isEmpty == false)
                #expect(S.number(try S.info(state), "unreported_inputs") == 4, "state info shows the inputs not yet reported")
                return (state, out)
            }
            // The same batch again: its inputs known, the reports the killed run's.
            let again = try killedRun("again")
            let rerun = try S.report(second, state: again.state, out: again.out, options)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stderr.contains("the reports also list the 4 inputs"), "\(rerun.stderr)")
            let files = try S.reportFiles(wanted)
            #expect(try S.reportFiles(again.out) == files)
            for name in files {
                let (a, b) = (try S.bytes(wanted.appendingPathComponent(name).path), try S.bytes(again.out.appendingPathComponent(name).path))
                #expect(name == "summary.json" ? withoutTime(a) == withoutTime(b) : a == b, "\(name) is not the uninterrupted run's")
            }
            // Reported now: a run after it lists nothing read.
            let after = try S.report(second, state: again.state, out: again.out, options)
            #expect(after.status == 0, "\(after.stderr)")
            #expect(try rejectLines(again.out).isEmpty)
            #expect(((try summary(again.out))["inputs"] as? [Any])?.isEmpty == true)
            #expect(try S.streams(again.state)["unreported_inputs "] == nil)
            #expect(S.number(try S.info(again.state), "unreported_inputs") == 0)

            // A new file instead: the killed batch's inputs and rejects first, then its own.
            let later = try killedRun("later")
            let next = try S.report([late], state: later.state, out: later.out, options)
            #expect(next.status == 0, "\(next.stderr)")
            #expect(try rejectLines(later.out) == wantedRejects)
            let listed = ((try summary(later.out))["inputs"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
            #expect(listed?.map { URL(fileURLWithPath: $0).lastPathComponent } == ["bad.json", "small-1.json", "large.json.gz", "small-2.json", "late.json"])
            #expect(((try summary(later.out))["rejects_file"] as? [String: Any])?["written"] as? Int == 3)
            let quiet = try S.report([late], state: later.state, out: later.out, options)
            #expect(quiet.status == 0, "\(quiet.stderr)")
            #expect(try rejectLines(later.out).isEmpty)

            // Kept but damaged: said (even with --quiet), not listed, removed; the counts whole.
            let damaged = try killedRun("damaged")
            try S.sqlite(
                damaged.state,
                "UPDATE chunks SET data = zeroblob(length(data)) WHERE rowid = (SELECT min(rowid) FROM chunks WHERE name = 'unreported_inputs')")
            let said = try S.report(second, state: damaged.state, out: damaged.out, options + ["--quiet"])
            #expect(said.status == 0, "\(said.stderr)")
            #expect(said.stderr.contains("could not read the inputs and rejects an earlier run left in the state"), "\(said.stderr)")
            #expect(try rejectLines(damaged.out).isEmpty)
            #expect(try S.bytes(damaged.out.appendingPathComponent("daily.csv").path) == (try S.bytes(wanted.appendingPathComponent("daily.csv").path)))
            #expect(S.number(try S.info(damaged.state), "unreported_inputs") == 0)
        }

        @Test("a second run while one holds the state exits 75 at once, naming the other's PID")
        func concurrent() throws {
            let data = try S.data()
            let large = try S.largeInput()
            let folder = CLI.temporaryFolder("state-busy")
            let state = folder.appendingPathComponent("state")
            let lock = state.appendingPathComponent(".lock").path
            let holder = try S.start(
                ["report", large, "--state", state.path, "--out", folder.appendingPathComponent("o1").path, "--jobs", "1"] + S.reportOptions,
                logs: folder)
            defer { S.killNine(holder) }
            let held = S.poll(holder, seconds: 30) {
                !(((try? String(contentsOfFile: lock, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            }
            try #require(held && holder.isRunning, "the first run never held the lock, or ended too soon")
            let started = Date()
            let second = try S.report([data.files[0]], state: state, out: folder.appendingPathComponent("o2"))
            let elapsed = Date().timeIntervalSince(started)
            #expect(second.status == 75, "\(second.stderr)")
            #expect(second.stderr.contains("PID \(holder.processIdentifier)"), "\(second.stderr)")
            #expect(elapsed < 5, "the second run took \(elapsed) s")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("o2/daily.csv").path))
            // Nor does state merge, whether the state held is merged or merged into.
            let other = try S.sharedState()
            let into = folder.appendingPathComponent("merged")
            for arguments in [["--into", into.path, state.path], ["--into", state.path, other.path]] {
                let merge = try CLI.run(["state", "merge"] + arguments)
                #expect(merge.status == 75, "\(merge.stderr)")
                #expect(merge.stderr.contains("PID \(holder.processIdentifier)"), "\(merge.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(into)))
            #expect(holder.isRunning)
        }

        /// SQLite checks its pages' structure, not the bytes of a blob: damage inside a chunk
        /// of the state's streams is seen only where a record's framing breaks. One byte of a
        /// stored count changed (bit rot, a bad copy) must not become a report.
        /// Changes a byte inside the first records of the `counters` stream of the state in
        /// `state` (its chunk's checksum then fails), after `before` has run; returns the
        /// file's bytes as changed.
        static func damageCounters(_ state: URL, before: () throws -> Void = {}) throws -> Data {
            let path = S.databasePath(state)
            var bytes = try S.bytes(path)
            // The first bytes of the `counters` stream's first chunk (a checksum, then varint
            // records of day, profile and counts), found in the file; a byte well inside it is
            // changed below.
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            probe.arguments = [path, "SELECT hex(substr(data, 1, 24)) FROM chunks WHERE name = 'counters' ORDER BY scope, seq LIMIT 1"]
            let pipe = Pipe()
            probe.standardOutput = pipe
            try probe.run()
            probe.waitUntilExit()
            let hex = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let pattern = stride(from: 0, to: hex.count, by: 2).map { i -> UInt8 in
                UInt8(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 2)], radix: 16)!
            }
            try #require(pattern.count == 24, "the counters stream's first chunk: \(hex)")
            let found = (0..<(bytes.count - 24)).first { bytes[$0..<$0 + 24].elementsEqual(pattern) }
            let at = try #require(found, "no counters chunk in the state file")
            try before()
            bytes[at + 20] ^= 0x01  // inside the first records: a count one more or one less
            try bytes.write(to: URL(fileURLWithPath: path))
            return bytes
        }

        @Test("a byte changed inside the stored counts is refused (exit 2), not reported")
        func flippedByte() throws {
            let state = try S.sharedState()
            let path = S.databasePath(state)
            let bytes = try Self.damageCounters(state) {
                let before = try S.report([], state: state, out: state.deletingLastPathComponent().appendingPathComponent("before"))
                #expect(before.status == 0)
            }
            let out = state.deletingLastPathComponent().appendingPathComponent("after")
            let result = try S.report([], state: state, out: out)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("damaged"), "\(result.stderr)")
            let daily = (try? String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8)) ?? ""
            let was = (try? String(contentsOf: state.deletingLastPathComponent().appendingPathComponent("before/daily.csv"), encoding: .utf8)) ?? ""
            #expect(daily.isEmpty, "reports written from a damaged state:\n\(Golden.diff(was, daily))")
            #expect(try S.bytes(path) == bytes)
        }

        /// The damage is found only as the state is read, after `--into` was opened: a new
        /// `--into` is removed again, an existing one is left as it was.
        @Test("state merge of a state found damaged as it is read: exit 2, a new --into removed, an existing one unchanged")
        func mergeOfADamagedState() throws {
            let state = try S.sharedState()
            let folder = state.deletingLastPathComponent()
            let bytes = try Self.damageCounters(state)
            let new = folder.appendingPathComponent("new-into")
            let result = try CLI.run(["state", "merge", "--into", new.path, state.path])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("damaged"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(new)), "an empty state left in the new --into")
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(new) + "-journal"))

            let existing = folder.appendingPathComponent("existing-into")
            let input = try S.gzip([PinpointLine("pageView", iso: "2026-11-20T10:00:00Z", user: "elsewhere").json], folder, "other.json.gz")
            #expect(try S.report([input], state: existing, out: folder.appendingPathComponent("existing-out")).status == 0)
            let kept = try S.bytes(S.databasePath(existing))
            let again = try CLI.run(["state", "merge", "--into", existing.path, state.path])
            #expect(again.status == 2, "\(again.stderr)")
            #expect(try S.bytes(S.databasePath(existing)) == kept)
            #expect(try S.bytes(S.databasePath(state)) == bytes)
        }

        /// Read on two threads, each taking the next state: the first damaged state in the
        /// order given is the one named, however the threads' timing falls, and nothing is left.
        @Test("state merge --jobs 2 of four states, the second and the fourth damaged: exit 2, the second named, no new --into")
        func mergeOfDamagedStatesOnTwoThreads() throws {
            let folder = CLI.temporaryFolder("merge-damaged")
            var states: [URL] = []
            for n in 0..<4 {
                let input = try S.gzip(
                    // A day each (the counters' first chunk long enough to damage), a month per state.
                    (0..<18).map { PinpointLine("pageView", iso: "2026-0\(n + 1)-\(10 + $0)T10:00:00Z", user: "user-\(n)-\($0)").json },
                    folder, "part-\(n).json.gz")
                let state = folder.appendingPathComponent("state-\(n)")
                #expect(try S.report([input], state: state, out: folder.appendingPathComponent("out-\(n)")).status == 0)
                states.append(state)
            }
            _ = try Self.damageCounters(states[1])
            _ = try Self.damageCounters(states[3])
            let new = folder.appendingPathComponent("new-into")
            for round in 0..<3 {
                let result = try CLI.run(["state", "merge", "--jobs", "2", "--into", new.path] + states.map(\.path))
                #expect(result.status == 2, "round \(round): \(result.stderr)")
                #expect(result.stderr.contains(states[1].lastPathComponent), "round \(round): \(result.stderr)")
                #expect(!result.stderr.contains(states[3].lastPathComponent), "round \(round): \(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: S.databasePath(new)), "an empty state left in the new --into")
            }
        }

        @Test(
            "a damaged state file, another program's SQLite database or a text file: exit 2, a clear message, the file unchanged",
            arguments: ["damaged", "foreign database", "text"])
        func unusable(kind: String) throws {
            let data = try S.data()
            let state = try S.sharedState()
            let path = S.databasePath(state)
            var bytes = try S.bytes(path)
            let message: String
            switch kind {
            case "damaged":
                // Garbage over the middle third of the file, in 4 KiB steps (the header and schema
                // intact; the file's own pages are 64 KiB: whole pages damaged either way).
                let pages = bytes.count / 4096
                var random = SeededRandom(seed: 8)
                for page in (pages / 3)..<(2 * pages / 3) {
                    for offset in stride(from: page * 4096, to: (page + 1) * 4096, by: 8) {
                        withUnsafeBytes(of: random.next()) { bytes.replaceSubrange(offset..<offset + 8, with: $0) }
                    }
                }
                message = "damaged"
            case "foreign database":
                // A SQLite database of another program: another application_id (offset 68).
                bytes.replaceSubrange(68..<72, with: [0x0F, 0x05, 0x51, 0x12])
                message = "not an authstats state"
            default:
                bytes = Data("day,count\n2026-11-01,3\n".utf8)
                message = "not an authstats state"
            }
            try bytes.write(to: URL(fileURLWithPath: path))
            let folder = state.deletingLastPathComponent()
            let input = try S.gzip([PinpointLine("pageView", iso: "2026-11-12T10:00:00Z", user: "unusable").json], folder, "new.json.gz")
            for (what, arguments) in [
                ("report from the state", ["report", "--state", state.path, "--out", folder.appendingPathComponent("o1").path]),
                ("report with a new input", ["report", input, "--state", state.path, "--out", folder.appendingPathComponent("o2").path]),
                ("report with a known input", ["report", data.files[0], "--state", state.path, "--out", folder.appendingPathComponent("o3").path]),
                ("state info", ["state", "info", "--state", state.path]),
                ("state merge from it", ["state", "merge", "--into", folder.appendingPathComponent("m").path, state.path]),
            ] {
                let result = try CLI.run(arguments)
                #expect(result.status == 2, "\(kind), \(what): \(result.stderr)")
                // SQLite finds the damage (naming the file), or the reading of a stream does (naming the folder).
                #expect(result.stderr.contains(message) && result.stderr.contains(state.path), "\(kind), \(what): \(result.stderr)")
                #expect(!result.stderr.contains("Error: "), "\(kind), \(what): not one of authstats's messages: \(result.stderr)")
                #expect(try S.bytes(path) == bytes, "\(kind), \(what): the file changed")
                #expect(!FileManager.default.fileExists(atPath: S.databasePath(state) + "-journal"))
            }
            for name in ["o1", "o2", "o3"] {
                #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(name)/daily.csv").path), "\(kind): reports written")
            }
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(folder.appendingPathComponent("m"))), "\(kind): merged into a new state")
        }

        @Test("another --session-timeout than the state's is exit 64, both shown as durations are written")
        func otherTimeout() throws {
            let state = try S.sharedState()
            let folder = state.deletingLastPathComponent()
            let result = try CLI.run(["report", "--state", state.path, "--out", folder.appendingPathComponent("o").path, "--session-timeout", "1h30m5s"])
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderr.contains("--session-timeout (the state's: 30m; this run's: 1h30m5s)"), "\(result.stderr)")
            #expect(!result.stderr.contains("AUTHSTATS_SESSION_TIMEOUT"), "\(result.stderr)")
            // Given by the environment: the variable is named (the run named an option it was not given).
            let byVariable = try CLI.run(
                ["report", "--state", state.path, "--out", folder.appendingPathComponent("o").path], environment: ["AUTHSTATS_SESSION_TIMEOUT": "45m"])
            #expect(byVariable.status == 64, "\(byVariable.stderr)")
            #expect(byVariable.stderr.contains("--session-timeout (the state's: 30m; this run's: 45m) (AUTHSTATS_SESSION_TIMEOUT is set: it gives --session-timeout when the option is not)"), "\(byVariable.stderr)")
        }

        @Test("a meta value that authstats would not write (counting options of one line \"=\") is not a crash")
        func oddOptions() throws {
            let state = try S.sharedState()
            try S.sqlite(state, "UPDATE meta SET value = '=' WHERE name = 'options'")
            let folder = state.deletingLastPathComponent()
            let result = try CLI.run(["report", "--state", state.path, "--out", folder.appendingPathComponent("o").path])
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderr.contains("other counting options"), "\(result.stderr)")
        }

        @Test("a state whose time zone this system does not know is refused (exit 2), not a crash")
        func unknownZone() throws {
            let state = try S.sharedState()
            try S.sqlite(state, "UPDATE meta SET value = 'Nowhere/Zone' WHERE name = 'timezone'")
            let folder = state.deletingLastPathComponent()
            let result = try CLI.run(["report", "--state", state.path, "--out", folder.appendingPathComponent("o").path])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("Nowhere/Zone"), "\(result.stderr)")
            let merge = try CLI.run(["state", "merge", "--into", folder.appendingPathComponent("m").path, state.path])
            #expect(merge.status == 2, "\(merge.stderr)")
        }

        @Test("state info checks every chunk: a damaged one of any stream is exit 2 naming it (damaged report totals are a warning)")
        func infoChecksEveryChunk() throws {
            for name in ["activity", "users", "counters"] {
                let state = try S.sharedState()
                try S.sqlite(state, "UPDATE chunks SET data = zeroblob(length(data)) WHERE rowid = (SELECT min(rowid) FROM chunks WHERE name = '\(name)')")
                let info = try CLI.run(["state", "info", "--state", state.path])
                #expect(info.status == 2, "\(name): \(info.stderr)")
                #expect(info.stderr.contains("chunk 1 of \(name) fails its checksum"), "\(name): \(info.stderr)")
            }
            let state = try S.sharedState()
            #expect(try CLI.run(["state", "info", "--state", state.path]).status == 0)
        }

        /// Found by a review on 2026-12-07: a night through the report totals reads the
        /// counters only after its commit; with them damaged it said the next run would write
        /// its reports, which no run could.
        @Test("counters damaged before a night that reads them after its commit: exit 2, saying no later run can read the state either")
        func damagedCountersAfterCommit() throws {
            let scene = try S.scene("state-damaged-counters")
            try S.runBatches([scene.halves[0]], state: scene.state, out: scene.out, ["--no-html"])
            try S.sqlite(scene.state, "UPDATE chunks SET data = zeroblob(length(data)) WHERE rowid = (SELECT min(rowid) FROM chunks WHERE name = 'counters')")
            let night = try S.report(scene.halves[1], state: scene.state, out: scene.out, ["--no-html"])
            #expect(night.status == 2, "\(night.stderr)")
            #expect(night.stderr.contains("chunk 1 of counters fails its checksum"), "\(night.stderr)")
            #expect(night.stderr.contains("no later run can read it either") && !night.stderr.contains("the next run writes them"), "\(night.stderr)")
        }

        @Test("text from a state (ledger paths, meta values) is printed escaped, never as terminal control bytes")
        func stateTextEscaped() throws {
            let data = try S.data()
            let folder = CLI.temporaryFolder("state-escaped")
            let state = folder.appendingPathComponent("state")
            let other = folder.appendingPathComponent("other")
            try S.runBatches([[data.files[0]]], state: state, out: folder.appendingPathComponent("o"))
            try S.runBatches([[data.files[0]]], state: other, out: folder.appendingPathComponent("o2"))
            for (target, sql) in [
                (state, "UPDATE inputs SET path = 'evil' || char(27) || ']0;owned' || char(7)"),
                (state, "UPDATE meta SET value = 'v' || char(27) || '[2J' WHERE name = 'authstats_version'"),
                (other, "UPDATE inputs SET path = 'also' || char(27) || '[31m'"),
            ] {
                try S.sqlite(target, sql)
            }
            let copy = folder.appendingPathComponent("in/copy.gz")
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: data.files[0], toPath: copy.path)
            let skipped = try S.report([copy.path], state: state, out: folder.appendingPathComponent("o3"))
            #expect(skipped.status == 0, "\(skipped.stderr)")
            #expect(skipped.stderr.contains("the same bytes as evil"), "\(skipped.stderr)")
            let info = try CLI.run(["state", "info", "--state", state.path])
            let merged = try CLI.run(["state", "merge", "--into", folder.appendingPathComponent("m").path, state.path, other.path])
            #expect(merged.status == 1, "\(merged.stderr)")
            for (what, text) in [("report", skipped.stderr), ("state info", info.stdout), ("state merge", merged.stderr)] {
                #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(what): \(text.debugDescription)")
            }
        }
    }
}
