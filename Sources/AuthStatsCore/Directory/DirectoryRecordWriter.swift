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
    /// Records not handed over yet (`FramedRecords`).
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
    /// (`FramedRecords.append` takes `batch` through one access: each use of a class's property
    /// is an exclusivity check at run time, six a record were ~200 instructions of each user.)
    func append(_ encode: (inout [UInt8]) -> Void) {
        if FramedRecords.append(to: &batch, encode) >= Self.batchBytes { handOver() }
    }

    /// Hands over records framed as `FramedRecords` frames them, numbered 1, 2, … by the
    /// thread that encoded them (`CSVLayout.parse`): in the log they are numbered on from
    /// `base`. The buffer goes back to `buffers` once they are in.
    func append(framed records: ReusedBytes, numberedFrom base: UInt64, then buffers: ReusedBytes.Pool) {
        handOver()
        onQueue { log in
            log.appendFramed(records.bytes, numberedFrom: base)
            buffers.give(records)
        }
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
        onQueue { $0.appendFramed(records, numberedFrom: nil) }
    }

    /// Runs `body` on the log on the writer's queue, once fewer than four batches are on
    /// their way (the loading waits for the writer rather than hold the file in memory).
    private func onQueue(_ body: @escaping @Sendable (inout SortedRecordLog) -> Void) {
        inFlight.wait()
        queue.async { [self] in
            defer { inFlight.signal() }
            body(&log)
        }
    }
}

extension SortedRecordLog {
    /// The framed directory records of a batch appended, spilling when full (through one
    /// access to the log, as `DirectoryRecordWriter.append`). With `base`, the records, numbered
    /// 1, 2, … in the batch, are numbered on from it (`DirectoryRecord`'s sequence).
    mutating func appendFramed(_ records: [UInt8], numberedFrom base: UInt64?) {
        var sequence = base ?? 0
        records.withUnsafeBytes { raw in
            FramedRecords.forEach(in: raw) { record in
                sequence += 1
                if base != nil {
                    append { out in
                        out.appendInPlace(record.count) { space in
                            space.copyMemory(from: record)
                            space.storeBytes(of: (~sequence).bigEndian, toByteOffset: 8, as: UInt64.self)
                        }
                    }
                } else {
                    append { $0.appendBytes(record) }
                }
                if isFull { spill() }
            }
        }
    }
}
