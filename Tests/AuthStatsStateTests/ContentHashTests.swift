import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsState

/// Issue 15: inputs are known by their bytes, whatever their name.
@Suite("ContentHash: the identity of a file's bytes")
struct ContentHashTests {
    typealias F = StateFixtures

    /// 2.5 MiB: two whole 1 MiB blocks and a part.
    let bytes = Data(F.chunk(5, count: 5 << 19))

    @Test("equal bytes at two paths: equal hashes; one changed byte: another")
    func equalAndChanged() throws {
        let folder = F.folder()
        let a = (folder as NSString).appendingPathComponent("a.log.gz")
        let b = (folder as NSString).appendingPathComponent("copy/b.log.gz")
        try FileManager.default.createDirectory(
            atPath: (b as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try F.write(bytes, to: a)
        try F.write(bytes, to: b)
        let first = try ContentHash.of(path: a)
        let second = try ContentHash.of(path: b)
        #expect(first.hash == second.hash)
        #expect(first.hash.count == 32)
        #expect(first.hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(first.size == Int64(bytes.count))

        for offset in [0, bytes.count / 2, bytes.count - 1] {
            var changed = bytes
            changed[offset] ^= 1
            try F.write(changed, to: b)
            #expect(try ContentHash.of(path: b).hash != first.hash, "byte \(offset) changed")
        }
        try F.write(bytes.prefix(bytes.count - 1), to: b)
        #expect(try ContentHash.of(path: b).hash != first.hash, "one byte shorter")
    }

    @Test("the modification time in ms, and an empty file")
    func modifiedAndEmpty() throws {
        let path = (F.folder() as NSString).appendingPathComponent("empty")
        try F.write(Data(), to: path)
        let when = Date(timeIntervalSince1970: 1_700_000_000.25)
        try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: path)
        let result = try ContentHash.of(path: path)
        #expect(result.size == 0)
        #expect(result.modifiedMillis == 1_700_000_000_250)
        #expect(result.hash.count == 32)
    }

    @Test("a missing file: the path and the system's reason")
    func missing() throws {
        let path = (F.folder() as NSString).appendingPathComponent("gone.gz")
        #expect(throws: StateError.sqlite(path: path, operation: "open", message: "No such file or directory")) {
            try ContentHash.of(path: path)
        }
    }
}
