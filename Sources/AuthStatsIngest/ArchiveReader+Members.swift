import AuthStatsCore

/// Archive members handed to the other workers (issue 18, item 5: a `.tar` of thousands of
/// gzip objects ran on one core).
///
/// The worker reading an archive copies each member's bytes out as libarchive gives them
/// (still compressed: a tar of `.gz` objects is copied, not inflated, here), reserves the
/// member's position, and hands the copy to `ReadingQueue`; any worker then reads it through
/// the same `readStream` as a member read in place. A member is handed over only once the
/// next header was read sound (damage right after a member is reported on it, which needs
/// to know how the member ended); an archive inside an archive, and a member that does not
/// fit the queue's `copyBudget`, are read here, in place.
extension ArchiveReader {
    /// What became of a member `take` was given.
    enum Taken {
        /// Read here: its stream if it was read whole (not yet ended), and whether the
        /// archive's damage was reported on it.
        case read(StreamProcessor?, damageReported: Bool)
        /// Copied, with its place reserved; not yet read.
        case copied(ArchiveMember)
    }

    /// Copies the member whose data `data` gives (`size` bytes, if its header says), or reads
    /// it here when it is too long to copy or holds an archive.
    func take(
        _ data: ArchiveEntrySource, size: Int?, queue: ReadingQueue, path: String, member: String,
        container: String, depth: Int
    ) -> Taken {
        // Room for the whole member (as its header says), or for a first part of one of
        // unknown length; none: read here, as it comes.
        let room = size ?? min(Self.unknownLengthCopy, queue.copyBudget)
        guard queue.reserveCopy(room) else {
            return readInPlace(data, entry: data, path: path, member: member, container: container, depth: depth)
        }
        let bytes = MemberBytes(capacity: size ?? min(room, 1 << 20), reserved: room, queue: queue)
        var damage: InputDamage?
        var whole = true
        do throws(InputDamage) {
            whole = try bytes.fill(from: data, limit: room)
        } catch {
            damage = error
        }
        guard whole else {
            // Longer than its room: read here as it comes, the copied start first.
            return readInPlace(
                MemorySource(bytes, then: data), entry: data, path: path, member: member, container: container, depth: depth)
        }
        bytes.keepRoomForCount()
        let archiveBroke = data.archiveBroke
        if Self.holdsArchive(bytes, damage: damage) {
            // An archive inside: read here, its own members handed on in turn.
            let source = MemorySource(bytes, damage: damage)
            let stream = readStream(source, path: path, member: member, container: container, depth: depth, deferEnd: true)
            return .read(stream, damageReported: stream == nil && archiveBroke && source.deliveredDamage)
        }
        return .copied(
            ArchiveMember(
                bytes: bytes, damage: damage, archiveBroke: archiveBroke, slot: analysis.reserveInput(), path: path,
                member: member, container: container, depth: depth))
    }

    /// The room taken for a member whose header gives no length (a zip member followed by a
    /// data descriptor): a longer one is read in place.
    static let unknownLengthCopy = 8 << 20

    /// Reads a member here, from `source` (whose data is `entry`'s), as one worker reads every member.
    private func readInPlace(
        _ source: any ByteSource, entry: ArchiveEntrySource, path: String, member: String, container: String, depth: Int
    ) -> Taken {
        let stream = readStream(source, path: path, member: member, container: container, depth: depth, deferEnd: true)
        return .read(stream, damageReported: stream == nil && entry.archiveBroke)
    }

    /// Whether the copied bytes hold a tar or zip archive (under any compression), rather than
    /// one stream of records (or a stream that cannot be opened: one failed input).
    static func holdsArchive(_ bytes: MemberBytes, damage: InputDamage?) -> Bool {
        guard let opened = try? StreamOpener.open(MemorySource(bytes, damage: damage)) else { return false }
        return opened.kind == .tar || opened.kind == .zip
    }

    /// Reads a member handed over by the worker reading its archive, at its place.
    func read(_ member: ArchiveMember) {
        _ = readCopy(member, deferEnd: false)
    }

    /// Reads the member held last here, now, not yet ended: the archive broke after it.
    /// Returns its stream if it was read whole, and whether the archive's damage was reported
    /// on it (as for a member read in place: it met the damage while being read).
    func read(held member: ArchiveMember) -> (StreamProcessor?, Bool) {
        let (stream, source) = readCopy(member, deferEnd: true)
        return (stream, stream == nil && member.archiveBroke && source.deliveredDamage)
    }

    /// Gives `member` to the next free worker, or reads it here when the waiting members
    /// already fill their room.
    func handOver(_ member: ArchiveMember, to queue: ReadingQueue) {
        if !queue.offer(member) { read(member) }
    }

    /// Reads a copied member at its place, with no second thread (the other cores are
    /// reading members too).
    private func readCopy(_ member: ArchiveMember, deferEnd: Bool) -> (stream: StreamProcessor?, source: MemorySource) {
        var inline = self
        inline.pipelined = false
        let source = member.source()
        let stream = analysis.placing(at: member.slot) {
            inline.readStream(
                source, path: member.path, member: member.member, container: member.container, depth: member.depth,
                deferEnd: deferEnd)
        }
        return (stream, source)
    }
}
