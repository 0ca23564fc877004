import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

/// Issue 18, item 5: archive members handed to other workers. Whole or damaged, an archive
/// gives the same inputs (positions, counts, statuses, errors), rejects and reports as when
/// one worker reads every member in place.
@Suite("Archive members read by other workers: the same inputs, rejects and reports as one worker")
struct ArchiveMembersTests {
    /// 30 gzip members of 10 to 250 records (each repeating some of the one before it: duplicates
    /// across members), one with a broken record, an uncompressed member, and a tar of three
    /// gzip members inside (an archive inside the archive); in tar order.
    static func content() throws -> (folder: URL, names: [String]) {
        let folder = CLI.temporaryFolder("members")
        let lines = DamagedStreamTests.lines
        var names: [String] = []
        for i in 0..<30 {
            let start = i * 60
            var chunk = Array(lines[start..<min(lines.count, start + 10 + (i * 37) % 240)])
            if i == 3 { chunk.insert("not json", at: 5) }
            let name = String(format: "m%02d.gz", i)
            try TestFiles.gzip(chunk, to: folder.appendingPathComponent(name).path)
            names.append(name)
        }
        try (lines[100..<160].joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("m20.ndjson"), atomically: true, encoding: .utf8)
        names.insert("m20.ndjson", at: 21)
        let inner = folder.appendingPathComponent("inner")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        for i in 0..<3 { try TestFiles.gzip(Array(lines[2000 + i * 100..<2100 + i * 100]), to: inner.appendingPathComponent("\(i).gz").path) }
        try Self.shell("tar cf '\(folder.path)/m15-inner.tar' -C '\(inner.path)' 0.gz 1.gz 2.gz")
        names.insert("m15-inner.tar", at: 16)
        return (folder, names)
    }

    @discardableResult
    static func shell(_ command: String) throws -> Data { try Shell.output(command) }

