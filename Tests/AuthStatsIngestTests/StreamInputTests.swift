import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

/// Issue 11, defect 4: inputs that gave 0 records silently, and non-regular inputs read wrong.
@Suite("Every byte read is a record, a skip or a reject; streams are read whole (issue 11, defect 4)")
struct StreamInputTests {
    static let lines = TestFiles.pageViews(1000, users: 1000)
    static var text: String { lines.joined(separator: "\n") + "\n" }

    @Test("512 NUL bytes before the records (copytruncate): the records are read, the padding is one skip")
    func leadingNULs() throws {
        let folder = CLI.temporaryFolder()
        let path = folder.appendingPathComponent("rotated.log").path
        try (Data(count: 512) + Data(Self.text.utf8)).write(to: URL(fileURLWithPath: path))
        let run = FileRun([path])
        let input = try #require(run.inputs.first)
        #expect(input.status == .ok)
        #expect(input.format == "pinpoint")
        #expect(input.events == 1000)
        #expect(input.rejected == 0)
        #expect(input.skipped == 1)
        #expect(input.skipReasons == [ArchiveReader.nulPaddingReason: 1])
        #expect(input.records == 1001)
    }

    @Test("an empty tar archive (only its NUL end blocks) is an empty input; 100 NULs are one padding skip")
    func onlyNULs() throws {
        let folder = CLI.temporaryFolder()
        let tar = folder.appendingPathComponent("empty.tar").path
        _ = try Shell.output("tar cf '\(tar)' --files-from /dev/null")
        let nuls = folder.appendingPathComponent("nuls.log").path
        try Data(count: 100).write(to: URL(fileURLWithPath: nuls))
        let run = FileRun([tar, nuls])
        #expect(run.inputs.map(\.status) == [.ok, .ok])
        #expect(run.inputs.map(\.records) == [0, 1])
        #expect(run.inputs.map(\.skipReasons) == [[:], [ArchiveReader.nulPaddingReason: 1]])
        #expect(run.rejects.isEmpty)
    }

    @Test("NUL padding inside a compressed stream is skipped the same way", arguments: ["gzip -c", "xz -c"])
    func leadingNULsCompressed(compress: String) throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("rotated.log").path
        try (Data(count: 4096) + Data(Self.text.utf8)).write(to: URL(fileURLWithPath: plain))
        let path = folder.appendingPathComponent("rotated.log.z").path
        try Shell.output("\(compress) < '\(plain)'").write(to: URL(fileURLWithPath: path))
        let run = FileRun([path])
        #expect(run.inputs.map(\.events) == [1000])
        #expect(run.inputs.map(\.skipReasons) == [[ArchiveReader.nulPaddingReason: 1]])
    }

    @Test("a FIFO is read whole, plain or gzip (like a process substitution)", arguments: ["cat", "gzip -c"])
    func fifo(writer: String) throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try Self.text.write(toFile: plain, atomically: true, encoding: .utf8)
        let fifo = folder.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // A real writer process, writing in its own rhythm (small pipe writes).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(writer) < '\(plain)' > '\(fifo)'"]
        try process.run()
        let run = FileRun([fifo])
        process.waitUntilExit()
        #expect(run.inputs.map(\.events) == [1000])
        #expect(run.inputs.map(\.status) == [.ok])
        #expect(run.inputs.map(\.compression) == [writer == "cat" ? "none" : "gzip"])
        #expect(run.rejects.isEmpty)
    }

    @Test("/dev/stdin fed by a pipe is read whole (the built binary)", arguments: ["cat", "gzip -c", "zstd -q -c"])
    func standardInput(writer: String) throws {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("log.ndjson").path
        try Self.text.write(toFile: plain, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out").path
        let binary = CLI.executable.path
        _ = try? Shell.output("\(writer) < '\(plain)' | '\(binary)' report /dev/stdin --out '\(out)' --quiet")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let inputs = summary["inputs"] as! [[String: Any]]
        #expect(inputs.count == 1)
        #expect(inputs.first?["path"] as? String == "/dev/stdin")
        #expect(inputs.first?["events"] as? Int == 1000)
        #expect(inputs.first?["status"] as? String == "ok")
    }

    @Test("a zip whose central directory is damaged still gives its members (read by local headers)")
    func zipWithDamagedDirectory() throws {
        let zip = try Shell.zip([("log.ndjson", Self.text)], in: CLI.temporaryFolder())
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zip)))
        // Overwrite the signature of the central directory's entry (PK\1\2).
        let at = try #require(Shell.offsets(of: [0x50, 0x4B, 0x01, 0x02], in: bytes).last)
        bytes.replaceSubrange(at..<at + 4, with: Array("XXXX".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: zip))
        let run = FileRun([zip])
        #expect(run.inputs.map(\.member) == ["log.ndjson"])
        #expect(run.inputs.map(\.events) == [1000])
        #expect(run.inputs.map(\.container) == ["zip"])
    }
}
