import AuthStatsState
import AuthStatsTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension StateCLITests {
    /// The inputs ledger, the horizon and `state merge` through the built binary.
    @Suite("End to end: the state's ledger, horizon and merge (issue 15)")
    struct Ledger {
        typealias S = StateCLI

        @Test("a renamed copy of an input is skipped, and said so; the state and the reports unchanged")
        func renamedCopy() throws {
            let data = try S.data()
            let state = try S.sharedState()
            let before = try S.bytes(S.databasePath(state))
            let folder = state.deletingLastPathComponent()
            let copy = folder.appendingPathComponent("elsewhere/renamed.gz")
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: data.files[3], toPath: copy.path)
            let out = folder.appendingPathComponent("out")
            let result = try S.report([copy.path], state: state, out: out)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("already in the state, skipped"), "\(result.stderr)")
            #expect(result.stderr.contains("\(copy.path) (the same bytes as \(data.files[3])"), "\(result.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == before, "the state file changed")
            try S.expectSame(try S.single(data.files), out, "after a renamed copy")
        }

        @Test("inputs given that hold no file (an empty sync folder): the reports from the state as it was, said, exit 1; no input given: exit 0")
        func emptyInputFolder() throws {
            let data = try S.data()
            let state = try S.sharedState()
            let before = try S.bytes(S.databasePath(state))
            let folder = CLI.temporaryFolder("state-empty-input")
            let empty = folder.appendingPathComponent("exports")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
            let out = folder.appendingPathComponent("out")
            let result = try S.report([empty.path], state: state, out: out, S.reportOptions + ["--quiet"])
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("no input files found in \(empty.path): the reports are from the state as it was"), "\(result.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == before, "the state file changed")
            try S.expectSame(try S.single(data.files), out, "from the state as it was")
            let alone = try S.report([], state: state, out: folder.appendingPathComponent("alone"))
            #expect(alone.status == 0, "\(alone.stderr)")
            #expect(!alone.stderr.contains("no input files found"), "\(alone.stderr)")
            // Two sync folders, one of them empty (unmounted): named, exit 1, the other read (its
            // files here all in the state already). It exited 0 unseen when any argument held a file.
            let two = try S.report([data.files[0], empty.path], state: state, out: folder.appendingPathComponent("two"), S.reportOptions + ["--quiet"])
            #expect(two.status == 1, "\(two.stderr)")
            #expect(two.stderr.contains("no input files found in \(empty.path)\n"), "\(two.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == before, "the state file changed")
            // The same folder twice, or a file given twice: its files were met, it is not empty.
            let twice = try S.report([data.files[0], data.files[0]], state: state, out: folder.appendingPathComponent("twice"), S.reportOptions + ["--quiet"])
            #expect(twice.status == 0, "\(twice.stderr)")
        }

        @Test("inputs of a size no other has are hashed while read: their ledger rows hold their bytes' hashes; same-size inputs are told apart by content")
        func deferredHashes() throws {
            let folder = CLI.temporaryFolder("state-deferred-hashes")
            let state = folder.appendingPathComponent("state")
            func file(_ name: String, _ lines: [PinpointLine]) throws -> String {
                let path = folder.appendingPathComponent(name).path
                try Data(lines.ndjson.utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
            // a: a size of its own (hashed while read). b and c: the same size, other bytes
            // (hashed first, both read). d: b's bytes under another name (skipped).
            let a = try file("a.json", [PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "user-a-long")])
            let b = try file("b.json", [PinpointLine("_userauth.sign_in", iso: "2026-11-05T11:00:00Z", user: "u1")])
            let c = try file("c.json", [PinpointLine("_userauth.sign_in", iso: "2026-11-05T11:00:00Z", user: "u2")])
            let d = folder.appendingPathComponent("d.json").path
            try FileManager.default.copyItem(atPath: b, toPath: d)
            let sizes = try [a, b, c].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
            #expect(sizes[1] == sizes[2] && sizes[0] != sizes[1], "\(sizes)")
            let first = try S.report([a, b, c, d], state: state, out: folder.appendingPathComponent("o1"))
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("\(d) (the same bytes as \(b), in this run)"), "\(first.stderr)")
            let info = try S.info(state)
            #expect(S.number(info, "inputs") == 3 && S.number(info, "events") == 3, "\(info)")
            let database = try StateDatabase.open(folder: state.path, create: false)
            for path in [a, b, c] {
                let rows = try database.ledgerEntries(path: path)
                #expect(rows.map(\.contentHash) == [try ContentHash.of(path: path, kind: .lanes).hash], "\(path)")
            }
            database.close()
            // a's hash, made while it was read, finds a renamed copy of it on the next night (its
            // size is the ledger's, so the copy is hashed first).
            let e = folder.appendingPathComponent("e.json").path
            try FileManager.default.copyItem(atPath: a, toPath: e)
            let second = try S.report([e], state: state, out: folder.appendingPathComponent("o2"))
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("\(e) (the same bytes as \(a)"), "\(second.stderr)")
            #expect(S.number(try S.info(state), "inputs") == 3)
        }

        @Test("a name that is not UTF-8 is read into the state and known on the next night, apart from a UTF-8 name spelling its escape; changed, it is refused by name")
        func nonUTF8Name() throws {
            let folder = CLI.temporaryFolder("state-non-utf8-name")
            let inputs = folder.appendingPathComponent("in")
            try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
            func write(_ name: [UInt8], _ lines: [PinpointLine]) {
                let bytes = Array(lines.ndjson.utf8)
                let fd = (Array(inputs.path.utf8) + [UInt8(ascii: "/")] + name + [0]).withUnsafeBufferPointer {
                    open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_TRUNC | O_WRONLY, 0o644)
                }
                #expect(fd >= 0)
                _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            // A Latin-1 `café.json`, and a UTF-8 name whose text is that name's display form
            // (a backslash, `xe9`): two files, two ledger rows. Sizes differ (each hashed while read).
            write(Array("caf".utf8) + [0xE9] + Array(".json".utf8), [PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "u1")])
            write(Array(#"caf\xe9.json"#.utf8), [PinpointLine("_userauth.sign_in", iso: "2026-11-05T11:00:00Z", user: "user-two")])
            let state = folder.appendingPathComponent("state")
            let first = try S.report([inputs.path], state: state, out: folder.appendingPathComponent("o1"))
            #expect(first.status == 0, "\(first.stderr)")
            let info = try S.info(state)
            #expect(S.number(info, "inputs") == 2 && S.number(info, "events") == 2, "\(info)")
            let second = try S.report([inputs.path], state: state, out: folder.appendingPathComponent("o2"))
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("2 inputs already in the state, skipped"), "\(second.stderr)")
            let again = try S.info(state)
            #expect(S.number(again, "events") == 2, "\(again)")
            // The Latin-1 file rewritten (another size): refused, named as messages show it.
            write(Array("caf".utf8) + [0xE9] + Array(".json".utf8), [
                PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "u1"),
                PinpointLine("_userauth.sign_in", iso: "2026-11-05T12:00:00Z", user: "u1"),
            ])
            let third = try S.report([inputs.path], state: state, out: folder.appendingPathComponent("o3"))
            #expect(third.status == 1, "\(third.stderr)")
            #expect(third.stderr.contains(#"in/caf\xe9.json changed since batch 1 read it"#), "\(third.stderr)")
        }

        @Test("run from a folder whose name is not UTF-8: the ledger keys on its raw bytes, so another such folder's file of the same name, size and time is read; a plan made there is refused")
        func nonUTF8WorkingFolder() throws {
            let folder = CLI.temporaryFolder("state-non-utf8-folder")
            // Two folders, a\xe9 and a\xe8 (Latin-1 é and è), each with x.json: the same size and
            // time, other events. Made and run through the shell (a URL cannot name them).
            let line1 = PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "u1").json
            let line2 = PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "u2").json
            let script = """
                set -e
                cd '\(folder.path)'
                mkdir "$(printf 'a\\351')" "$(printf 'a\\350')"
                printf '%s\\n' '\(line1)' > "$(printf 'a\\351')/x.json"
                printf '%s\\n' '\(line2)' > "$(printf 'a\\350')/x.json"
                touch -d '2026-11-05 12:00:00' "$(printf 'a\\351')/x.json" "$(printf 'a\\350')/x.json"
                cd "$(printf 'a\\351')" && "$0" report x.json --state ../state --out ../o1 --no-html -q
                cd "../$(printf 'a\\350')" && "$0" report x.json --state ../state --out ../o2 --no-html 2>&1
                "$0" plan x.json --shards 1 --out ../plan.json || echo "plan exit $?"
                """
            let result = try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", script, CLI.executable.path])
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            // Until 2026-12-05: "1 input already in the state, skipped: x.json" (both folders' names
            // were taken with U+FFFD), and the plan listed a path that names no file.
            #expect(!result.stdout.contains("already in the state"), "\(result.stdout)")
            #expect(result.stdout.contains("1 events from 1 inputs") || result.stdout.contains("2 events from 1 inputs"), "\(result.stdout)")
            #expect((result.stdout + result.stderr).contains("the working folder's name is not UTF-8") && result.stdout.contains("plan exit 1"), "\(result.stdout) \(result.stderr)")
            let info = try S.info(folder.appendingPathComponent("state"))
            #expect(S.number(info, "inputs") == 2 && S.number(info, "events") == 2, "\(info)")
        }

        @Test("the same CloudTrail eventID on two days is two events, a redelivery on its day one: --jobs 1 and 2 and a state fed a day at a time agree")
        func sameIdTwoDays() throws {
            let folder = CLI.temporaryFolder("state-same-id-two-days")
            func trail(_ iso: String) -> String {
                #"{"eventTime":"\#(iso)","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","requestParameters":{"clientId":"c1"},"responseElements":null,"additionalEventData":{"sub":"u1"},"eventID":"t-1"}"#
            }
            func file(_ name: String, _ lines: [String]) throws -> String {
                let path = folder.appendingPathComponent(name).path
                try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
            // Day 1: the record and a redelivery of it (a duplicate). Day 2: the same id again.
            let first = try file("day1.json", [trail("2026-11-05T10:00:00Z"), trail("2026-11-05T10:00:00Z")])
            let second = try file("day2.json", [trail("2026-11-06T10:00:00Z")])
            let one = try S.single([first, second], S.reportOptions + ["--jobs", "1"])
            let daily = try String(contentsOf: one.appendingPathComponent("daily.csv"), encoding: .utf8)
            let signIns = daily.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[2] }
            #expect(signIns == ["1", "1"], "\(daily)")
            let summary = try String(contentsOf: one.appendingPathComponent("summary.json"), encoding: .utf8)
            #expect(summary.contains(#""duplicates": 1"#) || summary.contains(#""duplicates":1"#), "\(summary)")
            try S.expectSame(one, try S.single([first, second], S.reportOptions + ["--jobs", "2"]), "--jobs 2")
            let state = folder.appendingPathComponent("state")
            let out = folder.appendingPathComponent("out")
            try S.runBatches([[first], [second]], state: state, out: out)
            try S.expectSame(one, out, "a state fed a day at a time")
        }

        @Test("a file that could not be read is not recorded: the next night reads it (fixed) without --rebuild")
        func failedInputIsRetried() throws {
            let folder = CLI.temporaryFolder("state-failed-input")
            let state = folder.appendingPathComponent("state")
            let file = folder.appendingPathComponent("late.gz")
            try Data([0x1F, 0x8B]).write(to: file)  // a gzip cut off after its magic bytes: nothing readable
            let first = try S.report([file.path], state: state, out: folder.appendingPathComponent("o1"))
            #expect(first.status == 1, "\(first.stderr)")
            #expect(S.number(try S.info(state), "inputs") == 0)
            try FileManager.default.removeItem(at: file)
            try TestFiles.gzip([PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "u1").json], to: file.path)
            let second = try S.report([file.path], state: state, out: folder.appendingPathComponent("o2"))
            #expect(second.status == 0, "\(second.stderr)")
            let info = try S.info(state)
            #expect(S.number(info, "inputs") == 1 && S.number(info, "events") == 1, "\(info)")
        }

        @Test("standard input or a named pipe given with --state is refused before anything is read (exit 64): hashing it for the ledger would drain it")
        func pipeRefused() throws {
            let folder = CLI.temporaryFolder("state-pipe")
            let state = folder.appendingPathComponent("state")
            let pipe = folder.appendingPathComponent("events.pipe").path
            #expect(mkfifo(pipe, 0o600) == 0)
            let file = folder.appendingPathComponent("a.json").path
            try Data([PinpointLine("_userauth.sign_in", iso: "2026-11-05T10:00:00Z", user: "u1")].ndjson.utf8).write(to: URL(fileURLWithPath: file))
            for (input, named) in [(pipe, "\(pipe) is a FIFO"), ("-", "standard input (-) is a stream")] {
                // No writer ever opens the pipe: a run that opened it to hash it would wait
                // (stopped after 60 s).
                let result = try Self.withTimeout(["report", file, input, "--state", state.path, "--out", folder.appendingPathComponent("o").path])
                #expect(result.status == 64, "\(input): \(result.stderr)")
                #expect(result.stderr.contains("\(named), whose bytes can be read only once; save it to a file first"), "\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: state.path), "\(input): a state was made")
            }
        }

        @Test("a plan's file replaced by a named pipe: the shard reports it as not read (exit 1), never opens it, and writes its state")
        func planPipeNotRead() throws {
            let folder = CLI.temporaryFolder("state-plan-pipe")
            let files = try ["a.json", "b.json"].enumerated().map { index, name in
                let path = folder.appendingPathComponent(name).path
                try Data([PinpointLine("_userauth.sign_in", iso: "2026-11-05T1\(index):00:00Z", user: "u\(index)")].ndjson.utf8)
                    .write(to: URL(fileURLWithPath: path))
                return path
            }
            let plan = try ShardCLITests.plan(files, shards: 1, folder.appendingPathComponent("plan"))
            try FileManager.default.removeItem(atPath: files[1])
            #expect(mkfifo(files[1], 0o600) == 0)
            let state = folder.appendingPathComponent("state")
            let result = try Self.withTimeout(
                ["report", "--plan", plan, "--shard", "0", "--state", state.path, "--state-horizon", "none", "--out", folder.appendingPathComponent("o").path])
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("Unable to read \(files[1]): it is a FIFO, whose bytes can be read only once"), "\(result.stderr)")
            let info = try S.info(state)
            #expect(S.number(info, "inputs") == 1 && S.number(info, "events") == 1, "\(info)")
        }

        /// `authstats arguments…`, stopped after 60 s (a run that opens a FIFO with no writer
        /// would wait for one forever).
        static func withTimeout(_ arguments: [String]) throws -> CLI.Result {
            try CLI.program(URL(fileURLWithPath: "/usr/bin/timeout"), ["60", CLI.executable.path] + arguments)
        }

        @Test("a file with the path, size and modification time of its ledger row is skipped unread")
        func sameSizeAndTime() throws {
            let folder = CLI.temporaryFolder("state-same-time")
            let state = folder.appendingPathComponent("state")
            let file = folder.appendingPathComponent("day.gz")
            try TestFiles.gzip([PinpointLine("page_view", iso: "2026-11-05T10:00:00Z", user: "u1").json], to: file.path)
            #expect(try S.report([file.path], state: state, out: folder.appendingPathComponent("o1")).status == 0)
            // Unreadable now, but the same size and time: the ledger row says it was read.
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            var bytes = try Data(contentsOf: file)
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: file)
            try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: file.path)
            let again = try S.report([file.path], state: state, out: folder.appendingPathComponent("o2"))
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("already in the state, skipped"), "\(again.stderr)")
        }

        @Test("the ledger looked up a file at a time (a night naming a few of many known files) and read whole (naming a quarter of them or more) says the same: known files skipped, a changed one refused")
        func ledgerLookups() throws {
            let folder = CLI.temporaryFolder("state-lookups")
            let state = folder.appendingPathComponent("state")
            let inputs = folder.appendingPathComponent("in")
            try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
            let files = try (0..<8).map { i in
                try S.gzip([PinpointLine("page_view", iso: "2026-11-0\(i + 1)T10:00:00Z", user: "u\(i)").json], inputs, "day-\(i).json.gz")
            }
            #expect(try S.report([inputs.path], state: state, out: folder.appendingPathComponent("o1")).status == 0)
            let stateBefore = try S.bytes(S.databasePath(state))
            // One file of eight: looked up by its path.
            let one = try S.report([files[3]], state: state, out: folder.appendingPathComponent("o2"))
            #expect(one.status == 0, "\(one.stderr)")
            #expect(one.stderr.contains("\(files[3]) (read in batch 1)"), "\(one.stderr)")
            // Changed (another size): refused by name, named alone or with its folder.
            try S.gzip(
                [PinpointLine("page_view", iso: "2026-11-02T10:00:00Z", user: "u1").json,
                 PinpointLine("page_view", iso: "2026-11-02T11:00:00Z", user: "u9").json], inputs, "day-1.json.gz")
            for arguments in [[files[1]], [inputs.path]] {
                let refused = try S.report(arguments, state: state, out: folder.appendingPathComponent("o3"))
                #expect(refused.status == 1, "\(arguments): \(refused.stderr)")
                #expect(refused.stderr.contains("\(files[1]) changed since batch 1 read it"), "\(arguments): \(refused.stderr)")
            }
            #expect(try S.bytes(S.databasePath(state)) == stateBefore, "the state file changed")
        }

        @Test("two names that differ only in Unicode normalisation (café composed and decomposed) are two files to the ledger, read whole or looked up one at a time")
        func normalisationForms() throws {
            for (mode, alone) in [("whole", false), ("one at a time", true)] {
                let folder = CLI.temporaryFolder("state-nfc-\(alone)")
                let state = folder.appendingPathComponent("state")
                let inputs = folder.appendingPathComponent("in")
                try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
                // Four more files, so that naming one file alone is under a quarter of the ledger.
                for i in 0..<4 {
                    _ = try S.gzip([PinpointLine("page_view", iso: "2026-11-0\(i + 1)T10:00:00Z", user: "u\(i)").json], inputs, "day-\(i).json.gz")
                }
                let decomposed = try S.gzip([PinpointLine("page_view", iso: "2026-11-07T10:00:00Z", user: "a1").json], inputs, "cafe\u{301}.json.gz")
                #expect(try S.report([inputs.path], state: state, out: folder.appendingPathComponent("o1")).status == 0)
                // The composed name: other events, the decomposed one's modification time (read
                // as one name, it was refused as changed, or skipped where the sizes matched).
                let composed = try S.gzip([PinpointLine("page_view", iso: "2026-11-07T10:00:00Z", user: "b1").json], inputs, "caf\u{E9}.json.gz")
                let attributes = try FileManager.default.attributesOfItem(atPath: decomposed)
                try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: composed)
                let out = folder.appendingPathComponent("o2")
                let result = try S.report(alone ? [composed] : [inputs.path], state: state, out: out)
                #expect(result.status == 0, "\(mode): \(result.stderr)")
                let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
                let totals = summary["totals"] as! [String: Any]
                #expect((totals["events"] as? NSNumber)?.intValue == 6, "\(mode): the composed name's event is counted")
            }
        }

        @Test("a file read in part (a copy caught half written) or empty, then grown: read again, the records read before duplicates; changed otherwise: refused")
        func grownFile() throws {
            let (_, folder, state, out, halves) = try S.scene("state-grown")
            let inputs = folder.appendingPathComponent("in")
            // 400 events over the data set's days, gzip-compressed; its first half alone (the
            // copy caught half written), and an empty file (a copy not begun).
            func lines(_ prefix: String) -> [String] {
                (0..<400).map { n in
                    PinpointLine(n % 3 == 0 ? "_userauth.sign_in" : "pageView", iso: "2026-11-0\(2 + n % 7)T1\(n % 10):\(10 + n % 50):00Z",
                                 user: "\(prefix)-\(n % 37)").json
                }
            }
            let growing = try S.gzip(lines("grown"), inputs, "growing.json.gz")
            let whole = try S.bytes(growing)
            try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: growing))
            let empty = inputs.appendingPathComponent("empty.json.gz").path
            try Data().write(to: URL(fileURLWithPath: empty))
            let first = try S.report(halves[0] + [growing, empty], state: state, out: out)
            #expect(first.status == 1 && first.stderr.contains("\(growing): partial"), "\(first.stderr)")
            let firstSummary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            let entries = firstSummary["inputs"] as! [[String: Any]]
            let countedBefore = try #require(entries.first { $0["path"] as? String == growing }?["events"] as? Int)
            #expect(countedBefore > 50 && countedBefore < 400, "\(countedBefore)")

            // The copies finished: both read again, the first one's records duplicates now.
            try whole.write(to: URL(fileURLWithPath: growing))
            try S.gzip(lines("late"), inputs, "empty.json.gz")
            let second = try S.report([growing, empty] + halves[1], state: state, out: out)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains(
                "\(growing) changed since batch 1 read it in part (\(whole.count / 2) bytes then, \(whole.count) now): read again from its start; "
                    + "the events read before count as duplicates"), "\(second.stderr)")
            #expect(second.stderr.contains("\(empty) changed since batch 1 read it with no record (0 bytes then, "), "\(second.stderr)")
            #expect(!second.stderr.contains("\(empty) changed since batch 1 read it with no record (0 bytes then, \(try S.bytes(empty).count) now): read again from its start; the events"))
            // Each file one row of the ledger: the new reading's replaces the old.
            #expect(S.number(try S.info(state), "inputs") == halves[0].count + halves[1].count + 2)
            // Every report as one run over the finished files, but for the duplicates the
            // second reading found.
            let single = try S.single(halves[0] + [growing, empty] + halves[1])
            let differences = try S.differences(single, out)
            #expect(differences.count == 1 && differences.first?.hasPrefix("summary.json differs") == true, "\(differences)")
            func duplicates(_ folder: URL) throws -> Int {
                let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
                return try #require((summary["totals"] as? [String: Any])?["duplicates"] as? Int)
            }
            #expect(try duplicates(out) == duplicates(single) + countedBefore)

            // Read whole once, a file that changes again is refused, as any changed file.
            let stateBefore = try S.bytes(S.databasePath(state))
            try (whole + Data("\n".utf8)).write(to: URL(fileURLWithPath: growing))
            let again = try S.report([growing], state: state, out: out)
            #expect(again.status == 1 && again.stderr.contains("\(growing) changed since batch 2 read it"), "\(again.stderr)")
            #expect(again.stderr.contains("its events are in the state already"), "\(again.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == stateBefore, "the state file changed")
            // Read in part, then other bytes (not those read followed by more): refused, saying why.
            let rewritten = try S.gzip(lines("first"), inputs, "rewritten.json.gz")
            let rewrittenWhole = try S.bytes(rewritten)
            try rewrittenWhole.prefix(rewrittenWhole.count / 2).write(to: URL(fileURLWithPath: rewritten))
            let otherState = folder.appendingPathComponent("other-state")
            #expect(try S.report([rewritten], state: otherState, out: out).status == 1)
            let otherBefore = try S.bytes(S.databasePath(otherState))
            try S.gzip(lines("second"), inputs, "rewritten.json.gz")
            let other = try S.report([rewritten], state: otherState, out: out)
            #expect(other.status == 1, "\(other.stderr)")
            #expect(other.stderr.contains(
                "\(rewritten) changed since batch 1 read it (\(rewrittenWhole.count / 2) bytes then, \(try S.bytes(rewritten).count) now): "
                    + "it was read in part, but it is not the bytes read then followed by more"), "\(other.stderr)")
            #expect(try S.bytes(S.databasePath(otherState)) == otherBefore, "the state file changed")
        }

        @Test("an uncompressed copy cut inside a record is partial; finished, it is read again, as a cut gzip copy is")
        func cutPlainCopy() throws {
            let (_, folder, state, out, halves) = try S.scene("state-cut-plain")
            let plain = folder.appendingPathComponent("in/plain.ndjson")
            try FileManager.default.createDirectory(at: plain.deletingLastPathComponent(), withIntermediateDirectories: true)
            let lines = (0..<300).map { n in
                PinpointLine(n % 4 == 0 ? "_userauth.sign_in" : "pageView", iso: "2026-11-0\(2 + n % 7)T0\(n % 10):\(10 + n % 50):00Z",
                             user: "plain-\(n % 29)").json + "\n"
            }
            let whole = Data(lines.joined().utf8)
            // Cut inside a record, as a copy still being written is: record 121 half there.
            let cut = lines.prefix(120).map(\.utf8.count).reduce(0, +) + lines[120].utf8.count / 2
            try whole.prefix(cut).write(to: plain)
            let first = try S.report(halves[0] + [plain.path], state: state, out: out)
            #expect(first.status == 1, "\(first.stderr)")
            #expect(first.stderr.contains("\(plain.path): record 121: truncated record: the stream ends "), "\(first.stderr)")
            #expect(first.stderr.contains(
                "\(plain.path): partial: the input ends inside a record (rejected), with no record after it: it was cut short"),
                "\(first.stderr)")

            try whole.write(to: plain)
            let second = try S.report([plain.path] + halves[1], state: state, out: out)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains(
                "\(plain.path) changed since batch 1 read it in part (\(cut) bytes then, \(whole.count) now): read again from its start; "
                    + "the events read before count as duplicates"), "\(second.stderr)")
            let single = try S.single(halves[0] + [plain.path] + halves[1])
            let differences = try S.differences(single, out)
            // (summary.json differs: its duplicates count the events batch 1 read, read again.)
            #expect(differences.count == 1 && differences.first?.hasPrefix("summary.json differs") == true, "\(differences)")
        }

        /// Until 2026-12-07 a tar cut right before a member's header read as whole: the members
        /// after the cut were lost, and the finished copy was refused as changed.
        @Test("an uncompressed tar cut between two members is partial; finished, it is read again")
        func cutTarBetweenMembers() throws {
            let (_, folder, state, out, halves) = try S.scene("state-cut-tar")
            let objects = folder.appendingPathComponent("objects")
            try FileManager.default.createDirectory(at: objects, withIntermediateDirectories: true)
            for n in 0..<4 {
                let lines = (0..<40).map { k in
                    PinpointLine("_userauth.sign_in", iso: "2026-11-0\(2 + (n + k) % 6)T1\(k % 10):\(10 + k):00Z", user: "tar-\(n)-\(k % 7)").json
                }
                _ = try S.gzip(lines, objects, "object-\(n).json.gz")
            }
            let bundle = folder.appendingPathComponent("in/bundle.tar")
            try FileManager.default.createDirectory(at: bundle.deletingLastPathComponent(), withIntermediateDirectories: true)
            #expect(try CLI.program(URL(fileURLWithPath: "/bin/sh"), [
                "-c", "cd '\(objects.path)' && tar cf '\(bundle.path)' object-0.json.gz object-1.json.gz object-2.json.gz object-3.json.gz",
            ]).status == 0)
            let whole = try Data(contentsOf: bundle)
            // Right before the third member's header: the first two members' headers, data and padding.
            var cut = 0
            for _ in 0..<2 {
                let size = Int(String(decoding: whole[cut + 124..<cut + 135], as: UTF8.self), radix: 8) ?? 0
                cut += 512 + (size + 511) / 512 * 512
            }
            try whole.prefix(cut).write(to: bundle)
            let first = try S.report(halves[0] + [bundle.path], state: state, out: out)
            #expect(first.status == 1, "\(first.stderr)")
            #expect(first.stderr.contains("\(bundle.path):object-1.json.gz: partial: the archive breaks after this member: damaged archive: the tar ends without its end mark"), "\(first.stderr)")
            try whole.write(to: bundle)
            let second = try S.report([bundle.path] + halves[1], state: state, out: out)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("\(bundle.path) changed since batch 1 read it in part (\(cut) bytes then, \(whole.count) now): read again from its start"), "\(second.stderr)")
            let single = try S.single(halves[0] + [bundle.path] + halves[1])
            let differences = try S.differences(single, out)
            #expect(differences.count == 1 && differences.first?.hasPrefix("summary.json differs") == true, "\(differences)")
        }

        @Test("a file that grows while a batch reads it stops the batch: exit 1, nothing committed; once written, it is read")
        func changedWhileRead() throws {
            let (data, folder, state, out, halves) = try S.scene("state-racing")
            try S.runBatches([halves[0]], state: state, out: out)
            let stateBefore = try S.bytes(S.databasePath(state))
            // A plain NDJSON copy still being written: a line appended every half millisecond for
            // as long as the run lasts, so that its size when the batch began is not its size
            // when the batch ends, wherever in the run the appends fall (nothing here waits on
            // the run's timing: the writer runs from before the run starts until it has exited).
            let growing = folder.appendingPathComponent("in/growing.ndjson")
            try FileManager.default.createDirectory(at: growing.deletingLastPathComponent(), withIntermediateDirectories: true)
            @Sendable func line(_ n: Int) -> String {
                PinpointLine("_userauth.sign_in", iso: "2026-11-03T10:\(10 + n % 50):00Z", user: "racing-\(n % 41)").json + "\n"
            }
            try (0..<200).map(line).joined().write(to: growing, atomically: false, encoding: .utf8)
            let handle = try FileHandle(forWritingTo: growing)
            try handle.seekToEnd()
            let stop = Flag()
            let appended = Counter()
            let writer = Thread {
                var n = 200
                while !stop.value {
                    handle.write(Data(line(n).utf8))
                    appended.add()
                    n += 1
                    usleep(500)
                }
            }
            writer.start()
            while appended.value == 0 { usleep(100) }
            let racing = try S.report(halves[1] + [growing.path], state: state, out: out, S.reportOptions + ["--jobs", "1"])
            stop.set()
            #expect(Reliability.wait(seconds: 5) { writer.isFinished })
            try handle.close()
            #expect(racing.status == 1, "\(racing.stderr)")
            // The hashing thread or the batch's last check finds it first: either says so.
            #expect(racing.stderr.contains("\(growing.path) changed while it was read")
                || racing.stderr.contains("\(growing.path) could not be hashed for the ledger after it was read (it changed while it was read)"),
                "\(racing.stderr)")
            #expect(racing.stderr.contains("nothing was committed"), "\(racing.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == stateBefore, "the state file changed")

            // Written now: the same batch is read, and the reports equal one run over everything.
            let settled = try S.report(halves[1] + [growing.path], state: state, out: out)
            #expect(settled.status == 0, "\(settled.stderr)")
            let single = try S.single(data.files + [growing.path])
            let differences = try S.differences(single, out)
            #expect(differences.isEmpty, "\(differences)")
        }

        @Test("a known path whose bytes changed is exit 1 naming it, nothing changed; --rebuild then equals one run")
        func changedFile() throws {
            let (_, folder, state, out, halves) = try S.scene("state-changed")
            let inputs = folder.appendingPathComponent("in")
            let changing = try S.gzip(
                [PinpointLine("pageView", iso: "2026-11-04T10:00:00Z", user: "changing-a").json], inputs, "changing.json.gz")
            try S.runBatches([halves[0] + [changing]], state: state, out: out)
            let stateBefore = try S.bytes(S.databasePath(state))
            let reportsBefore = Reliability.snapshot(out)
            try S.gzip(
                [PinpointLine("pageView", iso: "2026-11-04T10:00:00Z", user: "changing-b").json,
                 PinpointLine("_userauth.sign_in", iso: "2026-11-08T10:00:00Z", user: "changing-b").json],
                inputs, "changing.json.gz")
            let refused = try S.report([changing] + halves[1], state: state, out: out)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(changing) changed since batch 1 read it"), "\(refused.stderr)")
            #expect(refused.stderr.contains("its events are in the state already"), "\(refused.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == stateBefore, "the state file changed")
            #expect(Reliability.snapshot(out) == reportsBefore, "the reports changed")
            // A known file that counted no event (a user CSV kept in the folder) says so, and
            // what to do, rather than that its events are counted.
            let notes = inputs.appendingPathComponent("notes.csv")
            try "sub,email\n".write(to: notes, atomically: true, encoding: .utf8)
            let withNotes = folder.appendingPathComponent("with-notes")
            try FileManager.default.copyItem(at: state, to: withNotes)
            #expect(try S.report([notes.path], state: withNotes, out: folder.appendingPathComponent("out-notes")).status == 0)
            try "sub,email\nnew-sub,someone\n".write(to: notes, atomically: true, encoding: .utf8)
            let noEvents = try S.report([notes.path], state: withNotes, out: folder.appendingPathComponent("out-notes"))
            #expect(noEvents.status == 1, "\(noEvents.stderr)")
            #expect(noEvents.stderr.contains("\(notes.path) changed since batch 2 read it"), "\(noEvents.stderr)")
            #expect(noEvents.stderr.contains("it held no event then"), "\(noEvents.stderr)")
            #expect(noEvents.stderr.contains("if it is not an export, move it out of the inputs"), "\(noEvents.stderr)")

            let all = halves[0] + [changing] + halves[1]
            let rebuilt = try S.report(all, state: state, out: out, S.reportOptions + ["--rebuild"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            try S.expectSame(try S.single(all), out, "--rebuild with every input")
            let info = try S.info(state)
            #expect(S.number(info, "inputs") == all.count)
            // And the next batch after a rebuild goes on from it.
            let later = try S.gzip([PinpointLine("pageView", iso: "2026-11-12T10:00:00Z", user: "changing-c").json], inputs, "later.json.gz")
            let next = try S.report([later], state: state, out: out)
            #expect(next.status == 0, "\(next.stderr)")
            try S.expectSame(try S.single(all + [later]), out, "a batch after the rebuild")
        }

        @Test("the ledger knows a file by its absolute path: a changed file given by another spelling is refused, a file of another folder under the same relative path is read")
        func pathSpellings() throws {
            let folder = CLI.temporaryFolder("state-spellings")
            let state = folder.appendingPathComponent("state")
            for (sub, user) in [("one", "u-one"), ("two", "u-two")] {
                try S.gzip([PinpointLine("pageView", iso: "2026-11-04T10:00:00Z", user: user).json], folder.appendingPathComponent("\(sub)/exports"), "x.json.gz")
            }
            func run(_ input: String, from sub: String) throws -> CLI.Result {
                try CLI.run(["report", input, "--state", state.path, "--out", folder.appendingPathComponent("out-\(sub)").path, "-q"], in: folder.appendingPathComponent(sub))
            }
            #expect(try run("exports", from: "one").status == 0)
            // Same relative path, size and time, other folder: another file, read (it was skipped).
            let two = try run("exports", from: "two")
            #expect(two.status == 0, "\(two.stderr)")
            #expect(S.number(try S.info(state), "inputs") == 2)
            #expect(S.number(try S.info(state), "users") == 2)
            // one/exports/x.json changed, given as ./exports and as an absolute path: refused.
            let changed = folder.appendingPathComponent("one/exports/x.json.gz")
            try S.gzip([PinpointLine("pageView", iso: "2026-11-04T10:00:00Z", user: "u-one").json, PinpointLine("pageView", iso: "2026-11-05T10:00:00Z", user: "u-3").json], folder.appendingPathComponent("one/exports"), "x.json.gz")
            for spelling in ["./exports", "exports/.", "./exports//", changed.deletingLastPathComponent().path] {
                let refused = try run(spelling, from: "one")
                #expect(refused.status == 1, "\(spelling): \(refused.stderr)")
                #expect(refused.stderr.contains("changed since batch 1 read it"), "\(spelling): \(refused.stderr)")
            }
            #expect(S.number(try S.info(state), "inputs") == 2)
            // `..` after a symbolic link is not the link's folder: link/../x.json.gz is another
            // file than x.json.gz beside the link, and both are read (taken out by its text,
            // `..` made them one path, and the second was skipped unread).
            let three = folder.appendingPathComponent("three")
            try FileManager.default.createDirectory(at: three.appendingPathComponent("real/sub"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: three.appendingPathComponent("ln").path, withDestinationPath: "real/sub")
            try S.gzip([PinpointLine("pageView", iso: "2026-11-04T10:00:00Z", user: "u-near").json], three, "x.json.gz")
            try S.gzip([PinpointLine("pageView", iso: "2026-11-04T10:00:00Z", user: "u-far1").json], three.appendingPathComponent("real"), "x.json.gz")
            for input in ["x.json.gz", "ln/../x.json.gz"] {
                let run = try CLI.run(["report", input, "--state", state.path, "--out", folder.appendingPathComponent("out-three").path, "-q"], in: three)
                #expect(run.status == 0, "\(input): \(run.stderr)")
            }
            #expect(S.number(try S.info(state), "inputs") == 4)
        }

        @Test("--rebuild without --timezone or --state-horizon keeps the state's zone and horizon (the cron line, plus --rebuild)")
        func rebuildKeepsZone() throws {
            let (data, _, state, out, halves) = try S.scene("state-rebuild-zone")
            try S.runBatches([halves[0]], state: state, out: out, S.reportOptions + ["--timezone", "America/New_York", "--state-horizon", "20"])
            // Later nights drop --timezone, as the state's message says to.
            try S.runBatches([halves[1]], state: state, out: out)
            let rebuilt = try S.report(data.files, state: state, out: out, S.reportOptions + ["--rebuild"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            let info = try S.info(state)
            #expect(info["timezone"] as? String == "America/New_York", "\(info)")
            #expect(S.number(info, "horizon_days") == 20, "\(info)")
            try S.expectSame(try S.single(data.files, S.reportOptions + ["--timezone", "America/New_York"]), out, "rebuilt")
            // A zone given with --rebuild is taken.
            let other = try S.report(data.files, state: state, out: out, S.reportOptions + ["--rebuild", "--timezone", "UTC"])
            #expect(other.status == 0, "\(other.stderr)")
            #expect(try S.info(state)["timezone"] as? String == "UTC")
        }

        @Test("an input older than the horizon is refused: exit 1 naming it, its oldest day and the horizon; state and reports unchanged")
        func horizon() throws {
            let data = try S.data()
            let folder = CLI.temporaryFolder("state-horizon")
            let state = folder.appendingPathComponent("state")
            let out = folder.appendingPathComponent("out")
            let first = try S.report(data.files, state: state, out: out, S.reportOptions + ["--state-horizon", "3"])
            #expect(first.status == 0, "\(first.stderr)")
            let info = try S.info(state)
            #expect(info["horizon_days"] as? String == "3" || S.number(info, "horizon_days") == 3)
            let newest = try #require(info["newest_day"] as? String)
            let newestMillis = PinpointLine.millis(newest + "T12:00:00Z")
            func day(_ back: Int64) -> String { String(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(newestMillis - back * 86_400_000) / 1000)).prefix(10)) }

            let stateBefore = try S.bytes(S.databasePath(state))
            let reportsBefore = Reliability.snapshot(out)
            let inputs = folder.appendingPathComponent("in")
            let old = try S.gzip([
                PinpointLine("pageView", at: newestMillis - 2 * 86_400_000, user: "horizon-new").json,
                PinpointLine("pageView", at: newestMillis - 10 * 86_400_000, user: "horizon-old").json,
            ], inputs, "old.json.gz")
            let refused = try S.report([old], state: state, out: out)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(old) holds events of \(day(10))"), "\(refused.stderr)")
            #expect(refused.stderr.contains("horizon"), "\(refused.stderr)")
            #expect(refused.stderr.contains("event detail from \(day(2)) on (3 days back from \(newest)"), "\(refused.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == stateBefore, "the state file changed")
            #expect(Reliability.snapshot(out) == reportsBefore, "the reports changed")
            #expect(S.number(try S.info(state), "inputs") == data.files.count)

            // Inside the horizon is fine.
            let recent = try S.gzip([PinpointLine("pageView", at: newestMillis - 2 * 86_400_000, user: "horizon-new").json], inputs, "recent.json.gz")
            let accepted = try S.report([recent], state: state, out: out)
            #expect(accepted.status == 0, "\(accepted.stderr)")
            try S.expectSame(try S.single(data.files + [recent]), out, "an input inside the horizon")
        }

        @Test("with --pinpoint-parity, an input whose only old events are ones it leaves out is refused as older than the horizon")
        func horizonLeftOut() throws {
            let folder = CLI.temporaryFolder("state-horizon-parity")
            let state = folder.appendingPathComponent("state")
            let out = folder.appendingPathComponent("out")
            let inputs = folder.appendingPathComponent("in")
            func signIn(_ id: String, _ iso: String, user: String, idp: String) -> String {
                let millis = PinpointLine.millis(iso)
                return #"{"eventTimestamp":"\#(millis)","eventSource":"USER_ACTIVITY","message":{"eventId":"\#(id)","eventType":"SignIn","eventResponse":"Pass","userSub":"\#(user)","clientId":"c1","idpName":"\#(idp)"}}"#
            }
            // A federated user's sign-in (left out) and a local one's on 2026-11-01; the newest day 11-07.
            let federated = signIn("fed-1", "2026-11-01T10:01:00Z", user: "u-fed", idp: "Google")
            let day1 = try S.gzip([signIn("local-1", "2026-11-01T10:00:00Z", user: "u-local", idp: ""), federated], inputs, "day1.json.gz")
            let day7 = try S.gzip([signIn("local-7", "2026-11-07T10:00:00Z", user: "u-local", idp: "")], inputs, "day7.json.gz")
            let options = S.reportOptions + ["--pinpoint-parity"]
            try S.runBatches([[day1, day7]], state: state, out: out, options + ["--state-horizon", "3"])
            let stateBefore = try S.bytes(S.databasePath(state))
            // Another delivery of the federated sign-in: its copy's fingerprint is past the horizon.
            let late = try S.gzip([federated], inputs, "late.json.gz")
            let refused = try S.report([late], state: state, out: out, options)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(late) holds events of 2026-11-01: older than the state's horizon"), "\(refused.stderr)")
            #expect(try S.bytes(S.databasePath(state)) == stateBefore, "the state file changed")
        }

        @Test("inputs older than the horizon: the first three named and how many more (every one of them was one line: 29 KB for a sync folder's 229)")
        func horizonManyOld() throws {
            let folder = CLI.temporaryFolder("state-horizon-many")
            let state = folder.appendingPathComponent("state")
            let out = folder.appendingPathComponent("out")
            let inputs = folder.appendingPathComponent("in")
            let newest = try S.gzip([PinpointLine("pageView", at: PinpointLine.millis("2026-11-20T10:00:00Z"), user: "u1").json], inputs, "newest.json.gz")
            try S.runBatches([[newest]], state: state, out: out, S.reportOptions + ["--state-horizon", "3"])
            let old = try (0..<5).map { i in
                try S.gzip([PinpointLine("pageView", at: PinpointLine.millis("2026-11-0\(i + 1)T10:00:00Z"), user: "u\(i)").json], inputs, "old\(i).json.gz")
            }
            let refused = try S.report(old, state: state, out: out, S.reportOptions)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(old[2]) holds events of 2026-11-03; and 2 more inputs: older than the state's horizon"), "\(refused.stderr)")
            #expect(!refused.stderr.contains(old[3]) && !refused.stderr.contains(old[4]), "\(refused.stderr)")
        }

        @Test("--state-horizon: a number of days that no day index can hold, or no number, is bad usage (exit 64), not a crash")
        func horizonOutOfRange() throws {
            let data = try S.data()
            let folder = CLI.temporaryFolder("state-horizon-range")
            for horizon in ["99999999999", "3000000000", "36501", "abc"] {
                let report = try S.report([data.files[0]], state: folder.appendingPathComponent("s"), out: folder.appendingPathComponent("o"),
                                          ["--state-horizon", horizon])
                #expect(report.status == 64, "report \(horizon): \(report.stderr)")
                #expect(report.stderr.contains("--state-horizon '\(horizon)'"), "report \(horizon): \(report.stderr)")
            }
            try S.runBatches([[data.files[0]]], state: folder.appendingPathComponent("a"), out: folder.appendingPathComponent("oa"))
            for horizon in ["99999999999", "abc", "0"] {
                let merge = try CLI.run(["state", "merge", "--into", folder.appendingPathComponent("m").path, "--state-horizon", horizon,
                                         folder.appendingPathComponent("a").path])
                #expect(merge.status == 64, "merge \(horizon): \(merge.stderr)")
                #expect(!FileManager.default.fileExists(atPath: S.databasePath(folder.appendingPathComponent("m"))))
            }
        }

        @Test("merges of states built apart keep the earlier state's copy of a record, as one run over their inputs in merge order does, when the copies differ: state merge into a new state and into the first one, authstats merge")
        func mergeApart() throws {
            let folder = CLI.temporaryFolder("state-merge-apart")
            func path(_ name: String) -> URL { folder.appendingPathComponent(name) }
            let at = PinpointLine.millis("2026-11-03T10:00:00Z")
            func lines(platform: String, version: String, minutes: [Int64]) -> [String] {
                minutes.map { minute in
                    PinpointLine(
                        minute == 0 ? "_session.start" : "pageView", at: at + minute * 60_000, user: "apart-u", session: "s-1",
                        platform: platform, appVersion: version
                    ).json
                }
            }
            // State A reads the records second (input position 1 of its own numbering), state B
            // reads copies of them that differ in platform and app version first (position 0 of
            // its own): numbered apart, B's copies would sort first. B's input also has a record
            // of its own, 20 minutes on, in the same session.
            let a1 = try S.gzip([PinpointLine("pageView", iso: "2026-11-03T09:00:00Z", user: "apart-v").json], path("in"), "a1.json.gz")
            let a2 = try S.gzip(lines(platform: "iOS", version: "1.0", minutes: [0, 5]), path("in"), "a2.json.gz")
            let b1 = try S.gzip(lines(platform: "Android", version: "2.0", minutes: [0, 5, 20]), path("in"), "b1.json.gz")
            try S.runBatches([[a1, a2]], state: path("A"), out: path("oA"))
            try S.runBatches([[b1]], state: path("B"), out: path("oB"))
            let inOrder = try S.single([a1, a2, b1])
            let breakdown = try String(contentsOf: inOrder.appendingPathComponent("breakdown.csv"), encoding: .utf8)
            // One run keeps the first input's copies (2 events on iOS); B's own record is the one on Android.
            #expect(breakdown.contains("platform,ios,0,0,0,1,2\n") && breakdown.contains("platform,android,0,0,0,1,1\n"), "\(breakdown)")

            let new = try CLI.run(["state", "merge", "--into", path("C").path, path("A").path, path("B").path])
            #expect(new.status == 0, "\(new.stderr)")
            #expect(try S.report([], state: path("C"), out: path("fromC")).status == 0)
            try S.expectSame(inOrder, path("fromC"), "state merge into a new state")

            try FileManager.default.copyItem(at: path("A"), to: path("A2"))
            let intoFirst = try CLI.run(["state", "merge", "--into", path("A2").path, path("B").path])
            #expect(intoFirst.status == 0, "\(intoFirst.stderr)")
            #expect(try S.report([], state: path("A2"), out: path("fromA2")).status == 0)
            try S.expectSame(inOrder, path("fromA2"), "state merge into the first state")

            let reports = try CLI.run(["merge", path("A").path, path("B").path, "--out", path("merged").path, "--report-options", S.reportOptions.joined(separator: " ")])
            #expect(reports.status == 0, "\(reports.stderr)")
            try S.expectSame(inOrder, path("merged"), "authstats merge")

            // The other way round, B's copies are kept, as in one run that reads b1 first.
            let reversed = try CLI.run(["state", "merge", "--into", path("D").path, path("B").path, path("A").path])
            #expect(reversed.status == 0, "\(reversed.stderr)")
            #expect(try S.report([], state: path("D"), out: path("fromD")).status == 0)
            let bFirst = try S.single([b1, a1, a2])
            try S.expectSame(bFirst, path("fromD"), "state merge of B, then A")
            // A night after the merge numbers its inputs past both states'.
            let late = try S.gzip(lines(platform: "web", version: "3.0", minutes: [5]), path("in"), "c1.json.gz")
            #expect(try S.report([late], state: path("C"), out: path("fromC2")).status == 0)
            try S.expectSame(try S.single([a1, a2, b1, late]), path("fromC2"), "a batch after the merge")
        }

        @Test("a plan's shards merged two, then a nightly batch, then the third: the copies kept are the plan's order's, as one run over the plan's inputs and then the batch's keeps them")
        func completedAfterABatch() throws {
            let folder = CLI.temporaryFolder("state-merge-plan-batch")
            func path(_ name: String) -> URL { folder.appendingPathComponent(name) }
            let at = PinpointLine.millis("2026-11-03T10:00:00Z")
            func copies(_ platform: String, _ name: String, extra: Int = 0) throws -> String {
                var lines = [0, 5].map { PinpointLine("pageView", at: at + Int64($0) * 60_000, user: "plan-u", session: "s-1", platform: platform).json }
                // Sizes apart, so that each file is a shard of its own.
                lines += (0..<extra).map { PinpointLine("pageView", at: at + Int64($0) * 1000, user: "plan-\($0)", platform: "web").json }
                return try S.gzip(lines, path("in"), name)
            }
            // In listing order: the filler, the originals (iOS), their copies (Android).
            let inputs = [try copies("web", "a0.json.gz", extra: 40), try copies("iOS", "a1.json.gz", extra: 20), try copies("Android", "a2.json.gz")]
            let listing = inputs.map { "\($0)\t\((try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? NSNumber)??.intValue ?? 0)" }
            try (listing.joined(separator: "\n") + "\n").write(to: path("listing.tsv"), atomically: true, encoding: .utf8)
            #expect(try CLI.run(["plan", "--listing", path("listing.tsv").path, "--shards", "3", "--out", path("plan.json").path]).status == 0)
            let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: path("plan.json"))) as! [String: Any]
            let shardOf = Dictionary(uniqueKeysWithValues: (plan["inputs"] as! [[String: Any]]).map { ($0["path"] as! String, $0["shard"] as! Int) })
            #expect(Set(shardOf.values).count == 3, "each file a shard of its own: \(shardOf)")
            for shard in 0..<3 {
                let result = try CLI.run(["report", "--plan", path("plan.json").path, "--shard", "\(shard)", "--state", path("s\(shard)").path, "-q"] + S.reportOptions)
                #expect(result.status == 0, "\(result.stderr)")
            }
            let originals = shardOf[inputs[1]]!
            let others = (0..<3).filter { $0 != originals }.map { path("s\($0)").path }
            #expect(try CLI.run(["state", "merge", "--into", path("M").path, "--allow-missing"] + others).status == 0)
            // A night between: its input numbered past the plan's.
            let late = try S.gzip([PinpointLine("pageView", iso: "2026-11-03T12:00:00Z", user: "plan-late").json], path("in"), "late.json.gz")
            let night = try S.report([late], state: path("M"), out: path("night"))
            #expect(night.status == 1, "still partial: \(night.stderr)")
            let completed = try CLI.run(["state", "merge", "--into", path("M").path, path("s\(originals)").path])
            #expect(completed.status == 0, "\(completed.stderr)")
            let report = try S.report([], state: path("M"), out: path("fromM"))
            #expect(report.status == 0, "\(report.stderr)")
            try S.expectSame(try S.single(inputs + [late]), path("fromM"), "the plan completed after a night")
        }

        @Test("state merge: states of disjoint inputs, with records copied across them, equal one state built from all")
        func merge() throws {
            let data = try S.data()
            let folder = CLI.temporaryFolder("state-merge")
            func path(_ name: String) -> URL { folder.appendingPathComponent(name) }
            let halves = S.split(data.files, into: 2)
            // Records of the first half (generated and by hand) again, in a file of the second.
            let first = try S.gzip([
                PinpointLine("pageView", iso: "2026-11-03T10:00:00Z", user: "merge-a").json,
                PinpointLine("_userauth.sign_in", iso: "2026-11-03T10:05:00Z", user: "merge-a").json,
            ], path("in"), "a-hand.json.gz")
            let pinpoint = halves[0].filter { $0.contains("pinpoint") }
            var copies = try S.gunzip(pinpoint[0]).prefix(3).map { $0 }
            copies += try S.gunzip(pinpoint[10]).prefix(2)
            copies.append(PinpointLine("_userauth.sign_in", iso: "2026-11-03T10:05:00Z", user: "merge-a").json)
            let second = try S.gzip(copies, path("in"), "b-copies.json.gz")
            let a = halves[0] + [first]
            let b = halves[1] + [second]

            try S.runBatches([a], state: path("A"), out: path("oA"))
            try S.runBatches([b], state: path("B"), out: path("oB"))
            try S.runBatches([a, b], state: path("all"), out: path("oAll"))
            let merged = try CLI.run(["state", "merge", "--into", path("C").path, path("A").path, path("B").path])
            #expect(merged.status == 0, "\(merged.stderr)")
            for (state, out) in [("C", "fromC"), ("all", "fromAll")] {
                let result = try S.report([], state: path(state), out: path(out))
                #expect(result.status == 0, "\(state): \(result.stderr)")
            }
            try S.expectSame(path("fromAll"), path("fromC"), "the merged state against the state built from all")
            try S.expectSame(try S.single(a + b), path("fromC"), "the merged state against one run")
            let info = try S.info(path("C"))
            #expect(S.number(info, "inputs") == a.count + b.count)
            #expect(S.number(info, "duplicates") == S.number(try S.info(path("all")), "duplicates"))

            // An input in two states is refused, named; nothing made or changed.
            try S.runBatches([[data.files[5], data.files[6]]], state: path("D"), out: path("oD"))
            let mergedBefore = try S.bytes(S.databasePath(path("C")))
            let shared = try CLI.run(["state", "merge", "--into", path("E").path, path("A").path, path("D").path])
            #expect(shared.status == 1, "\(shared.stderr)")
            #expect(shared.stderr.contains("\(data.files[5]) is in both"), "\(shared.stderr)")
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(path("E"))), "a refused merge made --into")
            let intoShared = try CLI.run(["state", "merge", "--into", path("C").path, path("D").path])
            #expect(intoShared.status == 1, "\(intoShared.stderr)")
            #expect(intoShared.stderr.contains("\(data.files[5]) is in both"), "\(intoShared.stderr)")
            #expect(try S.bytes(S.databasePath(path("C"))) == mergedBefore)

            // States of two time zones are refused, as parts or into an existing state.
            try S.runBatches([[data.files.last!]], state: path("NY"), out: path("oNY"), S.reportOptions + ["--timezone", "America/New_York"])
            let zones = try CLI.run(["state", "merge", "--into", path("F").path, path("B").path, path("NY").path])
            #expect(zones.status == 1, "\(zones.stderr)")
            #expect(zones.stderr.contains("time zones"), "\(zones.stderr)")
            let intoZone = try CLI.run(["state", "merge", "--into", path("C").path, path("NY").path])
            #expect(intoZone.status == 1, "\(intoZone.stderr)")
            #expect(intoZone.stderr.contains("time zones"), "\(intoZone.stderr)")
            #expect(try S.bytes(S.databasePath(path("C"))) == mergedBefore)
        }

        @Test("state merge refuses states whose days meet where one of them keeps no event detail; states far apart merge")
        func mergeAcrossAHorizon() throws {
            let data = try S.data()
            let folder = CLI.temporaryFolder("state-merge-horizon")
            func path(_ name: String) -> URL { folder.appendingPathComponent(name) }
            // A keeps event detail for its last 2 days only; B holds copies of A's first records.
            try S.runBatches([data.files], state: path("A"), out: path("oA"), S.reportOptions + ["--state-horizon", "2"])
            let newest = try #require(try S.info(path("A"))["newest_day"] as? String)
            let firstDetail = String(
                ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(PinpointLine.millis(newest + "T12:00:00Z")) / 1000 - 86_400)).prefix(10))
            let pinpoint = data.files.filter { $0.contains("pinpoint") }
            let copies = try S.gzip(try S.gunzip(pinpoint[0]).prefix(3).map { $0 }, path("in"), "copies.json.gz")
            try S.runBatches([[copies]], state: path("B"), out: path("oB"))
            let refused = try CLI.run(["state", "merge", "--into", path("C").path, path("A").path, path("B").path])
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("keeps event detail only from \(firstDetail) on"), "\(refused.stderr)")
            #expect(refused.stderr.contains("nothing changed"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(path("C"))), "a refused merge made --into")
            // Into A itself, the same.
            let stateBefore = try S.bytes(S.databasePath(path("A")))
            let into = try CLI.run(["state", "merge", "--into", path("A").path, path("B").path])
            #expect(into.status == 1, "\(into.stderr)")
            #expect(try S.bytes(S.databasePath(path("A"))) == stateBefore)

            // A state without a horizon holds all its events' detail: it cannot take A.
            let intoNone = try CLI.run(["state", "merge", "--into", path("N").path, "--state-horizon", "none", path("A").path])
            #expect(intoNone.status == 1, "\(intoNone.stderr)")
            #expect(intoNone.stderr.contains("keeps event detail only from \(firstDetail) on (its horizon), and \(path("N").path) is kept without a horizon"), "\(intoNone.stderr)")
            #expect(!FileManager.default.fileExists(atPath: S.databasePath(path("N"))), "a refused merge made --into")
            // Into a state of a longer horizon: its detail begins where A's does, and a batch
            // of the days before (inside the longer horizon) is refused as A would refuse it.
            #expect(try CLI.run(["state", "merge", "--into", path("W").path, "--state-horizon", "30", path("A").path]).status == 0)
            let wider = try S.bytes(S.databasePath(path("W")))
            let newestMillis = PinpointLine.millis(newest + "T12:00:00Z")
            let before = try S.gzip([PinpointLine("pageView", at: newestMillis - 5 * 86_400_000, user: "before-detail").json], path("in"), "before.json.gz")
            let batch = try S.report([before], state: path("W"), out: path("oW"))
            #expect(batch.status == 1, "\(batch.stderr)")
            #expect(batch.stderr.contains("older than the state's horizon, which keeps event detail from \(firstDetail) on (a state merged into it kept no detail"), "\(batch.stderr)")
            #expect(try S.bytes(S.databasePath(path("W"))) == wider, "the state file changed")

            // A state of days long before A's merges with it, and equals one run.
            let early = try S.gzip([
                PinpointLine("pageView", iso: "2026-10-01T10:00:00Z", user: "early").json,
                PinpointLine("_userauth.sign_in", iso: "2026-10-02T10:05:00Z", user: "early").json,
            ], path("in"), "early.json.gz")
            try S.runBatches([[early]], state: path("E"), out: path("oE"), S.reportOptions + ["--state-horizon", "2"])
            let merged = try CLI.run(["state", "merge", "--into", path("F").path, path("A").path, path("E").path])
            #expect(merged.status == 0, "\(merged.stderr)")
            let result = try S.report([], state: path("F"), out: path("oF"))
            #expect(result.status == 0, "\(result.stderr)")
            try S.expectSame(try S.single(data.files + [early]), path("oF"), "states far apart, merged")
        }

        @Test("states kept without a horizon merge whatever order their days came in (older days in a later batch)")
        func mergeWithoutHorizon() throws {
            let data = try S.data()
            let folder = CLI.temporaryFolder("state-merge-no-horizon")
            func path(_ name: String) -> URL { folder.appendingPathComponent(name) }
            // B: the Pinpoint objects (their paths sort by day), the newer half read first; A: the rest.
            let pinpoint = data.files.filter { $0.contains("pinpoint") }
            let others = data.files.filter { !$0.contains("pinpoint") }
            let halves = S.split(pinpoint, into: 2)
            let none = S.reportOptions + ["--state-horizon", "none"]
            try S.runBatches([others], state: path("A"), out: path("oA"), none)
            try S.runBatches([halves[1], halves[0]], state: path("B"), out: path("oB"), none)
            #expect(try S.info(path("B"))["horizon_days"] as? String == "none")
            // Into a new state, and into A itself (the check reads the target's own meta).
            for arguments in [["--into", path("C").path, path("A").path, path("B").path], ["--into", path("A").path, path("B").path]] {
                let merged = try CLI.run(["state", "merge"] + arguments)
                #expect(merged.status == 0, "\(merged.stderr)")
            }
            let single = try S.single(others + halves[1] + halves[0])
            for state in ["C", "A"] {
                #expect(try S.report([], state: path(state), out: path("o" + state + "m")).status == 0)
                try S.expectSame(single, path("o" + state + "m"), "states without a horizon merged into \(state)")
            }
        }

        @Test("state merge of states that differ in keeping user profiles: into a new state, none kept and said so; a later --breakdown-attribute refused")
        func mergeProfilesOfSome() throws {
            let folder = CLI.temporaryFolder("state-merge-profiles")
            func path(_ name: String) -> URL { folder.appendingPathComponent(name) }
            let a = try S.gzip([PinpointLine("pageView", iso: "2026-11-01T10:00:00Z", user: "a").json], path("in"), "a.json.gz")
            let b = try S.gzip([PinpointLine("pageView", iso: "2026-11-02T10:00:00Z", user: "b").json], path("in"), "b.json.gz")
            try S.runBatches([[a]], state: path("A"), out: path("oA"), S.reportOptions + ["--breakdown-attribute", "plan"])
            try S.runBatches([[b]], state: path("B"), out: path("oB"))
            let merged = try CLI.run(["state", "merge", "--into", path("C").path, path("A").path, path("B").path])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stderr.contains("keeps user profiles and \(path("B").path) does not"), "\(merged.stderr)")
            #expect(merged.stderr.contains("the merged state keeps none"), "\(merged.stderr)")
            #expect(try S.info(path("C"))["user_profiles"] as? String == "off")
            let later = try S.report([], state: path("C"), out: path("oC"), S.reportOptions + ["--breakdown-attribute", "plan"])
            #expect(later.status == 64, "\(later.stderr)")
        }
    }
}