    /// The archive's bytes: `tar` or `zip` of the content.
    static func archive(_ format: String) throws -> [UInt8] {
        let (folder, names) = try content()
        let list = names.map { "'\($0)'" }.joined(separator: " ")
        let path = folder.appendingPathComponent("bundle.\(format)").path
        switch format {
        case "zip": try shell("cd '\(folder.path)' && zip -q '\(path)' \(list)")
        default: try shell("tar cf '\(path)' -C '\(folder.path)' \(list)")
        }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Where each member of a tar lies: its name, header and data offsets, and data size.
    static func tarMembers(_ bytes: [UInt8]) -> [(name: String, header: Int, data: Int, size: Int)] {
        var members: [(String, Int, Int, Int)] = []
        var offset = 0
        while offset + 512 <= bytes.count, bytes[offset] != 0 {
            let name = String(decoding: bytes[offset..<offset + 100].prefix { $0 != 0 }, as: UTF8.self)
            let sizeField = String(decoding: bytes[offset + 124..<offset + 136].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            let size = Int(sizeField, radix: 8) ?? 0
            members.append((name, offset, offset + 512, size))
            offset += 512 + (size + 511) / 512 * 512
        }
        return members
    }

    /// `bytes` compressed by gzip(1) (through a file: a pipe both ways would fill up).
    static func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
        let path = CLI.temporaryFolder("members-gzip").appendingPathComponent("bundle").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return [UInt8](try Shell.output("gzip -c '\(path)'"))
    }

    /// Each case: the archive's bytes, whole or damaged, and its file name.
    static let cases: [String] = [
        "tar", "tar cut inside a member", "tar cut right before a member's header", "tar cut inside its end blocks", "tar with a damaged header in the middle",
        "tar with junk after its last member", "tar with a corrupt member, then cut inside it", "tar cut inside the inner tar",
        "tar.gz", "tar.gz missing its last 10 bytes", "tar.gz cut in the middle", "tar.gz corrupt in the middle",
        "zip", "zip with a damaged member in the middle", "zip cut in the middle",
    ]

    static func make(_ name: String) throws -> (path: String, damaged: Bool) {
        let tar = try archive("tar")
        let members = tarMembers(tar)
        func member(_ prefix: String) -> (name: String, header: Int, data: Int, size: Int) { members.first { $0.name.hasPrefix(prefix) }! }
        var bytes: [UInt8]
        switch name {
        case "tar": bytes = tar
        case "tar cut inside a member":
            let m = member("m18")
            bytes = Array(tar[..<(m.data + m.size / 2)])
        case "tar cut right before a member's header":
            bytes = Array(tar[..<member("m18").header])
        case "tar cut inside its end blocks":
            let last = members.last!
            bytes = Array(tar[..<(last.data + (last.size + 511) / 512 * 512 + 600)])
        case "tar with a damaged header in the middle":
            bytes = tar
            let m = member("m12")
            bytes.replaceSubrange(m.header + 148..<m.header + 156, with: Array("0000000\0".utf8))
        case "tar with junk after its last member":
            let last = members.last!
            bytes = Array(tar[..<(last.data + (last.size + 511) / 512 * 512)]) + [UInt8](repeating: 0x41, count: 2048)
        case "tar with a corrupt member, then cut inside it":
            let m = member("m27")
            bytes = tar
            for i in m.data + 40..<m.data + 72 { bytes[i] ^= 0x55 }
            bytes = Array(bytes[..<(m.data + m.size * 4 / 5)])
        case "tar cut inside the inner tar":
            let m = member("m15-inner")
            bytes = Array(tar[..<(m.data + m.size / 2)])
        case "tar.gz": bytes = try gzipped(tar)
        case "tar.gz missing its last 10 bytes": bytes = Array(try gzipped(tar).dropLast(10))
        case "tar.gz cut in the middle":
            let whole = try gzipped(tar)
            bytes = Array(whole[..<(whole.count / 2)])
        case "tar.gz corrupt in the middle":
            bytes = try gzipped(tar)
            for i in bytes.count / 2..<bytes.count / 2 + 32 { bytes[i] ^= 0x55 }
        case "zip": bytes = try archive("zip")
        case "zip with a damaged member in the middle":
            bytes = try archive("zip")
            for i in bytes.count / 2..<bytes.count / 2 + 32 { bytes[i] ^= 0x55 }
        case "zip cut in the middle":
            let whole = try archive("zip")
            bytes = Array(whole[..<(whole.count / 2)])
        default: fatalError("no case \(name)")
        }
        let path = CLI.temporaryFolder("members-case").appendingPathComponent("bundle").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, name != "tar" && name != "tar.gz" && name != "zip")
    }

    /// Reads `path` as two workers would, one step at a time: the first reads the archive and
    /// hands members over (none is read by the other until the archive is read through), then
    /// the second reads every member handed over. Returns the merged run and how many members
    /// the second read.
    static func handedOver(_ path: String, copyBudget: Int) throws -> (run: FileRun, handed: Int) {
        let rejects = RejectCollector()
        let configuration = Analysis.Configuration()!
        let reading = Analysis(configuration: configuration, rejects: rejects)
        let other = Analysis(configuration: configuration, rejects: rejects)
        let queue = ReadingQueue(files: 1, copyBudget: copyBudget, byteLimit: .max)
        guard case .file(0) = queue.next(), case .file(let input) = InputDiscovery.expand([path]).first else {
            throw Failure(message: "no file to read")
        }
        ArchiveReader(analysis: reading, pipelined: false, queue: queue).read(input, index: 0)
        queue.fileRead()
        let helper = ArchiveReader(analysis: other, pipelined: false, queue: queue)
        var handed = 0
        while case .member(let member) = queue.next() {
            helper.read(member)
            handed += 1
        }
        reading.merge(other)
        let reports = reading.reports()
        let sorted = rejects.records.sorted { ($0.position, $0.record) < ($1.position, $1.record) }
        return (FileRun(reports: reports, inputs: reading.inputs, rejects: sorted), handed)
    }

