extension Array where Element == UInt8 {
    /// Appends `count` bytes that `write` stores in place: it gets the new bytes' memory,
    /// uninitialised, and must store every one of them.
    ///
    /// Why: `append(contentsOf:)` of a raw buffer goes through the generic sequence copy, ~100
    /// instructions for a 48-byte entry (a record's dedup entry and session event: callgrind,
    /// 40 small-record files); written in place through the array's own growth
    /// (`append(addingCapacity:)`, which grows it as `append` does), the same bytes need no
    /// stack copy and no element loop.
    @inline(__always)
    mutating func appendInPlace(_ count: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        append(addingCapacity: count) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                write(UnsafeMutableRawBufferPointer(start: buffer.baseAddress! + initialized, count: count))
                initialized += count
            }
        }
    }

    /// Appends the bytes of `raw` (copied at once: `append(contentsOf:)` of a raw buffer takes
    /// the generic sequence path, ~130 instructions a call for a directory record).
    @inline(__always)
    mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        appendInPlace(raw.count) { $0.baseAddress!.copyMemory(from: base, byteCount: raw.count) }
    }
}
