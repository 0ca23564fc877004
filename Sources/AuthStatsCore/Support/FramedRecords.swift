/// Records laid one after another in memory, each after its length (4 bytes, little-endian):
/// how a batch of records goes from one thread to another (a user's profile observations, a
/// block of directory records, the member exports' merged rows).
enum FramedRecords {
    /// Appends the record that `encode` appends to `out` (and nothing else), after its length;
    /// returns `out`'s size.
    @inline(__always) @discardableResult
    static func append(to out: inout [UInt8], _ encode: (inout [UInt8]) -> Void) -> Int {
        let start = out.count
        out.appendInPlace(4) { $0.storeBytes(of: 0, as: UInt32.self) }
        encode(&out)
        let length = UInt32(out.count - start - 4)
        out.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self) }
        return out.count
    }

    /// Appends `record` after its length.
    @inline(__always)
    static func append(_ record: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.appendInPlace(4) { $0.storeBytes(of: UInt32(record.count).littleEndian, as: UInt32.self) }
        out.appendBytes(record)
    }

    /// Calls `body` with each record of `raw`, in order.
    @inline(__always)
    static func forEach(in raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var offset = 0
        while offset + 4 <= raw.count {
            let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            try body(UnsafeRawBufferPointer(rebasing: raw[offset + 4..<offset + 4 + length]))
            offset += 4 + length
        }
    }
}
