/// Reads one decompressed input stream: frames records, decodes them, counts the events.
///
/// Ingest fills `framer` with the stream's bytes through `read(_:)` and calls `end(error:)`
/// when the stream is over (or broke). Every record ends up counted as an event, a
/// duplicate, or a reject; none is dropped silently.
public final class StreamProcessor {
    public let framer: RecordFramer
    // A processor reads its stream on one thread: no run-time exclusivity check on each
    // record's counts (a public property's accesses are checked at run time, two a record:
    // ~1% of a small record's instructions, with the framer's count).
    @exclusivity(unchecked) public private(set) var report: InputReport
    private let analysis: Analysis
    /// Held through pointers: decoding through a stored property began and ended a dynamic
    /// exclusive access around each call; and the decoder writes each record's event into
    /// `event`, where an outcome carrying it was copied whole (218 bytes) at each step, seven
    /// times a record (`RecordDecoder.Decoded`).
    private let decoder: UnsafeMutablePointer<RecordDecoder>
    private let event: UnsafeMutablePointer<Event>
    /// Whether records are decoded with their profile fields (`Analysis.collectsProfiles`).
    private let collectsProfiles: Bool
    /// `--pinpoint-parity` is on.
    private let parity: Bool
    /// The kinds of record found so far (an input holding several is `mixed`).
    private var formats: Set<RecordFormat> = []
    /// The format last added to `formats`: a stream is nearly always of one format, and this
    /// spares a hashed insert per record.
    private var lastFormat: RecordFormat?

    @inline(__always)
    private func saw(_ format: RecordFormat) {
        guard format != lastFormat else { return }
        formats.insert(format)
        lastFormat = format
    }

    /// The reasons of records skipped lately, each with its count not yet in
    /// `report.skipReasons`: a decoder hands the same `String` for a reason again (a CloudTrail
    /// record of another service: `ServiceReasons`), found here by `==` (the same storage,
    /// or a few bytes compared) where the report's dictionary hashed the whole text for each
    /// record (~530 instructions; 1.9% of a trail-and-activity run's). Added to the report
    /// when a reason leaves the few kept and when the stream ends.
    private var recentSkips: [(reason: String, count: Int)] = []
    private static let recentSkipsKept = 8

    @inline(__always)
    private func countSkip(_ reason: String) {
        for i in recentSkips.indices where recentSkips[i].reason == reason {
            recentSkips[i].count += 1
            return
        }
        if recentSkips.count == Self.recentSkipsKept {
            let oldest = recentSkips.removeFirst()
            report.skipReasons[oldest.reason, default: 0] += oldest.count
        }
        recentSkips.append((reason, 1))
    }

    /// The stream's place in `Analysis.inputs`.
    let index: Int
    /// The accepted event times, in epoch milliseconds: kept here, since reading them through
    /// `analysis.configuration` per event copied the configuration (retains: +10% CPU).
    private let accepted: ClosedRange<Int64>

    init(analysis: Analysis, report: InputReport, index: Int) {
        self.analysis = analysis
        self.report = report
        self.index = index
        accepted = analysis.configuration.acceptedTimes.millis
        collectsProfiles = analysis.collectsProfiles
        decoder = .allocate(capacity: 1)
        decoder.initialize(to: RecordDecoder(projects: analysis.configuration.clients != nil))
        event = .allocate(capacity: 1)
        event.initialize(to: .blank)
        parity = analysis.configuration.pinpointParity
        framer = RecordFramer(
            scanner: JSONScanner(schema: analysis.recordSchema, shapes: analysis.recordShapes),
            maxRecordBytes: analysis.configuration.maxRecordBytes)
    }

    deinit {
        decoder.deinitialize(count: 1)
        decoder.deallocate()
        event.deinitialize(count: 1)
        event.deallocate()
    }

    /// Lets `fill` write decompressed bytes into the framer's buffer, then processes every
    /// record that is now whole. Returns what `fill` returned (0 at the end of the stream).
    @discardableResult
    public func read(_ fill: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        let count = try framer.fill(fill)
        drain()
        counted(count)
        return count
    }

    /// Appends bytes (for in-memory streams and tests).
    public func read(bytes: UnsafeRawBufferPointer) {
        framer.append(bytes)
        drain()
        counted(bytes.count)
    }

    /// Bytes the ingest stage passed over before the records (the NUL padding `copytruncate`
    /// leaves): counted as one skipped piece with its reason, so that every byte read is a
    /// record, a skip or a reject.
    public func skip(_ reason: String) {
        report.records += 1
        numberShift += 1
        report.skipped += 1
        report.skipReasons[reason, default: 0] += 1
    }

