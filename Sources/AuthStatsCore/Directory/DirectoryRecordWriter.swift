import Dispatch

/// The user records of a `UserDirectory` appended, sorted and spilled on a thread of their
/// own while the loading thread reads the file on.
///
/// The run reads no input before the directory is loaded (every event's `user_type` comes
/// from it), and for a million users the loading took about 0.75 s on one core of two; what
/// every event asks of it, the `UserTypeTable`, is about half of that. The rest, appending
/// the records to the sorted log, sorting each run and writing it to the spill store (about
/// 0.3 s), is only needed by the segment pass at the end: here it runs beside the parsing,
/// and what is left of it beside the reading. The log is the same as the loading thread
/// would have built (the same records, appended in the same order, spilled at the same
/// points), so the users streamed back are the same.
///
/// The loading thread encodes each record into a batch (`append`); a full batch, and the
/// end of each file (`endOfFile`), is handed to a serial queue. `settled()` waits for the
/// queue and gives the log. Copies of the directory share the writer (as they share the
/// spilled runs); only the loading thread appends, before any copy is made.
final class DirectoryRecordWriter: @unchecked Sendable {
    // Unchecked: `log` is touched only on `queue` (and read through `queue.sync`); `batch`
    // only by the loading thread.
    private var log: SortedRecordLog
    private let queue = DispatchQueue(label: "authstats.directory")
    /// Records not handed over yet: `[UInt32 length][record]…`.
    private var batch: [UInt8] = []
    /// Bytes of records handed to the queue at a time.
    static let batchBytes = 1 << 20
    /// Batches handed over and not yet in the log, at most: the loading waits for the writer
    /// rather than hold the file in memory.
    private let inFlight = DispatchSemaphore(value: 4)

    init(memoryBudget: Int, store: (any SpillStore)?) {
        log = SortedRecordLog(memoryBudget: memoryBudget, store: store)
        batch.reserveCapacity(Self.batchBytes + 4096)
    }

    /// Adds one record, which `encode` appends to the array it is given (and nothing else).
    func append(_ encode: (inout [UInt8]) -> Void) {
        if Self.append(encode, to: &batch) >= Self.batchBytes { handOver() }
    }

    /// `append`'s work through one access to `batch` (each use of a class's property is an
    /// exclusivity check at run time: six a record were ~200 instructions of each user).
    private static func append(_ encode: (inout [UInt8]) -> Void, to batch: inout [UInt8]) -> Int {
        let start = batch.count
        batch.append(contentsOf: [0, 0, 0, 0])
        encode(&batch)
        let length = UInt32(batch.count - start - 4)
        batch.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self) }
        return batch.count
    }

    /// The end of a directory file: what is left goes over, and once the log has spilled it
    /// spills the rest and gives its room back (`SortedRecordLog.spillAndRelease`), as the
    /// loading thread did.
    func endOfFile() {
        handOver()
        queue.async { [self] in
            if log.spilledRuns > 0 { log.spillAndRelease() }
        }
    }

    /// The log once every record handed over is in it.
    func settled() -> SortedRecordLog {
        handOver()
        return queue.sync { log }
    }

    private func handOver() {
        guard !batch.isEmpty else { return }
        let records = batch
        batch.removeAll(keepingCapacity: true)
        inFlight.wait()
        queue.async { [self] in
            defer { inFlight.signal() }
            Self.take(records, into: &log)
        }
    }

    /// The framed `records` of a batch appended to `log`, spilling it when full (through one
    /// access to `log`, as `append`).
    private static func take(_ records: [UInt8], into log: inout SortedRecordLog) {
        records.withUnsafeBytes { raw in
            var offset = 0
            while offset + 4 <= raw.count {
                let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                let record = UnsafeRawBufferPointer(rebasing: raw[offset + 4..<offset + 4 + length])
                _ = log.append { $0.appendBytes(record) }
                if log.isFull { log.spill() }
                offset += 4 + length
            }
        }
    }
}
