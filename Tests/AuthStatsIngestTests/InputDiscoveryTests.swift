import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

/// Issue 11, defects 5 and 8, and the `--out` folder inside an input folder.
@Suite("Each real file is read once; cycles end; any name is read and shown escaped (issue 11, defects 5, 8)")
struct InputDiscoveryTests {
    static let lines = TestFiles.pageViews(3, users: 3)

    static func folderWithLog() throws -> URL {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("in/sub"), withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("in/sub/a.ndjson"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("the arguments that hold no file: an empty folder, one of hidden files only; not a folder given twice, a link to one walked, or a missing path (a problem)")
    func emptyArguments() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/hidden", withIntermediateDirectories: true)
        try "x\n".write(toFile: root + "/hidden/.partial.json", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: folder.appendingPathComponent("link").path, withDestinationPath: root + "/sub")
        let arguments = [root + "/sub", root + "/empty", root + "/sub", root + "/hidden", folder.appendingPathComponent("link").path, root + "/missing"]
        let (found, empty) = InputDiscovery.expandNamingEmpty(arguments)
        #expect(empty == [root + "/empty", root + "/hidden"])
        #expect(found.count == 2)  // the file once, and the missing path's problem
    }

    @Test("a link back to a folder being walked is reported once and not followed; the file is read once")
    func symlinkCycle() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: root + "/self", withDestinationPath: "../in")
        let run = FileRun([root])
        #expect(run.inputs.map(\.path) == [root + "/self", root + "/sub/a.ndjson", root + "/sub/up"])
        #expect(run.inputs.map(\.status) == [.failed, .ok, .failed])
        #expect(run.inputs[0].error == "Unable to read \(root)/self: a symbolic link cycle (it leads back to \(root)); not followed")
        #expect(run.inputs[2].error == "Unable to read \(root)/sub/up: a symbolic link cycle (it leads back to \(root)); not followed")
        #expect(run.inputs[1].events == 3)
        #expect(run.reports.daily.map(\.events) == [3])
    }

    @Test("the same file by two paths (an argument twice, a link) is read once, under its first path")
    func sameFileTwice() throws {
        let folder = try Self.folderWithLog()
        let file = folder.appendingPathComponent("in/sub/a.ndjson").path
        let link = folder.appendingPathComponent("link.ndjson").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        let run = FileRun([file, link, file])
        #expect(run.inputs.map(\.path) == [file])
        #expect(run.inputs.map(\.events) == [3])
        #expect(run.inputs.map(\.duplicates) == [0])
    }

    @Test("a name that is not UTF-8 is read, and shown with its byte escaped")
    func nonUTF8Name() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        let name = Array(root.utf8) + Array("/caf".utf8) + [0xE9] + Array(".ndjson".utf8)
        let fd = name.withUnsafeBufferPointer { bytes -> Int32 in
            (Array(bytes) + [0]).withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(fd >= 0)
        let line = Array((PinpointLine("pageView", at: 1_700_000_500_000, user: "w").json + "\n").utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let run = FileRun([root])
        #expect(run.inputs.map(\.path) == [root + "/caf\\xe9.ndjson", root + "/sub/a.ndjson"])
        #expect(run.inputs.map(\.events) == [1, 3])
        #expect(run.inputs.map(\.status) == [.ok, .ok])
    }

    @Test("control characters in a name are escaped in every place it is shown")
    func controlCharacters() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        let path = root + "/evil\u{1B}[31m\nname.ndjson"
        try "not json\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = FileRun([root])
        let shown = root + "/evil\\x1b[31m\\nname.ndjson"
        #expect(run.inputs.first?.path == shown)
        #expect(run.rejects.first?.input == shown)
        #expect(run.rejects.first?.message.hasPrefix(shown + ": record 1: ") == true)
    }

    @Test("a FIFO met in a folder is reported, not opened (no writer: it would wait forever)")
    func fifoInFolder() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        #expect(mkfifo(root + "/pipe", 0o600) == 0)
        let run = FileRun([root])
        #expect(run.inputs.map(\.path) == [root + "/pipe", root + "/sub/a.ndjson"])
        #expect(run.inputs.first?.status == .failed)
        #expect(run.inputs.first?.error == "Unable to read \(root)/pipe: not a regular file (a FIFO); not read")
        #expect(run.inputs.last?.events == 3)
    }

    @Test("an error names the OS reason")
    func errnoText() throws {
        let folder = try Self.folderWithLog()
        let path = folder.appendingPathComponent("in/sub/a.ndjson/below").path
        let run = FileRun([path])
        #expect(run.inputs.first?.error == "Unable to open \(path): Not a directory")
        let broken = folder.appendingPathComponent("in/broken").path
        try FileManager.default.createSymbolicLink(atPath: broken, withDestinationPath: "nowhere")
        let walked = FileRun([folder.appendingPathComponent("in").path])
        #expect(walked.inputs.first?.error == "Unable to open \(broken): broken symbolic link (No such file or directory)")
    }

    @Test("folders listed ahead on several threads: the same files, problems and order as the walk alone")
    func listedAhead() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        let files = FileManager.default
        // Levels of folders (a bucket's year/month/day/hour), hidden entries, a link to a
        // folder that comes later in the walk than in the levels, a cycle, a broken link, a
        // FIFO, an excluded folder and a file named twice.
        for month in 0..<3 {
            for day in 0..<6 {
                let path = "\(root)/2026/0\(month)/\(day)"
                try files.createDirectory(atPath: path + "/.hidden", withIntermediateDirectories: true)
                for hour in 0..<(day % 3) { try "x\n".write(toFile: "\(path)/\(hour).ndjson", atomically: true, encoding: .utf8) }
                try "x\n".write(toFile: path + "/.dot.ndjson", atomically: true, encoding: .utf8)
            }
        }
        try files.createSymbolicLink(atPath: root + "/0-early", withDestinationPath: root + "/2026/02")
        // A link the walk meets before the folder it leads to, which the levels list by the
        // folder's own path: the walk lists it again by the link's.
        try files.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/zz", withIntermediateDirectories: true)
        try "x\n".write(toFile: root + "/zz/late.ndjson", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: root + "/a/link", withDestinationPath: "../zz")
        // A name that is not UTF-8.
        let odd = Array((root + "/2026/01/caf").utf8) + [0xE9]
        #expect((odd + [0]).withUnsafeBufferPointer { mkdir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 0o755) } == 0)
        // A folder that cannot be listed (only for a user the permissions hold for).
        if geteuid() != 0 {
            try files.createDirectory(atPath: root + "/2026/locked", withIntermediateDirectories: true)
            #expect(chmod(root + "/2026/locked", 0) == 0)
        }
        defer { _ = chmod(root + "/2026/locked", 0o755) }
        try files.createSymbolicLink(atPath: root + "/2026/01/3/up", withDestinationPath: "../..")
        try files.createSymbolicLink(atPath: root + "/2026/broken", withDestinationPath: "nowhere")
        #expect(mkfifo(root + "/2026/00/pipe", 0o600) == 0)
        try files.createDirectory(atPath: root + "/2026/excluded", withIntermediateDirectories: true)
        try "x\n".write(toFile: root + "/2026/excluded/no.ndjson", atomically: true, encoding: .utf8)
        // Arguments: folders, a file, one that is not there (its status read on the threads too).
        let paths = [root, root + "/sub/a.ndjson", root + "/2026/01", root + "/missing.ndjson"]
        let excluded = [root + "/2026/excluded"]
        let alone = InputDiscovery.expand(paths, excluding: excluded)
        #expect(alone.count > 20 && alone.contains { if case .problem = $0 { true } else { false } })
        for threads in [2, 3, 8] {
            #expect(InputDiscovery.expand(paths, excluding: excluded, threads: threads) == alone, "\(threads) threads")
        }
        // Ahead: every folder but the excluded one, each once (the linked month under one path).
        let ids = Set(excluded.compactMap { InputDiscovery.FileID(path: Array($0.utf8)) })
        let folders = paths.compactMap { path -> ([UInt8], InputDiscovery.FileID)? in
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
            return (Array(path.utf8), InputDiscovery.FileID(info))
        }
        let listed = InputDiscovery.Listings.read(below: folders, excluding: ids, threads: 3)
        #expect(listed.count == 1 + 1 + 1 + 3 + 3 * 6 + 2 + 1)
        #expect(alone.contains(.file(InputPath(root + "/a/link/late.ndjson"))) && !alone.contains(.file(InputPath(root + "/zz/late.ndjson"))))
        #expect(!listed.keys.contains { ids.contains($0) })
        // Past the entries' limit, nothing more is listed ahead (the walk lists the rest, and
        // finds the same).
        let capped = InputDiscovery.Listings.read(below: folders, excluding: ids, threads: 2, maxEntries: 3)
        // (Both argument folders, or one when a thread finished its first before the other
        // took one: at most one folder a thread past the limit.)
        #expect((1...2).contains(capped.count) && capped.values.allSatisfy { !$0.entries.isEmpty })
    }

    @Test("a URL is a scheme (a letter, then letters, digits, +, - and .) and ://; any other path is made absolute without its empty and . components")
    func urlsAndAbsolutePaths() {
        for url in ["s3://bucket/key.gz", "S3://b/k", "git+ssh://host/x", "a.b-c+d://x", "x://"] {
            #expect(InputPath.isURL(url), "\(url)")
            #expect(InputPath.isURL(Array(url.utf8)), "\(url)")
        }
        for path in ["", "/data/s3://x", "3s://x", "s3:/x", "s3//x", "s_3://x", "./s3://x", "s3:", "é://x", "exports/a.json"] {
            #expect(!InputPath.isURL(path), "\(path)")
        }
        let slash = UInt8(ascii: "/")
        let cwd = InputPath.workingFolder
        let cases: [(String, [UInt8])] = [
            ("/", [slash]), ("//", [slash]), ("/./.", [slash]), ("/a//b/./c/", Array("/a/b/c".utf8)),
            ("/a/../b", Array("/a/../b".utf8)), ("/.a/..b/.", Array("/.a/..b".utf8)),
            ("a.json", cwd + Array("/a.json".utf8)), ("./x/./y", cwd + Array("/x/y".utf8)),
        ]
        for (path, expected) in cases {
            let normalised = expected.split(separator: slash, omittingEmptySubsequences: true)
            #expect(InputPath.absolute(Array(path.utf8)) == (normalised.isEmpty ? [slash] : Array(normalised.map { [slash] + $0 }.joined())), "\(path)")
        }
        // Bytes that are not UTF-8 are kept as they are.
        #expect(InputPath.absolute([slash, 0xE9, slash, 0xFF]) == [slash, 0xE9, slash, 0xFF])
    }

    @Test("an --out folder inside an input folder is never read as input (the built binary)")
    func outInsideInput() throws {
        let folder = try Self.folderWithLog()
        let root = folder.appendingPathComponent("in").path
        for _ in 0..<2 {
            let result = try CLI.run(["report", root, "--out", root + "/reports", "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/reports/summary.json"))) as! [String: Any]
        let inputs = summary["inputs"] as! [[String: Any]]
        #expect(inputs.map { $0["path"] as? String } == [root + "/sub/a.ndjson"])
    }
}
