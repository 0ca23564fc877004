import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

@Suite("DecompressedFile: a file of any compression into memory (compressed --users files)")
struct DecompressedFileTests {
    static let text = Data((0..<3000).map { "user-\($0),sub-\($0 * 7919 % 3001)\n" }.joined().utf8)

    static func file(_ compress: String?) throws -> String {
        let folder = CLI.temporaryFolder()
        let plain = folder.appendingPathComponent("users.csv").path
        try text.write(to: URL(fileURLWithPath: plain))
        guard let compress else { return plain }
        let path = plain + ".z"
        try Shell.output("\(compress) < '\(plain)'").write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("the same bytes from every compression", arguments: [nil, "gzip -c", "xz -c", "bzip2 -c", "zstd -q -c", "lz4 -q -c"])
    func same(compress: String?) throws {
        let path = try Self.file(compress)
        let read = DecompressedFile.read(path: path, limit: 1 << 20)
        #expect(read.error == nil)
        #expect(read.bytes == [UInt8](Self.text))
        let decoded = DecompressedFile.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), limit: 1 << 20)
        #expect(decoded.bytes == read.bytes)
        #expect(decoded.error == nil)
    }

    @Test("a truncated file keeps the bytes before the damage and says what broke")
    func truncated() throws {
        let path = try Self.file("xz -c")
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try whole.prefix(whole.count - 1).write(to: URL(fileURLWithPath: path))
        let read = DecompressedFile.read(path: path, limit: 1 << 20)
        #expect(read.bytes == [UInt8](Self.text))  // the cut byte was in the trailer
        #expect(read.error?.hasPrefix("truncated xz input") == true)
    }

    @Test("past the limit: the first `limit` bytes and a reason")
    func limit() throws {
        let read = DecompressedFile.read(path: try Self.file("gzip -c"), limit: 100)
        #expect(read.bytes == [UInt8](Self.text.prefix(100)))
        #expect(read.error == "larger than 100 bytes once decompressed; read to that size")
    }

    @Test("read a chunk at a time (what --users does): the same bytes, damage and limit as whole")
    func chunked() throws {
        func stream(_ path: String, limit: Int, space: Int) -> (bytes: [UInt8], error: String?, count: Int) {
            let reader = DecompressedFile.Reader(path: path, limit: limit)
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: space)
            while true {
                let n = chunk.withUnsafeMutableBytes { reader.read(into: $0) }
                if n == 0 { break }
                bytes += chunk[0..<n]
            }
            return (bytes, reader.error, reader.count)
        }
        let path = try Self.file("xz -c")
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try whole.prefix(whole.count - 1).write(to: URL(fileURLWithPath: path))
        for space in [1, 7, 1 << 16] {
            let read = stream(path, limit: 1 << 20, space: space)
            #expect(read.bytes == [UInt8](Self.text))
            #expect(read.count == Self.text.count)
            #expect(read.error?.hasPrefix("truncated xz input") == true)
            let limited = stream(path, limit: 100, space: space)
            #expect(limited.bytes == [UInt8](Self.text.prefix(100)))
            #expect(limited.error == "larger than 100 bytes once decompressed; read to that size")
            let exact = stream(try Self.file(nil), limit: Self.text.count, space: space)
            #expect(exact.bytes == [UInt8](Self.text) && exact.error == nil)
        }
        let missing = stream("/nonexistent/users.json", limit: 100, space: 10)
        #expect(missing.bytes.isEmpty && missing.error == "No such file or directory")
    }

    @Test("a missing file and an archive are errors with their reason")
    func errors() throws {
        #expect(DecompressedFile.read(path: "/nonexistent/users.json", limit: 100).error == "No such file or directory")
        let folder = CLI.temporaryFolder()
        let archive = folder.appendingPathComponent("users.tar").path
        try Self.text.write(to: folder.appendingPathComponent("users.csv"))
        _ = try Shell.output("tar cf '\(archive)' -C '\(folder.path)' users.csv")
        let read = DecompressedFile.read(path: archive, limit: 1 << 20)
        #expect(read.bytes.isEmpty)
        #expect(read.error == "it is a tar archive; give the file itself, not an archive of it")
    }
}

@Suite("DisplayPath escapes what a terminal or a reader could mistake")
struct DisplayPathTests {
    @Test(
        "names as shown",
        arguments: [
            ("plain/name.ndjson", "plain/name.ndjson"),
            ("caf\u{E9}.ndjson", "caf\u{E9}.ndjson"),
            ("a\u{1B}[31mb", "a\\x1b[31mb"),
            ("line\nbreak\ttab\rcr", "line\\nbreak\\ttab\\rcr"),
            ("back\\slash", "back\\\\slash"),
            ("del\u{7F}", "del\\x7f"),
            ("c1\u{9B}", "c1\\u{9b}"),
            ("bidi\u{202E}txt", "bidi\\u{202e}txt"),
        ])
    func strings(name: String, shown: String) {
        #expect(DisplayPath.text(name) == shown)
        #expect(DisplayPath.text(Array(name.utf8)) == shown)
    }

    @Test("bytes that are not UTF-8 are shown as \\xNN, valid sequences around them kept")
    func bytes() {
        #expect(DisplayPath.text(Array("caf".utf8) + [0xE9] + Array(".log".utf8)) == "caf\\xe9.log")
        #expect(DisplayPath.text([0xC3, 0xA9, 0xFF, 0xC3]) == "\u{E9}\\xff\\xc3")
        #expect(DisplayPath.text([0xED, 0xA0, 0x80]) == "\\xed\\xa0\\x80")  // a UTF-16 surrogate is not UTF-8
        #expect(DisplayPath.text([0xF0, 0x9F, 0x98, 0x80]) == "\u{1F600}")
    }
}
