import AuthStatsCore
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

    @Test("equal bytes at two paths: equal hashes; one changed byte: another", arguments: [ContentHashKind.fingerprint, .lanes])
    func equalAndChanged(kind: ContentHashKind) throws {
        let folder = F.folder()
        let a = (folder as NSString).appendingPathComponent("a.log.gz")
        let b = (folder as NSString).appendingPathComponent("copy/b.log.gz")
        try FileManager.default.createDirectory(
            atPath: (b as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try F.write(bytes, to: a)
        try F.write(bytes, to: b)
        let first = try ContentHash.of(path: a, kind: kind)
        let second = try ContentHash.of(path: b, kind: kind)
        #expect(first.hash == second.hash)
        #expect(first.hash.count == 32)
        #expect(first.hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(first.size == Int64(bytes.count))

        for offset in [0, bytes.count / 2, bytes.count - 1] {
            var changed = bytes
            changed[offset] ^= 1
            try F.write(changed, to: b)
            #expect(try ContentHash.of(path: b, kind: kind).hash != first.hash, "byte \(offset) changed")
        }
        try F.write(bytes.prefix(bytes.count - 1), to: b)
        #expect(try ContentHash.of(path: b, kind: kind).hash != first.hash, "one byte shorter")
        // (The blocks of `bytes` are alike.) The same change in the first block and in the
        // second: each block's hash is taken at its place.
        var inFirst = bytes
        inFirst[5] ^= 1
        var inSecond = bytes
        inSecond[(1 << 20) + 5] ^= 1
        try F.write(inFirst, to: a)
        try F.write(inSecond, to: b)
        #expect(try ContentHash.of(path: a, kind: kind).hash != ContentHash.of(path: b, kind: kind).hash, "the change's block")
    }

    @Test("the hash of a file's first bytes is the hash of a file of those bytes alone; nil past its end", arguments: [ContentHashKind.fingerprint, .lanes])
    func prefix(kind: ContentHashKind) throws {
        let folder = F.folder()
        let whole = (folder as NSString).appendingPathComponent("whole")
        let part = (folder as NSString).appendingPathComponent("part")
        try F.write(bytes, to: whole)
        let hasher = ContentHasher()
        // At no byte, inside the first block, at a block's edge and one past it, the whole file.
        for count in [0, 1, 4095, 1 << 20, (1 << 20) + 1, 2 << 20, bytes.count - 1, bytes.count] {
            try F.write(bytes.prefix(count), to: part)
            let expected = try ContentHash.of(path: part, kind: kind).hash
            #expect(try hasher.hash(path: Array(whole.utf8), kind: kind, prefix: Int64(count)) == expected, "\(count)")
        }
        #expect(try hasher.hash(path: Array(whole.utf8), kind: kind, prefix: Int64(bytes.count + 1)) == nil)
        // The whole file's hash, after prefixes: the buffer is used again as it was.
        #expect(try hasher.hash(path: whole, kind: kind).hash == ContentHash.of(path: whole, kind: kind).hash)
    }

    /// The hashes a ledger stores must never change: a state's ledger would no longer know its
    /// inputs. Pinned for each kind, at the block edges (a whole block, one byte over; an
    /// empty file has no block, and the same hash in both kinds).
    @Test("each kind's values are pinned; the two kinds differ", arguments: [
        (0, ContentHashKind.fingerprint, "09b19e802c149e5505064f4c11b236f3"), (0, .lanes, "09b19e802c149e5505064f4c11b236f3"),
        (1 << 20, .fingerprint, "499952c09513ef39d4f650076ca39559"), (1 << 20, .lanes, "1610b4dfb960e2de1af26e8df762f579"),
        ((1 << 20) + 1, .fingerprint, "6236aa3f3e8d4e26cd583add3eab2f01"), ((1 << 20) + 1, .lanes, "b3ecb3fd05e40ec681cdb6f3e3ebfa79"),
    ] as [(Int, ContentHashKind, String)])
    func pinned(count: Int, kind: ContentHashKind, expected: String) throws {
        let path = (F.folder() as NSString).appendingPathComponent("pinned")
        try F.write(Data(F.chunk(7, count: count)), to: path)
        let hash = try ContentHash.of(path: path, kind: kind).hash
        #expect(hash == expected)
        // The same from the definition: each 1 MiB block in order into one builder, as its
        // bytes (`fingerprint`) or as its two lanes hashes under the two seeds (`lanes`).
        let bytes = F.chunk(7, count: count)
        var builder = Fingerprint.Builder()
        for start in stride(from: 0, to: count, by: 1 << 20) {
            bytes[start..<min(count, start + (1 << 20))].withUnsafeBytes { block in
                switch kind {
                case .fingerprint:
                    builder.add(block)
                case .lanes:
                    builder.add(Int64(bitPattern: Hash64.hashInLanes(block, seed: 0xC0A7_E47B_10C5_0001)))
                    builder.add(Int64(bitPattern: Hash64.hashInLanes(block, seed: 0xC0A7_E47B_10C5_0002)))
                }
            }
        }
        #expect(hash == ContentHash.hex(builder.fingerprint))
        let other: ContentHashKind = kind == .lanes ? .fingerprint : .lanes
        #expect(try ContentHash.of(path: path, kind: other).hash != hash || count == 0)
    }

    @Test("the modification time in ms, and an empty file")
    func modifiedAndEmpty() throws {
        let path = (F.folder() as NSString).appendingPathComponent("empty")
        try F.write(Data(), to: path)
        let when = Date(timeIntervalSince1970: 1_700_000_000.25)
        try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: path)
        let result = try ContentHash.of(path: path, kind: .current)
        #expect(result.size == 0)
        #expect(result.modifiedMillis == 1_700_000_000_250)
        #expect(result.hash.count == 32)
    }

    @Test("a missing file: the path and the system's reason")
    func missing() throws {
        let path = (F.folder() as NSString).appendingPathComponent("gone.gz")
        #expect(throws: StateError.sqlite(path: path, operation: "open", message: "No such file or directory")) {
            try ContentHash.of(path: path, kind: .current)
        }
    }
}
