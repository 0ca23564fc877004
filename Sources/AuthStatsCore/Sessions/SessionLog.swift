/// The events of the session stage, sorted in bounded memory (a `SortedRecordLog` of
/// `SessionRecord`s): each user's events arrive together, whatever order the input had.
///
/// Disk: about 70 bytes per activity event (Pinpoint; less for the other exports).
public struct SessionLog: Sendable {
    /// 8 MiB, split among the workers (at least 1 MiB each: from 8 workers on, the total is
    /// more). The whole budget is reserved at once and its pages are touched as events arrive,
    /// so it bounds what 10× the events of the same users add to peak RSS (`make bench`'s
    /// memory check: at most +10%). It was 32 MiB, then 16 (2026-12-02: 10× the events +19.4%
    /// → +6.5%, then +6.4–14.1% over the `make bench` runs that followed), then 8 (2026-12-02,
    /// docs/performance.md "The session log's budget"): the memory set 70.4 → 77.4 MB (+9.9%)
    /// became 62.3 → 66.4 MB (+6.6%), the bench set's run 109 → 97 MB, one 1 GB `.gz` 73 → 63
    /// MB (alternated, medians of 5, 4 and 3), in about the same CPU time (callgrind over the
    /// 1 GB `.gz` with `--jobs 1`: +0.16%, the extra spills' merge; the bench set's CPU +1.9%,
    /// within this machine's noise). Not measured on machines of many cores. Beside the
    /// budget, a spill sorts its records' keys in about half as much again (`SortRoom`; kept
    /// between spills when it is large enough for a mapping of its own, so that its pages are
    /// not faulted in anew at each spill).
    public static let defaultBudget = 8 << 20

    /// Records in `SessionRecord`'s compact layout (counts only, no user names or texts): a
    /// log of a run that keeps no session rows (`Analysis.Configuration.sessionRows` off, as
    /// a state's `keepsSessionRows`; the layout's name, not a second switch).
    public let compact: Bool
    private var log: SortedRecordLog

    public init(memoryBudget: Int = SessionLog.defaultBudget, store: (any SpillStore)? = nil, compact: Bool = false) {
        log = SortedRecordLog(memoryBudget: memoryBudget, store: store)
        self.compact = compact
    }

    public var spilledRuns: Int { log.spilledRuns }
    public var spillFailure: String? { log.spillFailure }

    /// Appends the record of `event` (one that `SessionRecord.takesPart`), read from input
    /// `position`.
    mutating func append(_ event: Event, position: UInt64) {
        if compact {
            log.append { SessionRecord.encodeCompact(event, position: position, into: &$0) }
        } else {
            log.append { SessionRecord.encode(event, position: position, into: &$0) }
        }
        if log.isFull { log.spill() }
    }

    /// Appends a record as `append` encodes one (read back from a nightly state).
    mutating func appendRecord(_ bytes: UnsafeRawBufferPointer) {
        _ = log.append { $0.append(contentsOf: bytes) }
        if log.isFull { log.spill() }
    }

    /// Appends a record of a stream already in the log's order (a nightly state's), with no
    /// sort (`SortedRecordLog.appendInOrder`); `endInOrder()` after the last.
    mutating func appendInOrder(_ bytes: UnsafeRawBufferPointer) { log.appendInOrder(bytes) }

    mutating func endInOrder() { log.endInOrder() }

    /// See `SortedRecordLog.adopt(_:)`.
    mutating func adopt(_ run: SpilledRun) { log.adopt(run) }

    /// See `InOrderRunOwner.spillRestIfSpilled()`.
    mutating func spillRestIfSpilled() { log.spillRestIfSpilled() }

    /// Takes in `other`'s records (order does not matter: the output is sorted).
    mutating func absorb(_ other: SessionLog) {
        precondition(compact == other.compact, "absorb a session log of the same layout")
        log.absorb(other.log)
    }

    /// Every record in byte order, the log left as it was (`SortedRecordLog.sortedCopy`).
    func sortedCopy() -> SortedRecords { log.sortedCopy(compact: compact) }

    /// Calls `body` with every record in byte order (valid only inside `body`). Consumes the log.
    public mutating func withSorted<R>(_ body: (SortedRecords) -> R) -> R {
        log.withSorted(compact: compact, body)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