    private var unreported = 0

    private func counted(_ bytes: Int) {
        unreported += bytes
        if unreported >= Analysis.progressBytes, let progress = analysis.progress {
            progress(unreported)
            unreported = 0
        }
    }

    /// The stream is over. With an error, the stream broke: what was read is kept, and the
    /// input is `partial` (some records read) or `failed` (none).
    /// `retract`: bytes at the end of what was read that the damage shows were never really
    /// decoded; they are dropped (as far as they are not yet framed).
    public func end(error: String? = nil, retract: Int = 0) {
        if retract > 0 { framer.dropLast(retract) }
        if let error {
            // What is buffered was cut by the damage: it is a broken record, not silently lost.
            let pending = framer.unframedBytes
            framer.finish()
            while let item = framer.next() { handle(item, cutBy: pending > 0 ? error : nil) }
            report.status = report.records > 0 ? .partial : .failed
            report.error = error
        } else {
            framer.finish()
            drain(atEnd: true)
            if framer.endedInsideRecordsArray {
                // Whole records up to a cut between two of them: the rest of the file is lost
                // unseen, as at a cut anywhere else.
                report.status = report.records > 0 ? .partial : .failed
                report.error = Self.unclosedRecords
            } else if let open = framer.openValueNumber, lastRecordNumber < open {
                // Its last record cut by the end of the file: a copy caught half written,
                // as a compressed file cut anywhere is (its broken record is rejected as
                // well). Until 2026-12-07 such a file was `ok` with one rejected record, so a
                // nightly state refused the finished copy as changed every night after.
                report.status = .partial
                report.error = Self.cutLastRecord
            }
        }
        releaseHeld()
        for (reason, count) in recentSkips { report.skipReasons[reason, default: 0] += count }
        recentSkips = []
        report.format = formatName
        // The rest of a stream shorter than `progressBytes` counts too (most objects are).
        if unreported > 0, let progress = analysis.progress { progress(unreported) }
        unreported = 0
        analysis.finish(self)
    }

    /// Why a CloudTrail file that ends before its `Records` array and envelope close (`]}`) is partial.
    static let unclosedRecords = "the file ends before the closing ]} of its Records array: it was cut short after its last whole record"

    /// Why a file whose last record the end of the stream cuts is partial.
    static let cutLastRecord = "the input ends inside a record (rejected), with no record after it: it was cut short"

    /// `summary.json`'s format: the one kind of record found, `mixed`, or `unknown`.
    var formatName: String {
        switch formats.count {
        case 0: return "unknown"
        case 1: return formats.first!.rawValue
        default: return "mixed"
        }
    }

    /// The framer's number of the last record handled (an event, a skip, a reject other than
    /// an object of no known kind): past `RecordFramer.openValueNumber`, the value the end of
    /// the stream left open was a broken record's, not the last one cut. (A store a record;
    /// the comparison is made once, at the end.)
    private var lastRecordNumber = 0
    /// Whether the start of the stream has been looked at (`sniff`).
    private var sniffed = false
    /// The stream is not records but a user CSV: its lines are counted as skipped.
    private var skippingWhole = false
    private var partialLine = false
    /// The skip reason of a run of NUL bytes, before or between records (one reason,
    /// whichever stage passes the run over).
    public static let paddingReason = "NUL padding (as logrotate's copytruncate leaves)"
    static let userCSVReason = "a Cognito user CSV: pass user directories with --users"

    private func drain(atEnd: Bool = false) {
        if !sniffed {
            sniff(atEnd: atEnd)
            // Nothing is framed before the first line is known: what the sniff sees must not
            // depend on how the stream was cut.
            guard sniffed else { return }
        }
        if skippingWhole {
            let (lineBreaks, last) = framer.discardBuffered()
            let lines = lineBreaks + (atEnd && (last.map { $0 != 0x0A } ?? partialLine) ? 1 : 0)
            if let last { partialLine = last != 0x0A }
            report.skipped += lines
            report.records += lines
            report.skipReasons[Self.userCSVReason] = report.skipped
            return
        }
        while let item = framer.next() { handle(item, cutBy: nil) }
    }