    struct Failure: Error { var message: String }

    @Test("a member is hidden when its name or a folder of it starts with '.', as on disk; a leading ./ is not")
    func hidden() {
        for (path, hidden) in [
            (".hid/h.json", true), ("a/.b/c.json", true), (".x", true), ("a/.x", true), ("./a/b.json", false), ("a/../b.json", false),
            ("a/b.json", false), ("a.b/c.json", false),
        ] {
            #expect(ArchiveReader.isHidden(Array(path.utf8)) == hidden, "\(path)")
        }
    }

    @Test("an archive cut inside a member: the break is reported once, on that member, with no entry of the archive's own",
          arguments: ["tar cut inside a member", "tar cut right before a member's header", "zip cut in the middle", "tar.gz cut in the middle"])
    func cutOnce(name: String) throws {
        let (path, _) = try Self.make(name)
        for jobs in [1, 2] {
            let run = FileRun([path], jobs: jobs)
            let broken = run.inputs.filter { $0.status != .ok }
            #expect(broken.count == 1, "--jobs \(jobs): \(broken.map { "\($0.member ?? "(the archive)") \($0.status) \($0.error ?? "")" })")
            #expect(broken.allSatisfy { $0.member != nil }, "--jobs \(jobs)")
        }
    }

    /// Found by a review on 2026-12-07: libarchive ends a tar cut right before a header as
    /// quietly as a whole one, and every member after the cut was lost with exit status 0.
    @Test("a tar cut right before a member's header: the member before it is partial, saying the end mark is missing")
    func cutBeforeHeader() throws {
        let (path, _) = try Self.make("tar cut right before a member's header")
        let run = FileRun([path], jobs: 1)
        let broken = run.inputs.filter { $0.status != .ok }
        #expect(broken.map(\.member) == ["m17.gz"], "\(broken.map { "\($0.member ?? "-") \($0.status) \($0.error ?? "")" })")
        #expect(broken.first?.status == .partial)
        #expect(broken.first?.error?.contains("the tar ends without its end mark (blocks of zeros)") == true, "\(broken.first?.error ?? "")")
        // A whole tar is not.
        #expect(FileRun([try Self.make("tar").path], jobs: 1).inputs.allSatisfy { $0.status == .ok })
    }

    /// Found by a review on 2026-12-07: `tar cf` of a folder puts folder entries between the
    /// files; a tar cut right after one (or after a hidden member) had no member open, and the
    /// break became a line of the archive's own, `failed`, though its members were read.
    @Test("a tar cut after a folder entry or a hidden member: the last member read is partial, no failed line")
    func cutAfterFolder() throws {
        let folder = CLI.temporaryFolder("cut-after-folder")
        try FileManager.default.createDirectory(atPath: folder.appendingPathComponent("t/a").path, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.appendingPathComponent("t/b").path, withIntermediateDirectories: true)
        try TestFiles.gzip(Array(DamagedStreamTests.lines[0..<20]), to: folder.appendingPathComponent("t/a/one.gz").path)
        try TestFiles.gzip(Array(DamagedStreamTests.lines[20..<40]), to: folder.appendingPathComponent("t/b/two.gz").path)
        try TestFiles.gzip(Array(DamagedStreamTests.lines[40..<60]), to: folder.appendingPathComponent("t/b/.hidden.gz").path)
        // In this order: t/, t/a/, t/a/one.gz, t/b/, t/b/two.gz, t/b/.hidden.gz, t/c/ (each 512-byte aligned).
        try Self.shell("cd '\(folder.path)' && mkdir -p t/c && tar cf whole.tar --no-recursion t t/a t/a/one.gz t/b t/b/two.gz t/b/.hidden.gz t/c")
        let tar = Array(try Data(contentsOf: folder.appendingPathComponent("whole.tar")))
        let headers = Self.tarMembers(tar)
        for (after, last) in [("t/b/", "t/a/one.gz"), ("t/c/", "t/b/two.gz"), ("t/b/.hidden.gz", "t/b/two.gz")] {
            let entry = headers.first { $0.name == after }!
            let cut = folder.appendingPathComponent("cut.tar")
            try Data(tar[..<(entry.data + (entry.size + 511) / 512 * 512)]).write(to: cut)
            for jobs in [1, 2] {
                let run = FileRun([cut.path], jobs: jobs)
                let broken = run.inputs.filter { $0.status != .ok }
                #expect(broken.map(\.member) == [last] && broken.first?.status == .partial, "after \(after), --jobs \(jobs): \(broken.map { "\($0.member ?? "-") \($0.status) \($0.error ?? "")" })")
                #expect(broken.first?.error?.contains("the tar ends without its end mark") == true)
            }
        }
    }

