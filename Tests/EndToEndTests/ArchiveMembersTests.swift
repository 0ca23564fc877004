import AuthStatsTestSupport
import Foundation
import Testing

/// Issue 18, item 5: an archive's members are read by every worker. A `.tar`, a `.tar.gz` and a
/// `.zip` of a folder's objects give the reports of the folder itself, with `--jobs 1` (one
/// worker reads every member) and `--jobs 2` (members handed to the other worker).
@Suite("Archives read by every worker: the same reports as the folder, for --jobs 1 and 2")
struct ArchiveMembersTests {
    /// A folder of generated objects of the three exports (with the generator's duplicate
    /// deliveries), plus: a copy of an object under another name (every event a duplicate
    /// across members), a truncated object, an object with broken records, a `.tar.gz` of
    /// three objects (an archive inside the archive), and a hidden file (passed over).
    static func objects() throws -> URL {
        let root = CLI.temporaryFolder("archive-members")
        let objects = root.appendingPathComponent("objects")
        let generated = try CLI.run([
            "generate", "--out", objects.path, "--users", "2000", "--days", "2", "--start", "2026-01-01", "--seed", "7",
            "--kinds", "pinpoint,activity,cloudtrail", "--quiet",
        ])
        #expect(generated.status == 0)
        let files = FileManager.default
        try files.removeItem(at: objects.appendingPathComponent("users"))
        let all = Self.walk(objects)
        #expect(all.count > 100)
        let first = objects.appendingPathComponent(all[0])
        try files.copyItem(at: first, to: objects.appendingPathComponent("2026/copy-of-first.gz"))
        let whole = try Data(contentsOf: objects.appendingPathComponent(all[5]))
        try whole.prefix(whole.count * 2 / 3).write(to: objects.appendingPathComponent("2026/cut.gz"))
        try TestFiles.gzip(
            ["{\"event_type\":\"_session.start\",\"event_timestamp\":1767225600000", "not json", PinpointLine("pageView", at: 1_767_225_600_000, user: "u1").json],
            to: objects.appendingPathComponent("2026/broken-records.gz").path)
        let inner = root.appendingPathComponent("inner")
        try files.createDirectory(at: inner, withIntermediateDirectories: true)
        for (i, name) in all[10..<13].enumerated() {
            try files.moveItem(at: objects.appendingPathComponent(name), to: inner.appendingPathComponent("\(i).gz"))
        }
        #expect(try Self.shell("tar czf '\(objects.path)/inner.tar.gz' -C '\(inner.path)' 0.gz 1.gz 2.gz") == 0)
        try Data("{\"event_type\":\"hidden\"}\n".utf8).write(to: objects.appendingPathComponent(".hidden.json"))
        return objects
    }

