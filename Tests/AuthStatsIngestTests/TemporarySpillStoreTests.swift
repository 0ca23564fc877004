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

    /// As the end phase uses it, on threads of their own started together (not a pool's,
    /// which this machine's two cores would cap at two): four threads each read their share
    /// of the runs to the end and remove them, while two more read every run twice (each
    /// past the limit of open files, so descriptors are closed and opened again outside the
    /// lock, by several threads at once for one run) and a last one writes new runs.
    @Test("threads read, write and remove runs at once, each run whole and each removed one gone")
    func concurrent() throws {
        let store = TemporarySpillStore()
        let runs = TemporarySpillStore.maxOpen * 3
        let size = 20_000
        let ids = try (0..<runs).map { try store.write(Self.pattern(run: $0, count: size)) }
        let shared = try (0..<runs).map { try store.write(Self.pattern(run: 1000 + $0, count: 500)) }
        let tally = Tally()
        @Sendable func readAll(_ id: Int, count: Int, block: Int) -> [UInt8] {
            var read: [UInt8] = []
            while read.count < count {
                let part = (try? store.read(run: id, offset: read.count, count: block)) ?? []
                if part.isEmpty { break }
                read += part
            }
            return read
        }
        let jobs: [@Sendable () -> Void] =
            (0..<4).map { thread in
                { @Sendable in
                    for run in stride(from: thread, to: runs, by: 4) {
                        if readAll(ids[run], count: size, block: 4096) != Self.pattern(run: run, count: size) {
                            tally.mismatch()
                        }
                        store.remove(run: ids[run])
                    }
                }
            }
            + (0..<2).map { _ in
                { @Sendable in
                    for _ in 0..<2 {
                        for (run, id) in shared.enumerated()
                        where readAll(id, count: 500, block: 100) != Self.pattern(run: 1000 + run, count: 500) {
                            tally.mismatch()
                        }
                    }
                }
            }
            + [
                { @Sendable in
                    for run in 0..<runs {
                        if let id = try? store.write(Self.pattern(run: 2000 + run, count: 100)) { tally.wrote(id) }
                    }
                }
            ]
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for job in jobs {
            done.enter()
            Thread {
                start.wait()
                job()
                done.leave()
            }.start()
        }
        for _ in jobs { start.signal() }
        done.wait()
        #expect(tally.counts.mismatches == 0)
        for id in ids {
            #expect(throws: TemporarySpillStore.Failure.self) { try store.read(run: id, offset: 0, count: 1) }
        }
        let new = tally.counts.written
        #expect(new.count == runs)
        for (run, id) in new.enumerated() {
            #expect(try store.read(run: id, offset: 0, count: 100) == Self.pattern(run: 2000 + run, count: 100))
        }
        #expect(store.openDescriptors <= TemporarySpillStore.maxOpen)
        let files = try FileManager.default.contentsOfDirectory(atPath: try #require(store.folderPath))
        #expect(files.count == 2 * runs)
    }

    /// What the threads of `concurrent` saw.
    final class Tally: @unchecked Sendable {
        // Unchecked: both fields are only touched under `lock`.
        private let lock = NSLock()
        private var mismatches = 0
        private var written: [Int] = []
        func mismatch() { lock.withLock { mismatches += 1 } }
        func wrote(_ id: Int) { lock.withLock { written.append(id) } }
        var counts: (mismatches: Int, written: [Int]) { lock.withLock { (mismatches, written) } }
    }

    @Test("a removed run is not opened again: a late read is an error, and its file stays gone")
    func removedStaysRemoved() throws {
        let store = TemporarySpillStore()
        // Enough runs that the first one's descriptor is closed as idle before it is removed.
        let ids = try (0...TemporarySpillStore.maxOpen + 1).map { try store.write(Self.pattern(run: $0, count: 10)) }
        store.remove(run: ids[0])
        #expect(throws: TemporarySpillStore.Failure.self) { try store.read(run: ids[0], offset: 0, count: 10) }
        #expect(throws: TemporarySpillStore.Failure.self) { try store.append(run: ids[0], [1]) }
        let folder = try #require(store.folderPath)
        #expect(!FileManager.default.fileExists(atPath: folder + "/run-\(ids[0])"))
        #expect(try store.read(run: ids[1], offset: 0, count: 10) == Self.pattern(run: 1, count: 10))
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
