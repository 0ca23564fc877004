import Foundation
import Testing

@testable import AuthStatsCore
@testable import AuthStatsIngest

@Suite("Spilled runs in temporary files")
struct TemporarySpillStoreTests {
    /// Run `id`'s bytes: a pattern that differs by run and by position.
    static func pattern(run: Int, count: Int, from start: Int = 0) -> [UInt8] {
        (start..<start + count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ run &* 7) }
    }

    @Test("many runs written in turns read back whole, past the limit of open files")
    func manyRuns() throws {
        let store = TemporarySpillStore()
        let runs = TemporarySpillStore.maxOpen * 2 + 3
        var ids: [Int] = []
        for run in 0..<runs { ids.append(try store.write(Self.pattern(run: run, count: 10))) }
        #expect(store.openDescriptors <= TemporarySpillStore.maxOpen)
        // Appends in turns, as two workers' spills and a merge's reads would interleave.
        for round in 0..<3 {
            for (run, id) in ids.enumerated() {
                try store.append(run: id, Self.pattern(run: run, count: 1000, from: 10 + round * 1000))
            }
        }
        #expect(store.openDescriptors <= TemporarySpillStore.maxOpen)
        for (run, id) in ids.enumerated().reversed() {
            #expect(try store.read(run: id, offset: 0, count: 3010) == Self.pattern(run: run, count: 3010))
            #expect(try store.read(run: id, offset: 1234, count: 100) == Self.pattern(run: run, count: 100, from: 1234))
            // Past the end: what is there, then nothing.
            #expect(try store.read(run: id, offset: 3000, count: 100) == Self.pattern(run: run, count: 10, from: 3000))
            #expect(try store.read(run: id, offset: 5000, count: 100) == [])
            // Straight into a buffer (the merge's readers): the same bytes, the count read.
            var buffer = [UInt8](repeating: 0, count: 100)
            #expect(try buffer.withUnsafeMutableBytes { try store.read(run: id, offset: 1234, into: $0) } == 100)
            #expect(buffer == Self.pattern(run: run, count: 100, from: 1234))
            #expect(try buffer.withUnsafeMutableBytes { try store.read(run: id, offset: 3000, into: $0) } == 10)
            #expect(Array(buffer[..<10]) == Self.pattern(run: run, count: 10, from: 3000))
            #expect(try buffer.withUnsafeMutableBytes { try store.read(run: id, offset: 5000, into: $0) } == 0)
        }
        // A removed run cannot be read into a buffer either: an error, not zero bytes.
        store.remove(run: ids[0])
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(throws: (any Error).self) { try buffer.withUnsafeMutableBytes { try store.read(run: ids[0], offset: 0, into: $0) } }
    }

    @Test("removed runs and the folder are gone")
    func cleanup() throws {
        var folder: String?
        do {
            let store = TemporarySpillStore()
            let a = try store.write([1, 2, 3])
            let b = try store.write([])
            try store.append(run: b, [4])
            store.remove(run: a)
            #expect(store.openDescriptors == 1)
            #expect(throws: TemporarySpillStore.Failure.self) { try store.read(run: a, offset: 0, count: 3) }
            #expect(try store.read(run: b, offset: 0, count: 8) == [4])
            let path = try #require(store.folderPath)
            #expect(FileManager.default.fileExists(atPath: path))
            folder = path
        }
        #expect(!FileManager.default.fileExists(atPath: try #require(folder)))
    }

    @Test("a temporary folder that cannot be written is a clear error")
    func unwritable() throws {
        let store = TemporarySpillStore(parent: URL(fileURLWithPath: "/nonexistent-authstats-folder"))
        #expect {
            _ = try store.write([1])
        } throws: { error in
            "\(error)".contains("/nonexistent-authstats-folder is not a writable folder; set TMPDIR to one")
        }
    }
}
