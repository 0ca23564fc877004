/// One input file as the inputs ledger remembers it: which bytes (by `ContentHash`), where it
/// was seen, in which batch it was read and what it gave.
public struct LedgerEntry: Equatable, Sendable {
    /// `ContentHash` of the stored (compressed) bytes: the ledger's key.
    public var contentHash: String
    /// Where it was last seen.
    public var path: String
    public var size: Int64
    /// Modification time, ms since the epoch.
    public var modified: Int64
    /// The batch that read it (`BatchEntry.number`).
    public var batch: Int
    public var records: Int
    public var events: Int
    /// The first and last day of its events (`YYYY-MM-DD`), nil when it had none.
    public var firstDay: String?
    public var lastDay: String?
    /// What became of it (the caller's vocabulary, stored as given).
    public var status: String
    /// The hashes of the rows this one replaces when it is added (earlier readings of its
    /// path, which the batch read again whole: they had read it only in part); not stored.
    public var replacing: [String] = []

    public init(
        contentHash: String, path: String, size: Int64, modified: Int64, batch: Int, records: Int, events: Int,
        firstDay: String?, lastDay: String?, status: String
    ) {
        self.contentHash = contentHash
        self.path = path
        self.size = size
        self.modified = modified
        self.batch = batch
        self.records = records
        self.events = events
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.status = status
    }
}

/// One run that added to the state, as the caller describes it (the texts are stored as given).
public struct BatchEntry: Equatable, Sendable {
    /// 1, 2, …: the key, and the order of the runs.
    public var number: Int
    public var started: String
    public var finished: String
    /// The authstats version that ran it.
    public var version: String
    public var arguments: String

    public init(number: Int, started: String, finished: String, version: String, arguments: String) {
        self.number = number
        self.started = started
        self.finished = finished
        self.version = version
        self.arguments = arguments
    }
}
