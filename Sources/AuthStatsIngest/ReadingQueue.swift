import Foundation

/// What the workers of `ParallelReader` read next: an archive member that a worker reading an
/// archive handed over (`ArchiveReader`), else the next input file in sorted order.
///
/// Members come first, so that an archive is read by every worker and the members waiting
/// here stay few: they are held in memory, at most `byteLimit` bytes of them (a member is
/// always taken when none waits). A worker reading an archive never waits for room: when
/// there is none, it reads the member itself. A worker with nothing to take waits while some
/// file is still being read (an archive may hand over more members), and stops after.
final class ReadingQueue: @unchecked Sendable {
    // Unchecked: every member is guarded by `condition`.

    /// The work a worker takes.
    enum Work {
        case member(ArchiveMember)
        /// The index of an input file.
        case file(Int)
    }

    /// An archive member longer than this (as the archive holds it) is read in place by the
    /// worker reading its archive, as it comes, instead of being copied and handed over.
    let memberLimit: Int
    /// The bytes of waiting members, at most (a single member may pass it).
    let byteLimit: Int
    private let condition = NSCondition()
    private let fileCount: Int
    private var nextFile = 0
    /// Files taken and not yet read to their end.
    private var reading = 0
    /// Waiting members from `firstMember` on (those before it are taken).
    private var members: [ArchiveMember?] = []
    private var firstMember = 0
    private var memberBytes = 0

    init(files: Int, memberLimit: Int, byteLimit: Int) {
        fileCount = files
        self.memberLimit = memberLimit
        self.byteLimit = byteLimit
    }

    /// The next work: a waiting member, else the next file; nil once every file is read and
    /// no member waits. Waits while neither is there but a file is still being read.
    func next() -> Work? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if firstMember < members.count, let member = members[firstMember] {
                members[firstMember] = nil  // its bytes go once it is read
                firstMember += 1
                memberBytes -= member.bytes.count
                if firstMember == members.count || firstMember >= 1024 {
                    members.removeFirst(firstMember)
                    firstMember = 0
                }
                return .member(member)
            }
            if nextFile < fileCount {
                nextFile += 1
                reading += 1
                return .file(nextFile - 1)
            }
            if reading == 0 { return nil }
            condition.wait()
        }
    }

    /// A file taken with `next()` has been read to its end.
    func fileRead() {
        condition.lock()
        reading -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Hands `member` to the next free worker; false when the waiting members fill the room
    /// (then the caller reads it).
    func offer(_ member: ArchiveMember) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard firstMember == members.count || memberBytes + member.bytes.count <= byteLimit else { return false }
        members.append(member)
        memberBytes += member.bytes.count
        condition.signal()
        return true
    }

    /// Runs `body` while no other caller of `serialized` runs.
    func serialized(_ body: () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        body()
    }
}
