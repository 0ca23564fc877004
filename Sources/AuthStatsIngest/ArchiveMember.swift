import AuthStatsCore

/// An archive member copied out of its archive, to be read by any worker while the archive is
/// read on (`ArchiveReader`, `ReadingQueue`): its bytes as the archive holds them (a `.gz`
/// object still compressed), how they ended, and where its one input goes.
///
/// Its bytes hold room in the queue's `copyBudget` until it is gone (read and let go).
///
/// Unchecked: made by the worker reading the archive and handed over through the queue's
/// lock; after that only the worker reading it touches it, and `bytes` is never changed.
final class ArchiveMember: @unchecked Sendable {
    let bytes: MemberBytes
    /// The damage that ended the member's data, if it broke (thrown after `bytes`).
    let damage: InputDamage?
    /// Whether that damage is the archive's own source's (`ArchiveFeed.damage`): the archive
    /// reader reports it once, on the member if the member's reading meets it.
    let archiveBroke: Bool
    /// The member's position in the input order, kept by the analysis reading the archive.
    let slot: Analysis.InputSlot
    let path: String
    let member: String
    let container: String
    let depth: Int

    init(
        bytes: MemberBytes, damage: InputDamage?, archiveBroke: Bool, slot: Analysis.InputSlot, path: String, member: String,
        container: String, depth: Int
    ) {
        self.bytes = bytes
        self.damage = damage
        self.archiveBroke = archiveBroke
        self.slot = slot
        self.path = path
        self.member = member
        self.container = container
        self.depth = depth
    }

    /// A new stream over the copy.
    func source() -> MemorySource { MemorySource(bytes, damage: damage) }
}
