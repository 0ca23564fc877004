import CArchive

/// Feeds a libarchive reader from a `ByteSource` (the corresponding C callback type is
/// `archive_read_callback`), so libarchive reads bytes that authstats has already opened and
/// decoded: a FIFO, a gzip stream inflated by ISA-L, an archive member.
///
/// The source's damage is kept here: libarchive itself only learns "read error".
final class ArchiveFeed {
    static let blockSize = 1 << 16
    let source: any ByteSource
    private let buffer: UnsafeMutableRawPointer
    /// The source's damage, once it broke.
    private(set) var damage: InputDamage?
    /// With `keepsTail` (a zip archive), the last bytes read from the source, at least
    /// `ZipEndRecord.tailBytes` of them when there were so many: the archive's end record.
    private(set) var tail: [UInt8] = []
    let keepsTail: Bool

    /// The bytes read from the source so far (where `tail` ends, with `keepsTail`).
    private(set) var length = 0
    /// How many bytes the last block read holds (in `lastBlock`, until the next read).
    private(set) var lastCount = 0
    var lastBlock: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: lastCount) }

    /// How many NUL bytes the bytes read so far end with: a tar archive ends with two blocks
    /// of 512 (`endsWithZeroBlock`).
    private(set) var trailingNULs = 0
    /// Whether the bytes read end with a whole block of NULs on a block boundary of 512 bytes
    /// from the start (a tar's end mark). An archive cut right before a member's header ends
    /// with that member's data and padding instead, and the padding, with a `.gz` member's
    /// last bytes, can be 512 NULs in a row but never a whole block of its own.
    var endsWithZeroBlock: Bool { (length - trailingNULs + 511) / 512 * 512 + 512 <= length }

    /// Counts a block just read, and keeps its last bytes (`keepsTail`).
    private func keep(_ count: Int) {
        length += count
        lastCount = count
        // From the block's end back to its last byte that is not NUL: one byte, most blocks.
        var zeros = 0
        while zeros < count && buffer.load(fromByteOffset: count - 1 - zeros, as: UInt8.self) == 0 { zeros += 1 }
        trailingNULs = zeros == count ? trailingNULs + count : zeros
        guard keepsTail, count > 0 else { return }
        let limit = ZipEndRecord.tailBytes
        let block = UnsafeRawBufferPointer(start: buffer, count: count)
        if count >= limit {
            tail = Array(block[(count - limit)...])
            return
        }
        tail.append(contentsOf: block)
        if tail.count > 2 * limit { tail.removeFirst(tail.count - limit) }
    }

    /// - Parameter keepsTail: keep the last bytes (`tail`, a zip's end record).
    init(_ source: any ByteSource, keepsTail: Bool = false) {
        self.source = source
        self.keepsTail = keepsTail
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.blockSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Opens `archive` on this feed; the feed must outlive the archive's reading.
    func open(_ archive: OpaquePointer) -> Bool {
        LibArchive.readOpen(archive, Unmanaged.passUnretained(self).toOpaque(), Self.readCallback) == ARCHIVE_OK
    }

    /// Reads what is left of the source after the data's end (an archive's padding, a
    /// compressed stream's trailer, bytes after a filter's last frame): whether all of it is
    /// NUL bytes; nil if the source broke (then `damage` says how).
    func drain() -> Bool? {
        guard damage == nil else { return nil }
        var padding = true
        do throws(InputDamage) {
            while true {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Self.blockSize))
                guard n > 0 else { return padding }
                keep(n)
                if padding { padding = lastBlock.allSatisfy { $0 == 0 } }
            }
        } catch {
            damage = error
            return nil
        }
    }

    /// Why reading `archive` failed: the source's damage if it broke, else libarchive's text;
    /// when libarchive gives no reason after the source ended cleanly, that the archive's bytes
    /// stop early (a zip cut between two members said "read error" and nothing else; the same
    /// feed serves libarchive's filters, lz4 and lzip, hence "data", not "archive").
    func failure(of archive: OpaquePointer) -> String {
        if let damage { return damage.message }
        if let reason = LibArchive.errorReason(archive) { return reason }
        return reachedEnd
            ? "the data ends early: its bytes stop where more should follow (cut short)"
            : "read error (libarchive gave no reason)"
    }

    /// Whether the source gave its last byte (a read of none).
    private(set) var reachedEnd = false

    private static let readCallback: LibArchive.ReadCallback = { _, context, out in
        let feed = Unmanaged<ArchiveFeed>.fromOpaque(context!).takeUnretainedValue()
        guard feed.damage == nil else { return -1 }
        do throws(InputDamage) {
            let n = try feed.source.read(into: UnsafeMutableRawBufferPointer(start: feed.buffer, count: blockSize))
            out?.pointee = UnsafeRawPointer(feed.buffer)
            feed.keep(n)
            if n == 0 { feed.reachedEnd = true }
            return n
        } catch {
            feed.damage = error
            return -1
        }
    }
}

/// The data of libarchive's current entry, as a source (`archive_read_data_block`: every
/// block libarchive produced is delivered, also the ones before an error).
final class ArchiveEntrySource: ByteSource {
    private let archive: OpaquePointer
    private let feed: ArchiveFeed
    private var block: UnsafeRawPointer?
    private var remaining = 0

