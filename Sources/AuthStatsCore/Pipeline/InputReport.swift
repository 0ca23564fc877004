/// What happened to one input stream: a file, or one member of an archive (`summary.json`).
public struct InputReport: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Read to its end.
        case ok
        /// The stream broke after some records were read; those are kept.
        case partial
        /// Nothing could be read.
        case failed
    }

    public var path: String
    public var member: String?
    /// Where the stream stands in input order: the file's index (in input order) times
    /// 2^24, plus the stream's number within the file. Reports list inputs in this order,
    /// and of duplicate copies the one at the lowest position is kept.
    public var position: UInt64 = 0
    /// `pinpoint`, `cognito-activity`, `cloudtrail`, `cloudtrail-digest`, `firehose-error`,
    /// `cognito-user-directory`; `mixed` when several; `unknown` when no known record was found.
    public var format = "unknown"
    /// The stream's own compression: `none`, `gzip`, `bzip2`, `xz`, `zstd`, … (outermost first).
    public var compression = "none"
    /// The archive the member came from (`tar+gzip`, `zip`), or nil for a bare file.
    public var container: String?
    public var records = 0
    public var events = 0
    public var duplicates = 0
    public var skipped = 0
    public var rejected = 0
    public var status = Status.ok
    public var error: String?
    /// Why records were skipped, with how many each.
    public var skipReasons: [String: Int] = [:]
    /// The earliest and latest instants of its events (epoch ms); `Int64.max`/`.min` when it
    /// has none. A nightly state refuses an input older than its horizon.
    public var oldestEventMillis = Int64.max
    public var newestEventMillis = Int64.min

    public init(path: String, member: String? = nil) {
        self.path = path
        self.member = member
    }

    /// `path` or `path:member`, as messages name an input.
    public var location: String { member.map { "\(path):\($0)" } ?? path }

    /// The counts of many inputs added up: `summary.json`'s and `report.html`'s totals.
    public struct Counts: Sendable, Equatable {
        public var records = 0
        public var events = 0
        public var duplicates = 0
        public var skipped = 0
        public var rejected = 0

        /// In one pass (a sum a count, through a key path, copied every report with its texts:
        /// ~1% of the instructions of a run over 5,000 small files).
        public init(_ inputs: [InputReport]) {
            for input in inputs {
                records += input.records
                events += input.events
                duplicates += input.duplicates
                skipped += input.skipped
                rejected += input.rejected
            }
        }
    }
}

/// A record that could not be read, kept whole for `rejects.ndjson`.
public struct RejectedRecord: Sendable, Equatable {
    public var input: String
    public var member: String?
    /// The stream's `InputReport.position`: rejects are written in this order.
    public var position: UInt64 = 0
    /// 1-based index of the record in its stream.
    public var record: Int
    public var reason: String
    /// The record's bytes; its first `keptBytes` when it is longer (a record over
    /// `--max-record-bytes`: its first `RecordFramer.rejectPrefixBytes`).
    public var raw: [UInt8]
    /// The full length when `raw` holds only a prefix.
    public var truncatedFrom: Int?

    /// The most of a rejected record kept (1 MiB: a Firehose record is at most 1,000 KiB, so a
    /// real record is kept whole). A 64 MB line of junk, kept whole and escaped (up to six
    /// bytes a byte), took ~1 GB of memory and 384 MB of rejects.ndjson (a review, 2026-12-06).
    public static let keptBytes = 1 << 20

    public init(input: String, member: String?, position: UInt64 = 0, record: Int, reason: String, raw: [UInt8], truncatedFrom: Int? = nil) {
        self.input = input
        self.member = member
        self.position = position
        self.record = record
        self.reason = reason
        self.raw = raw
        self.truncatedFrom = truncatedFrom
    }

    /// The line printed on stderr: `path[:member]: record N: reason`.
    public var message: String {
        "\(member.map { "\(input):\($0)" } ?? input): record \(record): \(reason)"
    }
}

/// Receives rejected records as they are found (the run writes them to `rejects.ndjson`).
public protocol RejectSink: AnyObject {
    func reject(_ record: RejectedRecord)
}