    /// A Cognito user CSV among the inputs is a user directory, not events: skip it whole
    /// (its first line is a header naming `cognito:username`).
    private func sniff(atEnd: Bool) {
        let (line, complete) = framer.firstLine()
        guard complete || atEnd else { return }  // wait for the whole first line
        sniffed = true
        // A header of attribute names: `cognito:username` is one of its comma-separated fields.
        // (Records start with `{`, and mention the name rarely: the split is made only then.)
        let header = line.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(line.dropFirst(3)) : line
        guard header.first != UInt8(ascii: "{") else { return }
        let text = String(decoding: header, as: UTF8.self)
        guard text.contains("cognito:username") else { return }
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if fields.contains("cognito:username") {
            skippingWhole = true
            saw(.userDirectory)
        }
    }

    /// Counts the event decoded into `event`: moved out of it for the calls and back (bitwise:
    /// passed on as `event.pointee`, it was copied for each call, its texts retained and
    /// released, ~190 instructions a record, 1% of a small-records run).
    @inline(__always)
    private func addDecoded(_ bytes: UnsafeRawBufferPointer) {
        let decoded = event.move()
        add(decoded, bytes)
        event.initialize(to: decoded)
    }

    /// Counts an event (and, with profiles, notes what its record says of its user); with
    /// `--pinpoint-parity`, an event Pinpoint would not have received is skipped instead.
    @inline(__always)
    private func add(_ event: Event, _ bytes: UnsafeRawBufferPointer) {
        // Its days include those of the events `--pinpoint-parity` leaves out: a nightly state
        // refuses an input older than its horizon by them, and such an event's copy read later
        // must find its fingerprint (a review found an old left-out event's copy counted twice).
        if event.time < report.oldestEventMillis { report.oldestEventMillis = event.time }
        if event.time > report.newestEventMillis { report.newestEventMillis = event.time }
        if parity, let reason = analysis.leftOut(event, position: report.position) {
            report.skipped += 1
            report.skipReasons[Analysis.leftOutReason(reason), default: 0] += 1
            return
        }
        if collectsProfiles {
            analysis.add(event, position: report.position, fields: RecordDecoder.Fields(bytes: bytes, fields: framer.fields))
        } else {
            analysis.add(event, position: report.position)
        }
        report.events += 1  // until `Analysis` finds it is a copy (at the end)
    }

    /// (`item` consumed, and switched on as it is given up: destroying each `Item?` after its
    /// record went through the generic `Optional` value witness, ~90 instructions a record.)
    private func handle(_ item: consuming RecordFramer.Item, cutBy error: String?) {
        let bytes = framer.buffer
        switch consume item {
        case .record(let range, let number):
            // The event is written into `event` and read there, never copied (moved out to be
            // counted and back, `addDecoded`).
            switch decoder.pointee.decode(bytes, range: range, fields: framer.fields, profiles: analysis.decoderProfiles, into: &event.pointee) {
            case .event(let format):
                if held != nil { releaseHeld() }
                lastRecordNumber = number
                report.records += 1
                saw(format)
                let time = event.pointee.time
                guard accepted.contains(time) else {
                    let reason = analysis.configuration.acceptedTimes.reason(time, field: event.pointee.source.timeField)
                    reject(number + numberShift, reason, UnsafeRawBufferPointer(rebasing: bytes[range]))
                    break
                }
                // A session bound outside the range is a clock error too: the event's own time
                // stands.
                if Self.outside(event.pointee.sessionStart, accepted) { event.pointee.sessionStart = nil }
                if Self.outside(event.pointee.sessionStop, accepted) { event.pointee.sessionStop = nil }
                addDecoded(bytes)
            case .skipped(let format, let reason):
                if held != nil { releaseHeld() }
                lastRecordNumber = number
                report.records += 1
                saw(format)
                report.skipped += 1
                countSkip(reason)
            case .rejected(let reason):
                if held != nil {
                    // An object of no known kind right after damage is a piece of the broken record.
                    if reason == RecordDecoder.unknownRecord && merge(range) { return }
                    releaseHeld()
                }
                // (An object of no known kind is a piece of the open value, merged or not.)
                if reason != RecordDecoder.unknownRecord { lastRecordNumber = number }
                report.records += 1
                reject(number + numberShift, reason, UnsafeRawBufferPointer(rebasing: bytes[range]))
            }
        case .invalid(let range, let number, let reason):
            if held != nil {
                if merge(range) { return }
                releaseHeld()
            }
            report.records += 1
            let text = error.map { "the input broke inside this record (\($0))" } ?? reason
            held = HeldDamage(
                number: number + numberShift, reason: text,
                raw: Array(UnsafeRawBufferPointer(rebasing: bytes[range.prefix(RejectedRecord.keptBytes)])),
                end: framer.streamOffset(range.upperBound), length: range.count, total: range.count)
        case .padding:
            releaseHeld()
            report.records += 1
            numberShift += 1
            report.skipped += 1
            report.skipReasons[Self.paddingReason, default: 0] += 1
        case .oversize(let prefix, let number, let length):
            releaseHeld()
            report.records += 1
            reject(
                number + numberShift,
                "record of \(length) bytes is longer than --max-record-bytes \(framer.maxRecordBytes); skipped to its end",
                prefix, truncatedFrom: length)
        }
    }

