/// A run of a `SpillStore` written in the order its items arrive, a block at a time: how a
/// nightly state's sorted streams are read back without a second sort
/// (`SortedRecordLog.appendInOrder`, `DuplicateFilter.insertInOrder`, `docs/state.md` "One
/// external sort"). The caller sees that each item sorts at or after the one before, and starts
/// a new run where the order breaks; past `maxRuns` of them a stream is not as sorted as
/// expected (a state written by an older authstats) and its items are logged as any.
///
/// A failed write ends the run with the items written before: the run is read no further
/// (a write that failed, on a full disk, may have left part of its block in the store), and
/// the block is handed back, for the caller to keep in memory. Nothing is lost or read twice.
struct InOrderRun {
    static let maxRuns = 64

    let store: any SpillStore
    let id: Int
    /// Items in the store, and the block not yet written.
    private(set) var written = 0
    private(set) var block: [UInt8] = []
    private var blockItems = 0

    init(store: any SpillStore, blockBytes: Int) throws {
        self.store = store
        id = try store.write([])
        block.reserveCapacity(blockBytes)
    }

    /// Adds one item, which `encode` appends to the block; returns the block's bytes (the
    /// caller flushes past its block size). Called in place (`run!.add`), so that no item
    /// copies the run: a copy retains its store and block, which cost a tenth of a merge's CPU.
    @inline(__always)
    mutating func add(_ encode: (inout [UInt8]) -> Void) -> Int {
        encode(&block)
        blockItems += 1
        return block.count
    }

    /// Writes the block. On failure, returns the error and the block's bytes, and the run
    /// ends at `written` (`run`).
    mutating func flush() -> (error: any Error, unwritten: [UInt8])? {
        guard !block.isEmpty else { return nil }
        do {
            try store.append(run: id, block)
            written += blockItems
            block.removeAll(keepingCapacity: true)
            blockItems = 0
            return nil
        } catch {
            let unwritten = block
            block = []
            blockItems = 0
            return (error, unwritten)
        }
    }

    /// The run as written (its reader stops after `written` items).
    var run: SpilledRun { SpilledRun(store: store, id: id, count: written) }
}