    /// The files under `folder` in the order authstats reads them (each folder's names in
    /// byte order), hidden ones left out, as relative paths.
    static func walk(_ folder: URL, under prefix: String = "") -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return names.flatMap { name -> [String] in
            let url = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            return isFolder.boolValue ? walk(url, under: prefix + name + "/") : [prefix + name]
        }
    }

    static func shell(_ command: String) throws -> Int32 {
        try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", command]).status
    }

    /// The report files whose bytes do not name the inputs.
    static let tables = ["daily", "monthly", "breakdown", "retention"].flatMap { ["\($0).csv", "\($0).json"] }

    /// `summary.json` with each input named by its place inside `input` (a member's path, or
    /// a file's path under the folder, then `:member` for a member of an archive file), its
    /// container left out, and no `generated_at`: what a folder and an archive of it share.
    static func summary(_ out: URL, input: URL) throws -> Data {
        var summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        summary["generated_at"] = nil
        summary["inputs"] = (summary["inputs"] as! [[String: Any]]).map { entry in
            var entry = entry
            entry["location"] = Self.location(path: entry["path"] as! String, member: entry["member"] as? String, input: input)
            for key in ["path", "member", "container"] { entry[key] = nil }
            return entry
        }
        return try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    }

    static func location(path: String, member: String?, input: URL) -> String {
        let inside = path == input.path ? nil : String(path.dropFirst(input.path.count + 1))
        return [inside, member].compactMap { $0 }.joined(separator: ":")
    }

    /// `rejects.ndjson` with each record's input named as in `summary`.
    static func rejects(_ out: URL, input: URL) throws -> [String] {
        let text = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            var reject = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            reject["location"] = Self.location(path: reject["input"] as! String, member: reject["member"] as? String, input: input)
            reject["input"] = nil
            reject["member"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: reject, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    @Test("a .tar, a .tar.gz and a .zip of many gzip objects report as the folder does, for --jobs 1 and 2")
    func archivesMatchTheFolder() throws {
        let objects = try Self.objects()
        let root = objects.deletingLastPathComponent()
        let members = Self.walk(objects)
        let list = root.appendingPathComponent("members.txt")
        try (([".hidden.json"] + members).joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        let tar = root.appendingPathComponent("all.tar")
        let tarGz = root.appendingPathComponent("all.tar.gz")
        let zip = root.appendingPathComponent("all.zip")
        #expect(try Self.shell("tar cf '\(tar.path)' -C '\(objects.path)' --no-recursion -T '\(list.path)'") == 0)
        #expect(try Self.shell("gzip -c '\(tar.path)' > '\(tarGz.path)'") == 0)
        #expect(try Self.shell("cd '\(objects.path)' && zip -q -D '\(zip.path)' -@ < '\(list.path)'") == 0)

        var reference: (tables: [String: Data], summary: Data, rejects: [String])?
        for input in [objects, tar, tarGz, zip] {
            var summaries: [String] = []
            for jobs in ["1", "2"] {
                let out = CLI.temporaryFolder("archive-members-out")
                let run = try CLI.run(["report", input.path, "--out", out.path, "--jobs", jobs, "--no-html", "-q"])
                #expect(run.status == 1, "a truncated object is partial: \(run.stderr)")
                let tables = Dictionary(uniqueKeysWithValues: try Self.tables.map { ($0, try Data(contentsOf: out.appendingPathComponent($0))) })
                let summary = try Self.summary(out, input: input)
                let rejects = try Self.rejects(out, input: input)
                summaries.append(
                    GoldenReportTests.maskGeneratedAt(try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8)))
                guard let reference else {
                    reference = (tables, summary, rejects)
                    // The folder's own run: what the comparisons stand on.
                    let inputs = (try JSONSerialization.jsonObject(with: summary) as! [String: Any])["inputs"] as! [[String: Any]]
                    #expect(inputs.count == members.count + 2)  // the inner archive's three members instead of it
                    #expect(inputs.contains { $0["location"] as? String == "2026/cut.gz" && $0["status"] as? String == "partial" })
                    #expect(inputs.contains { $0["location"] as? String == "inner.tar.gz:1.gz" && ($0["events"] as? Int ?? 0) > 0 })
                    let copy = inputs.first { $0["location"] as? String == "2026/copy-of-first.gz" }
                    #expect((copy?["duplicates"] as? Int ?? 0) > 0 && copy?["events"] as? Int == 0, "the copy's every event is a duplicate")
                    #expect(rejects.count == 2)
                    continue
                }
                for name in Self.tables {
                    #expect(tables[name] == reference.tables[name], "\(input.lastPathComponent) --jobs \(jobs): \(name) differs from the folder's")
                }
                #expect(summary == reference.summary, "\(input.lastPathComponent) --jobs \(jobs): summary.json differs from the folder's")
                #expect(rejects == reference.rejects, "\(input.lastPathComponent) --jobs \(jobs): rejects differ from the folder's")
            }
            #expect(summaries[0] == summaries[1], "\(input.lastPathComponent): summary.json differs between --jobs 1 and 2")
        }
    }

    /// Two small exports of different events, as files in `folder`: a.json and b.json.
    static func twoExports(_ folder: URL) throws {
        for (name, user) in [("a.json", "ua"), ("b.json", "ub")] {
            let lines = (0..<5).map { PinpointLine("_session.start", at: 1_767_225_600_000 + Int64($0) * 60_000, user: user).json }
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    /// The members `summary.json` lists, with their records and status.
    static func members(_ out: URL) throws -> [String] {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        return (summary["inputs"] as! [[String: Any]]).map { "\($0["member"] as? String ?? "-") \($0["records"] as! Int) \($0["status"] as! String)" }
    }

    @Test("tars concatenated, or with a zeroed block inside, are read whole (they lost every member after the mark, unseen)")
    func concatenatedTars() throws {
        let folder = CLI.temporaryFolder("concatenated-tars")
        try Self.twoExports(folder)
        let cases = [
            "cat a.tar b.tar > in.tar", "cat a.tar b.tar | gzip > in.tar.gz", "cat a.tar | gzip > in2.tgz && cat b.tar | gzip >> in2.tgz",
            // a.tar's member (its header and data blocks), one zeroed block, then b.tar.
            "{ head -c $(( 512 + ($(wc -c < a.json) + 511) / 512 * 512 )) a.tar; head -c 512 /dev/zero; cat b.tar; } > lone.tar",
        ]
        #expect(try Self.shell("cd '\(folder.path)' && tar cf a.tar a.json && tar cf b.tar b.json") == 0)
        for line in cases {
            #expect(try Self.shell("cd '\(folder.path)' && \(line)") == 0)
            let name = line.components(separatedBy: "> ").last!
            let out = CLI.temporaryFolder("concatenated-tars-out")
            let run = try CLI.run(["report", folder.appendingPathComponent(name).path, "--out", out.path, "--no-html", "-q"])
            #expect(run.status == 0, "\(line): \(run.stderr)")
            #expect(try Self.members(out) == ["a.json 5 ok", "b.json 5 ok"], "\(line)")
        }
    }

    @Test("bytes after a tar's end that are neither zero blocks nor another tar make it partial (read past the end mark, they were dropped unseen); zero blocks pass")
    func bytesAfterATar() throws {
        let folder = CLI.temporaryFolder("tar-trailing")
        try Self.twoExports(folder)
        #expect(try Self.shell("cd '\(folder.path)' && tar cf a.tar a.json && { cat a.tar; printf 'some text\\n'; } > text.tar && { cat a.tar; head -c 4096 /dev/zero; } > zeros.tar") == 0)
        for (name, status, member) in [("text.tar", Int32(1), "a.json 5 partial"), ("zeros.tar", 0, "a.json 5 ok")] {
            let out = CLI.temporaryFolder("tar-trailing-out")
            let run = try CLI.run(["report", folder.appendingPathComponent(name).path, "--out", out.path, "--no-html", "-q"])
            #expect(run.status == status, "\(name): \(run.stderr)")
            #expect(try Self.members(out) == [member], "\(name)")
        }
    }

    @Test("a zip member's name marked UTF-8 is kept in the C locale, and a hidden folder of such a name is passed over")
    func utf8ZipNames() throws {
        let folder = CLI.temporaryFolder("utf8-zip")
        try Self.twoExports(folder)
        let script = "import zipfile;z=zipfile.ZipFile('u.zip','w');z.write('a.json','.cach\\u00e9e/a.json');z.write('b.json','donn\\u00e9es.json');z.close()"
        #expect(try Self.shell("cd '\(folder.path)' && python3 -c \"\(script)\"") == 0)
        let out = CLI.temporaryFolder("utf8-zip-out")
        let run = try CLI.run(["report", folder.appendingPathComponent("u.zip").path, "--out", out.path, "--no-html", "-q"], environment: ["LC_ALL": "C", "LANG": ""])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.members(out) == ["donn\u{e9}es.json 5 ok"])
    }

    @Test("a compression libarchive reads only through a program (lrzip, grzip) is refused, and no program is run")
    func noProgramIsRun() throws {
        let folder = CLI.temporaryFolder("no-program")
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for (program, magic) in [("lrzip", "LRZI\\0\\6"), ("grzip", "GRZipII\\0\\2")] {
            #expect(try Self.shell("cd '\(folder.path)' && printf '#!/bin/sh\\ntouch RAN-\(program)\\ncat >/dev/null\\n' > bin/\(program) && chmod +x bin/\(program) && printf '\(magic)' > x.\(program)") == 0)
            let out = CLI.temporaryFolder("no-program-out")
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let run = try CLI.run(["report", "x.\(program)", "--out", out.path, "--no-html"], in: folder, environment: ["PATH": bin.path + ":" + path])
            #expect(run.status == 2, "no readable input: \(run.stderr)")
            #expect(run.stderr.contains("x.\(program): failed: compressed with \(program), which authstats does not decode (libarchive reads it only by running the \(program) program, and authstats runs no program on its inputs): decompress it first"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("RAN-\(program)").path), "\(program) was run")
        }
    }

    /// Found by a review on 2026-12-07: such a bundle was read as records, a "not JSON" reject
    /// a line, exit 0.
    @Test("a 7-Zip, RAR, ar, cpio or cabinet archive, Snappy's framing or a Parquet file fails by its format's name, beside a readable input", arguments: [
        ("a 7-Zip archive", "7z\\274\\257\\047\\034\\000\\004"), ("a RAR archive", "Rar!\\032\\007\\000"), ("an ar archive", "!<arch>\\nx.json/"),
        ("a cpio archive", "070701000000"), ("a cabinet archive", "MSCF\\000\\000\\000\\000"),
        ("compressed with Snappy (framed)", "\\377\\006\\000\\000sNaPpY"), ("a Parquet file", "PAR1\\025\\000"),
    ])
    func unreadArchives(name: String, bytes: String) throws {
        let folder = CLI.temporaryFolder("unread-archive")
        try Self.twoExports(folder)
        #expect(try Self.shell("cd '\(folder.path)' && { printf '\(bytes)'; head -c 2000 /dev/urandom; } > bundle") == 0)
        let out = CLI.temporaryFolder("unread-archive-out")
        let run = try CLI.run(["report", "bundle", "a.json", "--out", out.path, "--no-html"], in: folder)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("bundle: failed: \(name)"), "\(run.stderr)")
        #expect(run.stderr.contains(name.hasSuffix("archive") ? "extract it first" : "authstats does not"), "\(run.stderr)")
        #expect(!run.stderr.contains("not JSON"), "\(run.stderr)")
    }
}
