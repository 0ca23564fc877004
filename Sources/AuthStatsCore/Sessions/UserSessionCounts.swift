/// Each user's number of sessions that start on the counted days (`Sessionizer.userDays`), by
/// user hash, kept sorted by hash: the order in which the session log gives compact records,
/// and in which the segment pass walks the users. So the counts are built by appending and
/// read by walking, not hashed: a dictionary of the bench set's 680,000 users cost the end of a
/// segments run ~0.2 s on one core, finding each member's count (`SegmentPass.Output.addSessions`).
public struct UserSessionCounts: Sendable, Equatable {
    /// Ascending, each user once.
    public private(set) var users: [UInt64] = []
    /// `counts[i]` is the count of `users[i]`.
    public private(set) var counts: [Int] = []
    /// Appended out of order (a named session log is sorted by user id, not by hash):
    /// sorted by `finish()`.
    private var unsorted = false

    public init() {}

    public var count: Int { users.count }
    public var isEmpty: Bool { users.isEmpty }

    /// Adds a user not added before; `finish()` sorts the users if they came out of order.
    mutating func append(user: UInt64, count: Int) {
        if let last = users.last, user <= last { unsorted = true }
        users.append(user)
        counts.append(count)
    }

    /// Sorts the users after appends out of order, their counts with them (a hash that came
    /// twice, two user ids of one 64-bit hash, has its counts added).
    mutating func finish() {
        guard unsorted else { return }
        let order = users.indices.sorted { users[$0] < users[$1] }
        var sortedUsers: [UInt64] = []
        var sortedCounts: [Int] = []
        sortedUsers.reserveCapacity(users.count)
        sortedCounts.reserveCapacity(users.count)
        for i in order {
            if sortedUsers.last == users[i] {
                sortedCounts[sortedCounts.count - 1] += counts[i]
            } else {
                sortedUsers.append(users[i])
                sortedCounts.append(counts[i])
            }
        }
        users = sortedUsers
        counts = sortedCounts
        unsorted = false
    }

    /// The same users with the same counts.
    public static func == (a: UserSessionCounts, b: UserSessionCounts) -> Bool {
        a.users == b.users && a.counts == b.counts
    }

    /// The count of `user`, or nil. (A binary search; a walk in hash order uses `Cursor`.)
    public subscript(user: UInt64) -> Int? {
        precondition(!unsorted, "finish() the counts before reading them")
        let i = firstIndex(notBelow: user, before: users.count)
        return i < users.count && users[i] == user ? counts[i] : nil
    }

    /// The first index before `end` whose user is not below `user` (`end` when there is none).
    fileprivate func firstIndex(notBelow user: UInt64, before end: Int) -> Int {
        var low = 0
        var high = end
        while low < high {
            let middle = (low + high) / 2
            if users[middle] < user { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Adds `other`'s counts (another shard's users; a user in both has the two added).
    mutating func merge(_ other: UserSessionCounts) {
        precondition(!unsorted && !other.unsorted, "finish() the counts before merging them")
        guard !other.isEmpty else { return }
        guard !isEmpty else { return self = other }
        var mergedUsers: [UInt64] = []
        var mergedCounts: [Int] = []
        mergedUsers.reserveCapacity(users.count + other.users.count)
        mergedCounts.reserveCapacity(users.count + other.users.count)
        var (i, j) = (0, 0)
        while i < users.count || j < other.users.count {
            if j == other.users.count || (i < users.count && users[i] < other.users[j]) {
                mergedUsers.append(users[i])
                mergedCounts.append(counts[i])
                i += 1
            } else if i == users.count || other.users[j] < users[i] {
                mergedUsers.append(other.users[j])
                mergedCounts.append(other.counts[j])
                j += 1
            } else {
                mergedUsers.append(users[i])
                mergedCounts.append(counts[i] + other.counts[j])
                i += 1
                j += 1
            }
        }
        users = mergedUsers
        counts = mergedCounts
    }

    /// Reads the counts of users given in ascending order, each in amortized constant time;
    /// a user below the one before starts the walk again (a binary search).
    struct Cursor {
        let counts: UserSessionCounts
        private var at = 0
        private var last: UInt64?

        init(_ counts: UserSessionCounts) {
            precondition(!counts.unsorted, "finish() the counts before reading them")
            self.counts = counts
        }

        mutating func count(of user: UInt64) -> Int? {
            // Another ascending run (a second lane's members): start again where it lands.
            if let last, user < last { at = counts.firstIndex(notBelow: user, before: at) }
            last = user
            let users = counts.users
            while at < users.count && users[at] < user { at += 1 }
            return at < users.count && users[at] == user ? counts.counts[at] : nil
        }
    }
}
