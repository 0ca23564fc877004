/// Input positions across the batches of a nightly state (`InputReport.position`): a batch's
/// inputs must all come after every input the state holds, so that the copy of a duplicate
/// kept is the earlier batch's (`docs/state.md` "How").
///
/// A position is `first + (file << 24 | stream)`. With `first = batch << 44`, a batch of 2^20
/// files or more (a first run over years of exports, or a shard of a large plan whose indexes
/// come from the whole listing) reaches into the next batch's positions: a later copy would
/// then win and be written as kept beside the earlier one, and every later batch would take
/// its counts back again. So a state also remembers where its positions end (`next`), and a
/// batch starts after both.
public enum StatePositions {
    /// The first position of batch `batch` of a state whose positions end before `held`.
    public static func first(batch: Int, held: UInt64) -> UInt64 { max(UInt64(batch) << 44, held) }

    /// Where the positions end once `inputs` are in (each file takes 2^24 positions).
    public static func next(after inputs: [InputReport], held: UInt64) -> UInt64 {
        inputs.reduce(held) { max($0, ($1.position >> 24 + 1) << 24) }
    }

    /// Calls `body` with `raw`, its big-endian input position at `offset` (stored complemented
    /// when `complemented`, as the profile observations keep it) moved by `shift`: a merge of
    /// states whose positions were numbered apart (`PositionSpaces`). The order of one state's
    /// records is kept. With `shift` 0, `raw` itself; else a copy in `scratch` (reused).
    @inline(__always)
    static func moving(
        _ raw: UnsafeRawBufferPointer, at offset: Int, complemented: Bool = false, by shift: UInt64, scratch: inout [UInt8],
        _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        guard shift != 0 else { return body(raw) }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: raw)
        scratch.withUnsafeMutableBytes { record in
            let stored = UInt64(bigEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let moved = (complemented ? ~stored : stored) &+ shift
            record.storeBytes(of: (complemented ? ~moved : moved).bigEndian, toByteOffset: offset, as: UInt64.self)
            body(UnsafeRawBufferPointer(record))
        }
    }
}
