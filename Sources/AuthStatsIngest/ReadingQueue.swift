import Foundation

/// What the workers of `ParallelReader` read next: an archive member that a worker reading an
/// archive handed over (`ArchiveReader`), else the next input file in sorted order.
///
/// Members come first, so that an archive is read by every worker and the members waiting
/// here stay few: they are held in memory, at most `byteLimit` bytes of them (a member is
/// always taken when none waits). A worker reading an archive never waits for room: when
/// there is none, it reads the member itself. A worker with nothing to take waits while some
/// file is still being read (an archive may hand over more members), and stops after.
///
/// All copies alive at once (waiting here, being read, or held by the worker reading their
/// archive) take at most `copyBudget` bytes: a member that does not fit is read in place, as
/// it comes, by the worker reading its archive (as every member is with one worker).
final class ReadingQueue: @unchecked Sendable {
    // Unchecked: every member is guarded by `condition`.

    /// The work a worker takes.
    enum Work {
        case member(ArchiveMember)
        /// The index of an input file.
        case file(Int)
    }

    /// The bytes of all copied members alive at once, at most.
    let copyBudget: Int
    /// The bytes of waiting members, at most (a single member may pass it).
    let byteLimit: Int
    /// The bytes of copied members alive now.
    private var copied = 0
    private let condition = NSCondition()
    private let fileCount: Int
    private var nextFile = 0
    /// Files taken and not yet read to their end.
    private var reading = 0
    /// Waiting members from `firstMember` on (those before it are taken).
    private var members: [ArchiveMember?] = []
    private var firstMember = 0
    private var memberBytes = 0

    init(files: Int, copyBudget: Int, byteLimit: Int) {
        fileCount = files
        self.copyBudget = copyBudget
        self.byteLimit = byteLimit
    }

    /// Takes room for a copy of `bytes` in `copyBudget`; false when it does not fit.
    func reserveCopy(_ bytes: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard copied + bytes <= copyBudget else { return false }
        copied += bytes
        return true
    }

    /// Gives back room taken by `reserveCopy` (a copy is read, or came out shorter).
    func releaseCopy(_ bytes: Int) {
        condition.lock()
        copied -= bytes
        condition.unlock()
    }

    /// Buffers of copies let go, kept for the next ones (at most `copyBudget` bytes of them):
    /// one above glibc's mmap threshold (`Allocator`) would otherwise be mapped and faulted in
    /// anew for each member (system time was 0.75 s against 0.15 s for a tar of 120 plain
    /// 10 MB objects). Smaller ones come from and go back to the heap.
    private var spares: [UnsafeMutableRawBufferPointer] = []
    private var spareBytes = 0
    static let sparedSize = 1 << 20

    /// A buffer of at least `capacity` bytes: a spare one of at most twice that, else new.
    func takeBuffer(_ capacity: Int) -> UnsafeMutableRawBufferPointer {
        if capacity >= Self.sparedSize {
            condition.lock()
            let fitting = spares.indices.filter { spares[$0].count >= capacity && spares[$0].count <= 2 * capacity }
            if let best = fitting.min(by: { spares[$0].count < spares[$1].count }) {
                let buffer = spares.remove(at: best)
                spareBytes -= buffer.count
                condition.unlock()
                return buffer
            }
            condition.unlock()
        }
        return .allocate(byteCount: capacity, alignment: 16)
    }

    /// Takes back a buffer from `takeBuffer`; it must not be used after.
    func giveBuffer(_ buffer: UnsafeMutableRawBufferPointer) {
        if buffer.count >= Self.sparedSize {
            condition.lock()
            if spareBytes + buffer.count <= copyBudget {
                spares.append(buffer)
                spareBytes += buffer.count
                condition.unlock()
                return
            }
            condition.unlock()
        }
        buffer.deallocate()
    }

    deinit {
        for buffer in spares { buffer.deallocate() }
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