    /// Damaged bytes, held until the next item is known: what directly follows damage and is
    /// no record either (an object that closed inside the broken record, the comma after it)
    /// is the same damage, so it joins this one reject.
    private struct HeldDamage {
        /// Its place among the stream's records (`record` in rejects.ndjson).
        var number: Int
        var reason: String
        var raw: [UInt8]
        /// The stream offset just after the damage.
        var end: Int
        /// The bytes of the damage itself, before what was merged into it.
        var length: Int
        /// Its bytes with what was merged into it (`raw` holds the first
        /// `RejectedRecord.keptBytes` of them).
        var total: Int
    }

    /// What turns the framer's record numbers into places among the stream's `records`:
    /// minus the pieces merged into held damage (the framer numbered each as a record; until
    /// 2026-12-05 rejects.ndjson skipped those numbers: 1, 2, 4 for three records), plus the
    /// runs of NUL padding (a record each in `records`, which the framer does not number).
    private var numberShift = 0

    /// Unchecked, as `report`: read for every record (a run-time exclusivity check, ~63
    /// instructions a record, 0.4% of a small-records run).
    @exclusivity(unchecked) private var held: HeldDamage?

    /// Adds the bytes at `range` to the held damage when they follow it directly, or, in a
    /// `Records` array, come next after it (only the commas and whitespace between elements in
    /// between: the inner objects of a broken element that pass as records, `RecordFramer.resync`),
    /// up to a record's length (`--max-record-bytes`; past it they are damage of their own).
    /// Held damage is always the item before this one (any other item releases it), so "next"
    /// needs no look at the bytes between, which a refill of the buffer may have dropped.
    private func merge(_ range: Range<Int>) -> Bool {
        guard let damage = held else { return false }
        let offset = framer.streamOffset(range.lowerBound)
        guard offset == damage.end || (offset > damage.end && framer.isInRecordsArray) else { return false }
        // The piece alone, not the separators before it: whether those are still buffered
        // depends on where the reads ended, and a reject is the same bytes however they came.
        guard damage.total + range.count <= framer.maxRecordBytes else { return false }
        // In place: a copy per merge would make a run of small pieces quadratic.
        let room = max(0, RejectedRecord.keptBytes - damage.raw.count)
        held!.raw.append(contentsOf: UnsafeRawBufferPointer(rebasing: framer.buffer[range.prefix(room)]))
        held!.total += range.count
        held!.end = framer.streamOffset(range.upperBound)
        numberShift -= 1
        return true
    }

    /// Rejects the held damage.
    private func releaseHeld() {
        guard let damage = held else { return }
        held = nil
        // The reason describes the damage; what followed it and joined it is said so.
        let joined = damage.total - damage.length
        let reason = joined > 0 ? damage.reason + " (with the \(joined) bytes after it, which are no record either)" : damage.reason
        reject(damage.number, reason, damage.raw, truncatedFrom: damage.total > damage.raw.count ? damage.total : nil)
    }

    @inline(__always)
    private static func outside(_ time: Int64?, _ range: ClosedRange<Int64>) -> Bool {
        guard let time else { return false }
        return !range.contains(time)
    }

    /// Rejects the record `bytes`: kept whole up to `RejectedRecord.keptBytes`, else its first
    /// bytes and its length.
    private func reject(_ number: Int, _ reason: String, _ bytes: UnsafeRawBufferPointer) {
        let kept = Array(UnsafeRawBufferPointer(rebasing: bytes.prefix(RejectedRecord.keptBytes)))
        reject(number, reason, kept, truncatedFrom: bytes.count > kept.count ? bytes.count : nil)
    }

    private func reject(_ number: Int, _ reason: String, _ raw: [UInt8], truncatedFrom: Int? = nil) {
        report.rejected += 1
        analysis.rejects.reject(
            RejectedRecord(
                input: report.path, member: report.member, position: report.position, record: number, reason: reason,
                raw: raw, truncatedFrom: truncatedFrom))
    }
}
