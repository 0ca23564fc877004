@testable import AuthStatsCore
import Testing

/// `Varint.get` reads a word at a time where it can; `getByBytes` is the rule it must follow,
/// byte for byte: the same value, the same position after it, nil in the same cases.
@Suite struct VarintTests {
    /// Both readers over `bytes` from `start`, until either ends.
    static func expectSame(_ bytes: [UInt8], from start: Int = 0, _ label: String) {
        bytes.withUnsafeBytes { raw in
            var fast = start
            var slow = start
            while slow < raw.count {
                let a = Varint.get(raw, &fast)
                let b = Varint.getByBytes(raw, &slow)
                #expect(a == b && fast == slow, "\(label): at \(slow), \(String(describing: a)) vs \(String(describing: b))")
                if a != b || fast != slow || b == nil { return }
            }
        }
    }

    @Test("every length from 1 to 10 bytes, with 0 to 12 bytes after it, and every cut")
    func everyLength() {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, UInt64.max, UInt64.max - 1, 1 << 63, 1 << 56, (1 << 56) - 1]
        var random = SystemRandomNumberGeneratorStandIn(seed: 11)
        for bits in 1...64 {
            for _ in 0..<8 { values.append(random.next() >> (64 - bits)) }
        }
        for value in values {
            var encoded: [UInt8] = []
            Varint.put(value, &encoded)
            for after in 0...12 {
                let bytes = encoded + [UInt8](repeating: 0x81, count: after / 2) + [UInt8](repeating: 0x05, count: after - after / 2)
                Self.expectSame(bytes, "\(value) + \(after)")
                Self.expectSame([0x11, 0x22] + bytes, from: 2, "\(value) + \(after), at 2")
                bytes.withUnsafeBytes { raw in
                    var at = 0
                    #expect(Varint.get(raw, &at) == value && at == encoded.count, "\(value) + \(after)")
                }
            }
            for cut in 0..<encoded.count { Self.expectSame(Array(encoded.prefix(cut)), "\(value) cut at \(cut)") }
        }
    }

    @Test("longer than 64 bits: nil, as a byte at a time reads it, however many bytes follow")
    func tooLong() {
        for count in 10...16 {
            for last: UInt8 in [0x00, 0x01, 0x7F, 0x80] {
                let bytes = [UInt8](repeating: 0xFF, count: count - 1) + [last] + [UInt8](repeating: 0, count: 8)
                Self.expectSame(bytes, "\(count) bytes ending \(last)")
            }
        }
        // Ten bytes whose last carries more than the 64th bit: both keep its lowest bit only.
        let wide = [UInt8](repeating: 0x80, count: 9) + [0x7F] + [UInt8](repeating: 0, count: 6)
        Self.expectSame(wide, "a wide tenth byte")
    }

    @Test("Varint.size is the length put writes, at every 7-bit boundary")
    func sizes() {
        var values: [UInt64] = [0, UInt64.max]
        for bits in stride(from: 7, through: 63, by: 7) { values += [(1 << UInt64(bits)) - 1, 1 << UInt64(bits)] }
        for value in values {
            var encoded: [UInt8] = []
            Varint.put(value, &encoded)
            #expect(Varint.size(value) == encoded.count, "\(value)")
        }
    }

    @Test("StateStreamWriter writes the format's bytes: frames cut into checked chunks, a frame larger than a chunk alone")
    func writerChunks() throws {
        var random = SystemRandomNumberGeneratorStandIn(seed: 5)
        let chunkBytes = 64
        let sink = MemoryStateChunks()
        var writer = try StateStreamWriter(sink, name: "s", scope: "", chunkBytes: chunkBytes)
        // The format, as `StateStreamWriter` documents it, built here a byte at a time.
        var expected: [[UInt8]] = []
        var chunk: [UInt8] = []
        func frame(_ bytes: [UInt8]) {
            if 8 + chunk.count + 10 + bytes.count > chunkBytes && !chunk.isEmpty { close() }
            Varint.put(UInt64(bytes.count), &chunk)
            chunk += bytes
        }
        func close() {
            let check = chunk.withUnsafeBytes { ChunkCheck.current.of($0) }
            expected.append(withUnsafeBytes(of: check.littleEndian) { Array($0) } + chunk)
            chunk = []
        }
        for i in 0..<400 {
            if i % 3 == 0 {
                let words: [UInt64] = [random.next() >> (random.next() % 64), UInt64(i), random.next() % 300]
                try writer.add(words: [words[0], words[1], words[2]])
                var bytes: [UInt8] = []
                for word in words { Varint.put(word, &bytes) }
                frame(bytes)
            } else {
                // 0 to 300 bytes: many larger than a chunk.
                let bytes = (0..<Int(random.next() % 301)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                try writer.add(bytes)
                frame(bytes)
            }
        }
        try writer.finish()
        if !chunk.isEmpty { close() }
        var written: [[UInt8]] = []
        try sink.forEachChunk(name: "s", scope: "") { written.append($0) }
        #expect(written.count == expected.count && written == expected)
        #expect(writer.records == 400)
    }
}
