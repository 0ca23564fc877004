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
}
