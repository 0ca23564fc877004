@testable import AuthStatsCore
import Testing

/// `ChunkCheck` (`docs/state.md` "Tables"): the chunks of a state made before schema version 3
/// keep `Hash64.hash`; the chunks written since, and any state written whole, take
/// `Hash64.hashInLanes`, whose four chains are compared here with the same rule written
/// plainly, a 16-byte step at a time over arrays.
@Suite struct ChunkCheckTests {
    static let k0: UInt64 = 0xA076_1D64_78BD_642F
    static let k1: UInt64 = 0xE703_7ED1_A0B4_28DB

    static func mum(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: y)
        return product.high ^ product.low
    }

    /// The little-endian word of the 8 bytes at `at`, zero past the end.
    static func word(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { word, i in at + i < bytes.count ? word | UInt64(bytes[at + i]) << (8 * i) : word }
    }

    /// The rule: lane `l` takes bytes `64b + 16l ..< 64b + 16l + 16` of each whole block `b`;
    /// the lanes are folded into one, which takes the rest 16 bytes at a time (the last ones
    /// zero-padded), then the final mix.
    static func byTheRule(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        let start = seed ^ Hash64.prime1 ^ UInt64(bytes.count) &* Hash64.prime2
        var lanes = [start, start ^ Hash64.prime1, start ^ Hash64.prime2, start ^ Hash64.prime1 ^ Hash64.prime2]
        let blocks = bytes.count / 64
        for block in 0..<blocks {
            for lane in 0..<4 {
                let at = block * 64 + lane * 16
                lanes[lane] ^= mum(lanes[lane] ^ word(bytes, at) ^ k0, word(bytes, at + 8) ^ k1)
            }
        }
        var h = mum(lanes[0] ^ k0, lanes[1] ^ k1) ^ mum(lanes[2] ^ Hash64.prime1, lanes[3] ^ Hash64.prime2)
        var at = blocks * 64
        while at < bytes.count {
            h ^= mum(h ^ word(bytes, at) ^ k0, word(bytes, at + 8) ^ k1)
            at += 16
        }
        return Hash64.finalMix(h)
    }

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SystemRandomNumberGeneratorStandIn(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    @Test("hashInLanes follows its rule at every length from 0 to 300 bytes, at 1 MiB, and at several seeds")
    func theRule() {
        for seed: UInt64 in [0, 1, ChunkCheck.seed, .max] {
            for count in Array(0...300) + [1 << 20, (1 << 20) + 37] {
                let input = Self.bytes(count, seed: UInt64(count) &+ seed)
                let lanes = input.withUnsafeBytes { Hash64.hashInLanes($0, seed: seed) }
                #expect(lanes == Self.byTheRule(input, seed: seed), "\(count) bytes, seed \(seed)")
            }
        }
    }

    /// The values states on disk hold: a change to either hash, or to what they share, makes
    /// every state written before it damaged. Bytes `i * 31 + 7`.
    @Test(
        "both checks keep the values they have always had",
        arguments: [
            (0, 0x609B_5C38_0BB6_043D, 0xED28_F1C7_D2AB_D99F), (15, 0x33F3_B2FD_6A3F_5173, 0xDB74_5E6A_236B_03FE),
            (64, 0x6397_6629_D8BC_3150, 0x6912_74E5_3A2B_EB50), (100, 0xBB1D_DD0D_893C_B723, 0xF1C9_70F8_8202_CCF8),
            (1 << 20, 0x9A29_89FF_E88D_C13F, 0x8E7D_F36B_5F36_50D6),
        ] as [(Int, UInt64, UInt64)])
    func pinned(count: Int, serial: UInt64, lanes: UInt64) {
        let input = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(input.withUnsafeBytes { ChunkCheck.serial.of($0) } == serial)
        #expect(input.withUnsafeBytes { ChunkCheck.lanes.of($0) } == lanes)
    }

    @Test("every bit flipped, one at a time, changes the check (whole blocks, and a tail after them); so does a byte more or less", arguments: [1024, 1024 + 37])
    func everyFlip(count: Int) {
        let input = Self.bytes(count, seed: 7)
        let check = input.withUnsafeBytes { ChunkCheck.lanes.of($0) }
        var flipped = input
        for bit in 0..<(input.count * 8) {
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(flipped.withUnsafeBytes { ChunkCheck.lanes.of($0) } != check, "bit \(bit)")
            flipped[bit / 8] ^= 1 << (bit % 8)
        }
        #expect((input + [0]).withUnsafeBytes { ChunkCheck.lanes.of($0) } != check)
        #expect(input.dropLast().withUnsafeBytes { ChunkCheck.lanes.of($0) } != check)
    }

    /// Records of 1 to 200 bytes, written through a writer with small chunks into `state`.
    static func write(_ state: MemoryStateChunks) throws -> [[UInt8]] {
        var writer = try StateStreamWriter(state, name: "x", scope: "", chunkBytes: 4096)
        var records: [[UInt8]] = []
        for i in 0..<200 {
            let record = Self.bytes(1 + i, seed: UInt64(i))
            try writer.add(record)
            records.append(record)
        }
        try writer.finish()
        return records
    }

    static func read(_ state: MemoryStateChunks) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        try StateStreamReader.forEach(state, name: "x", scope: "") { records.append(Array($0)) }
        return records
    }

    /// Each chunk's first 8 bytes, and the check of the rest by `check`.
    static func checks(_ state: MemoryStateChunks, by check: ChunkCheck) throws -> [(stored: UInt64, computed: UInt64)] {
        var checks: [(UInt64, UInt64)] = []
        try state.forEachChunk(name: "x", scope: "") { chunk in
            chunk.withUnsafeBytes { raw in
                checks.append((UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)), check.of(UnsafeRawBufferPointer(rebasing: raw[8...]))))
            }
        }
        return checks
    }

    @Test("a state of serial checks (made before schema version 3) is written and read with them; its chunks fail the lanes' check")
    func serialState() throws {
        let state = MemoryStateChunks(check: .serial)
        let records = try Self.write(state)
        #expect(try Self.read(state) == records)
        let serial = try Self.checks(state, by: .serial)
        #expect(serial.count > 3)
        #expect(serial.allSatisfy { $0.stored == $0.computed })
        #expect(try Self.checks(state, by: .lanes).allSatisfy { $0.stored != $0.computed })

        // The same chunks where the lanes' check is expected: damaged.
        let lanes = MemoryStateChunks(check: .lanes)
        var seq = 0
        try state.forEachChunk(name: "x", scope: "") { chunk in
            try lanes.appendChunk(name: "x", scope: "", seq: seq, chunk)
            seq += 1
        }
        let error = #expect(throws: StateFormatError.self) { try Self.read(lanes) }
        #expect(error?.description == "the state's data is damaged: chunk 1 of x fails its checksum")
    }

    @Test("written whole (removeAllChunks), a state of serial checks takes the lanes' check")
    func wholeWriteMovesOn() throws {
        let state = MemoryStateChunks(check: .serial)
        _ = try Self.write(state)
        try state.removeAllChunks()
        #expect(state.chunkCheck == .lanes)
        let records = try Self.write(state)
        #expect(try Self.read(state) == records)
        #expect(try Self.checks(state, by: .lanes).allSatisfy { $0.stored == $0.computed })
    }
}