    /// Found by a review on 2026-12-07: the gzip member inside the fifth tar was refused as an
    /// archive nested too deep; the tar it lies in is that.
    @Test("archives inside four others are read; one inside five is refused by its own name")
    func nesting() throws {
        let folder = CLI.temporaryFolder("nesting")
        try TestFiles.gzip(Array(DamagedStreamTests.lines[0..<20]), to: folder.appendingPathComponent("l0.gz").path)
        var previous = "l0.gz"
        for level in 1...5 {
            try Self.shell("cd '\(folder.path)' && tar cf l\(level).tar \(previous)")
            previous = "l\(level).tar"
        }
        let four = FileRun([folder.appendingPathComponent("l4.tar").path], jobs: 1)
        #expect(four.inputs.map(\.status) == [.ok] && four.inputs.first?.events == 20, "\(four.inputs.map { "\($0.member ?? "-") \($0.error ?? "")" })")
        let five = FileRun([folder.appendingPathComponent("l5.tar").path], jobs: 1)
        #expect(five.inputs.count == 1, "\(five.inputs.map(\.member))")
        #expect(five.inputs.first?.member == "l4.tar:l3.tar:l2.tar:l1.tar")
        #expect(five.inputs.first?.error == "an archive inside 4 others: archives are opened up to 4 inside one another; not read")
    }

    @Test("whole or damaged: members handed over read as one worker reads them", arguments: cases)
    func parity(name: String) throws {
        let (path, damaged) = try Self.make(name)
        let one = FileRun([path], jobs: 1)
        #expect(one.inputs.count > (damaged ? 5 : 30), "\(one.inputs.map(\.member))")
        if !damaged {
            #expect(one.inputs.allSatisfy { $0.status == .ok })
            #expect(one.inputs.contains { $0.member == "m15-inner.tar:1.gz" && $0.events == 100 })
            #expect(one.inputs.reduce(0) { $0 + $1.duplicates } > 100)
            #expect(one.rejects.count == 1)
        }
        // Members are 3 to 75 KB: with room for 100 KB of copies, here none of them is read
        // before the archive is read through, so the room fills and the rest are read in place.
        let (all, handedAll) = try Self.handedOver(path, copyBudget: ParallelReader.copyBudget(workers: 2))
        let (some, handedSome) = try Self.handedOver(path, copyBudget: 100_000)
        #expect(handedAll > (damaged ? 2 : 20), "members were handed over")
        #expect(handedSome > 0 && handedSome < handedAll, "some members were handed over, the others read in place")
        let runs = [
            ("handed over", all), ("handed over, room for 100 KB", some), ("--jobs 2", FileRun([path], jobs: 2)),
            ("--jobs 3, room for 100 KB", FileRun([path], jobs: 3, copyBudget: 100_000)),
        ]
        for (how, run) in runs {
            #expect(run.inputs == one.inputs, "\(how): inputs differ")
            #expect(run.rejects == one.rejects, "\(how): rejects differ")
            #expect(run.csv == one.csv, "\(how): reports differ")
        }
    }
}
