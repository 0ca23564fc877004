import Foundation
import Testing

@testable import AuthStatsCore

/// `RunReader`, the one reader of runs of fixed-size entries (the dedup log's and the
/// activity tables'), against the entries as written.
@Suite("Runs of fixed-size entries read back")
struct RunReaderTests {
    /// Entries of `size` bytes: entry `i` holds `i` in its first 4 bytes, its other bytes `i & 0xFF`.
    static func entries(_ count: Int, size: Int) -> [[UInt8]] {
        (0..<count).map { i in
            var entry = [UInt8](repeating: UInt8(i & 0xFF), count: size)
            withUnsafeBytes(of: UInt32(i).littleEndian) { entry.replaceSubrange(0..<4, with: $0) }
            return entry
        }
    }

    static func readAll(_ reader: inout RunReader) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let p = reader.position {
            out.append(Array(reader.bytes[p..<p + reader.entryBytes]))
            reader.advance()
        }
        return out
    }

    static func written(_ entries: [[UInt8]], to store: any SpillStore, blockEntries: Int) throws -> SpilledRun {
        var writer = try RunWriter(store: store, entryBytes: entries.first?.count ?? 8, blockEntries: blockEntries)
        for entry in entries {
            try writer.add { raw, offset in
                entry.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[offset..<offset + entry.count]).copyMemory(from: $0) }
            }
        }
        return try writer.finish()
    }

    @Test("a run comes back entry for entry, whatever the block sizes on either side", arguments: [
        (0, 5, 3), (1, 5, 3), (7, 3, 7), (100, 16, 7), (1000, 64, 256), (1024, 1024, 1024),
    ])
    func wholeRun(count: Int, writeBlock: Int, readBlock: Int) throws {
        let store = MemorySpillStore()
        let entries = Self.entries(count, size: 24)
        let run = try Self.written(entries, to: store, blockEntries: writeBlock)
        #expect(run.count == count)
        var reader = RunReader(run: run, entryBytes: 24, blockEntries: readBlock)
        #expect(Self.readAll(&reader) == entries)
        // At the end it stays there.
        reader.advance()
        #expect(reader.position == nil)
    }

    @Test("entries in memory come in the order given")
    func memory() {
        let entries = Self.entries(50, size: 48)
        let order = (0..<50).map { UInt32(($0 * 17) % 50) }
        var reader = RunReader(memory: entries.flatMap { $0 }, order: order, entryBytes: 48)
        #expect(Self.readAll(&reader) == order.map { entries[Int($0)] })
        var empty = RunReader(memory: [], order: [], entryBytes: 48)
        #expect(Self.readAll(&empty).isEmpty)
    }

    @Test("a run cut short ends after its whole entries, and the store is told", arguments: [
        // (bytes kept, entries read back, the entry where the read came short)
        (10 * 24 + 5, 10, 0),  // inside the first block, in the middle of an entry
        (0, 0, 0),  // nothing at all
        (16 * 24, 16, 16),  // at a block's end: the next block reads nothing
        (33 * 24, 33, 32),  // in a later block, at an entry's end
    ])
    func cutShort(keep: Int, entriesRead: Int, shortAt: Int) throws {
        let store = ScriptedSpillStore.cut(after: keep)
        let entries = Self.entries(40, size: 24)
        let run = try Self.written(entries, to: store, blockEntries: 8)
        var reader = RunReader(run: run, entryBytes: 24, blockEntries: 16)
        #expect(Self.readAll(&reader) == Array(entries[0..<entriesRead]))
        #expect(store.failures.count == 1)
        #expect(store.failures.first?.contains("at entry \(shortAt) of 40") == true)
    }

    @Test("past the end, a reader stays there (a run over several whole blocks, and memory)")
    func pastTheEnd() throws {
        let store = MemorySpillStore()
        let entries = Self.entries(64, size: 48)
        var reader = RunReader(run: try Self.written(entries, to: store, blockEntries: 16), entryBytes: 48, blockEntries: 16)
        #expect(Self.readAll(&reader) == entries)
        var memory = RunReader(memory: entries[0..<3].flatMap { $0 }, order: [2, 0, 1], entryBytes: 48)
        #expect(Self.readAll(&memory) == [entries[2], entries[0], entries[1]])
        for _ in 0..<3 {
            reader.advance()
            memory.advance()
        }
        #expect(reader.position == nil && memory.position == nil)
    }
}
