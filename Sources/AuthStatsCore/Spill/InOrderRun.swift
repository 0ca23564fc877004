/// A run of a `SpillStore` written in the order its items arrive, a block at a time, each item
/// in place through a pointer: how a `SortedRecordLog` writes a sorted spill, and how a
/// nightly state's sorted streams are read back without a second sort (`docs/state.md` "One
/// external sort"). Its owners (`InOrderRunOwner`, below: the session and profile logs, the
/// dedup filter, the activity tables) see that each item sorts at or after the one before,
/// and start a new run where the order breaks.
///
/// A failed write ends the run with the items written before: the run is read no further
/// (a write that failed, on a full disk, may have left part of its block in the store), and
/// the block is handed back, for the owner to keep in memory (a spill, whose records are all
/// still in memory, drops the run instead). Nothing is lost or read twice.
struct InOrderRun {
    static let maxRuns = 64

    let store: any SpillStore
    let id: Int
    /// Items in the store.
    private(set) var written = 0
    /// The block not yet written: its first `filled` bytes (a buffer of fixed size, written in
    /// place: `Array.append(contentsOf:)` of a few dozen bytes cost ~100 instructions a call,
    /// 8% of a night's).
    private var block: [UInt8]
    private var filled = 0
    private var blockItems = 0

    init(store: any SpillStore, blockBytes: Int) throws {
        self.store = store
        id = try store.write([])
        block = [UInt8](repeating: 0, count: blockBytes)
    }

    /// Adds one item of `count` bytes, which `write` stores in the buffer it is given (every
    /// byte of it: the block is reused); returns the block's bytes (the caller flushes past
    /// its block size). Called in place (`inOrder!.add`), so that no item copies the run: a copy
    /// retains its store and block, which cost a tenth of a merge's CPU.
    @inline(__always)
    mutating func add(count: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) -> Int {
        if filled + count > block.count { block.append(contentsOf: repeatElement(0, count: filled + count - block.count)) }
        let at = filled
        block.withUnsafeMutableBytes { write(UnsafeMutableRawBufferPointer(rebasing: $0[at..<at + count])) }
        filled += count
        blockItems += 1
        return filled
    }

    /// Writes the block. On failure, returns the error and the block's bytes, and the run
    /// ends at `written` (`run`).
    mutating func flush() -> (error: any Error, unwritten: [UInt8])? {
        guard filled > 0 else { return nil }
        // The block itself, cut to its filled bytes and grown back after (no copy of the
        // megabyte: `Array(block[..<filled])` was 1.5% of a night's instructions).
        let size = block.count
        block.removeSubrange(filled...)
        filled = 0
        defer {
            blockItems = 0
            block.append(contentsOf: repeatElement(0, count: size - block.count))
        }
        do {
            try store.append(run: id, block)
            written += blockItems
            return nil
        } catch {
            return (error, block)
        }
    }

    /// The run as written (its reader stops after `written` items).
    var run: SpilledRun { SpilledRun(store: store, id: id, count: written) }
}

/// A log or table that takes a sorted stream straight into runs of its store, as
/// `SortedRecordLog`, `DuplicateFilter` and `ActivityTable` take a nightly state's streams
/// back. The rules are written once, here: a new run where the owner says the order breaks
/// (a state's batches are each sorted on their own), none past `inOrderMaxRuns` (a state
/// written before this, or one appended to by more batches than that since it was last written
/// whole: the owner then keeps the rest in memory, and sorts it as any), and
/// the items of a block the store could not take are handed back to be kept in memory.
protocol InOrderRunOwner {
    var store: (any SpillStore)? { get }
    var runs: [SpilledRun] { get set }
    var spillFailure: String? { get set }
    /// The run being written, and the runs started so far.
    var inOrder: InOrderRun? { get set }
    var inOrderRuns: Int { get set }
    /// Bytes of an in-order run's block: it is written once it holds as many.
    static var inOrderBlockBytes: Int { get }
    /// Room past a full block for the item that fills it (for items of varying size, so
    /// that the block does not grow; 0 by default, for fixed-size entries that fill it
    /// exactly).
    static var inOrderSlack: Int { get }
    /// The runs an owner starts at most (`InOrderRun.maxRuns` by default).
    static var inOrderMaxRuns: Int { get }
    /// Keeps in memory the items of a block the store could not take, as they were encoded.
    mutating func keepUnwritten(_ block: [UInt8])
    /// Writes what the owner holds in memory to the store as sorted runs.
    mutating func spill()
}

extension InOrderRunOwner {
    static var inOrderSlack: Int { 0 }
    static var inOrderMaxRuns: Int { InOrderRun.maxRuns }

    /// Spills what is in memory when some of it already went to the store: a worker's last
    /// act, on its own thread (`Analysis.workerDone`), so that the merge of the workers joins
    /// runs instead of spilling and sorting in memory on one thread after both are done. An
    /// owner that never spilled keeps it in memory (a small run stays there).
    mutating func spillRestIfSpilled() {
        guard !runs.isEmpty, inOrder == nil else { return }
        spill()
    }

    /// Appends one item of `count` bytes (`write` stores them), in a new run when
    /// `breaksOrder` or none is open. Returns false when it is not taken (no store, spilling
    /// failed, or too many runs): the owner keeps it in memory.
    @inline(__always)
    mutating func appendInOrder(breaksOrder: Bool, count: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        if inOrder == nil || breaksOrder {
            endInOrder()
            guard let store, spillFailure == nil, inOrderRuns < Self.inOrderMaxRuns else { return false }
            inOrderRuns += 1
            do {
                inOrder = try InOrderRun(store: store, blockBytes: Self.inOrderBlockBytes + Self.inOrderSlack)
            } catch {
                spillFailure = "\(error)"
                return false
            }
        }
        // In place (`inOrder!.add`): a copy of the run per item retains its store and block.
        if inOrder!.add(count: count, write) >= Self.inOrderBlockBytes { flushInOrder() }
        return true
    }

    /// Closes the run being written, if any.
    mutating func endInOrder() {
        flushInOrder()
        if let run = inOrder { runs.append(run.run) }
        inOrder = nil
    }

    /// Writes the block of the run; if that fails, the run ends with the items written
    /// before, and the block's items are kept in memory instead (`InOrderRun.flush`).
    private mutating func flushInOrder() {
        guard let failure = inOrder?.flush() else { return }
        spillFailure = "\(failure.error)"
        runs.append(inOrder!.run)
        inOrder = nil
        keepUnwritten(failure.unwritten)
    }
}