    init(archive: OpaquePointer, feed: ArchiveFeed) {
        self.archive = archive
        self.feed = feed
    }

    /// A warning on the entry's data (zip's "ZIP bad CRC"): the entry is damaged, which is
    /// reported once the block that came with it is delivered.
    private var warning: InputDamage?
    /// Whether reading the entry's data failed for the whole archive (a tar or zip cut inside
    /// the entry: libarchive's own error, where the decompressor under it read on): the
    /// archive's failure that follows is this entry's, reported on it.
    private(set) var brokeArchive = false

    /// Whether the archive broke while this entry was read: under it (its decompressor, the
    /// feed's damage) or in it (`brokeArchive`). The archive's failure that follows is then
    /// this entry's, reported on it.
    var archiveBroke: Bool { feed.damage != nil || brokeArchive }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        guard try loadBlock() else { return 0 }
        let n = min(space.count, remaining)
        space.baseAddress!.copyMemory(from: block!, byteCount: n)
        block! += n
        remaining -= n
        return n
    }

    /// Whether data follows (nothing of it is consumed); false at the entry's end.
    func hasMore() throws(InputDamage) -> Bool { try loadBlock() }

    /// Makes sure a block with bytes is at hand (`archive_read_data_block`); false at the
    /// entry's end.
    private func loadBlock() throws(InputDamage) -> Bool {
        while remaining == 0 {
            if let warning {
                self.warning = nil
                throw warning
            }
            var pointer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = LibArchive.readDataBlock(archive, &pointer, &size, &offset)
            if status == ARCHIVE_EOF { return false }
            if status < ARCHIVE_WARN {
                // ARCHIVE_FAILED can be the entry's alone (an encrypted zip member): the archive
                // reads on. FATAL is the archive's.
                if status == ARCHIVE_FATAL { brokeArchive = true }
                throw InputDamage(message: feed.failure(of: archive))
            }
            if status == ARCHIVE_WARN { warning = InputDamage(message: LibArchive.errorText(archive)) }
            (block, remaining) = (pointer, pointer == nil ? 0 : size)
        }
        return true
    }
}

/// A stream decompressed by libarchive's own filters (lz4, lzip, compress, uuencode, …: the
/// ones authstats does not decode itself). The filters found are `filters`, outermost first.
final class LibArchiveFilterSource: ByteSource {
    private let archive: OpaquePointer
    private let feed: ArchiveFeed
    private var entry: ArchiveEntrySource?
    private var openDamage: InputDamage?
    /// The compressions libarchive found (empty: none; the bytes are passed as they are).
    private(set) var filters: [String] = []

    /// - Throws: why libarchive could not be loaded (`LibArchive.newFilterReader`): the input
    ///   fails with it, as an archive does.
    init(_ upstream: any ByteSource, library: Result<authstats_libarchive, InputDamage> = LibArchive.loaded) throws(InputDamage) {
        archive = try LibArchive.newFilterReader(library)
        feed = ArchiveFeed(upstream)
        guard feed.open(archive) else {
            openDamage = InputDamage(message: feed.failure(of: archive))
            return
        }
        var header: OpaquePointer?
        let status = LibArchive.readNextHeader(archive, &header)
        filters = LibArchive.filterNames(archive)
        if status == ARCHIVE_OK || status == ARCHIVE_WARN {
            entry = ArchiveEntrySource(archive: archive, feed: feed)
        } else if status != ARCHIVE_EOF {
            openDamage = InputDamage(message: feed.failure(of: archive))
        }
    }

    deinit { LibArchive.readFree(archive) }

    /// Whether the end of the data was looked past (`checkEnd`).
    private var ended = false

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        if let openDamage {
            self.openDamage = nil
            throw openDamage
        }
        guard let entry else { return 0 }
        let n = try entry.read(into: space)
        if n == 0 && !ended {
            ended = true
            try checkEnd()
        }
        return n
    }

    /// A filter stops at the end of its last frame (lz4, lzip): bytes after it that are not
    /// NUL padding are an error, as after a gzip stream (`lz4 -d` fails on them too; until
    /// 2026-12-05 they were passed over in silence). They are the bytes given to libarchive
    /// that its filters did not consume, and those the source still holds.
    private func checkEnd() throws(InputDamage) {
        guard !filters.isEmpty else { return }
        let consumed = LibArchive.consumedBytes(archive)
        let unconsumed = Int64(feed.length) - consumed
        // libarchive reads ahead within the last block the feed gave it; an unconsumed part
        // longer than that block (bytes it copied aside) is taken for data.
        let padding = unconsumed >= 0 && unconsumed <= Int64(feed.lastCount)
            && feed.lastBlock.suffix(Int(max(unconsumed, 0))).allSatisfy { $0 == 0 }
        if padding {
            guard let rest = feed.drain() else { throw InputDamage(message: feed.failure(of: archive)) }
            if rest { return }
        }
        // Where its filter stopped, not where the data ends: lz4's takes the 4 bytes it looked at
        // for the next frame when there are 4 (so 4 bytes of junk and nothing else pass unseen).
        throw InputDamage(message: "unexpected data after the end of the \(filters[0]) stream (libarchive stopped at compressed byte \(consumed))")
    }
}
