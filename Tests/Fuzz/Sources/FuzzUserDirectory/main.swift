/// Fuzz target: the user-directory readers (`--users`): `aws cognito-idp list-users` JSON
/// pages and the Cognito user CSV, chosen by the content as on the command line.
///
/// Properties, besides no crash, no memory error and no hang: a file gives the same users and
/// problems whether read whole or a few bytes at a time, and whether its users stay in memory
/// or spill (to a `MemorySpillStore`, past a tiny budget); the users come once each, in hash
/// order, under the hash of their sub; every problem names the file.
import AuthStatsCore
import FuzzSupport

/// Every user as the segment pass gets them (hash, user), and the problems.
typealias Loaded = (users: [(UInt64, DirectoryUser)], problems: [String])

FuzzDriver.run { bytes in
    let data = Array(bytes)
    func load(chunk: Int, budget: Int) -> Result<Loaded, UserDirectory.Failure> {
        var directory = UserDirectory(memoryBudget: budget, store: MemorySpillStore())
        do {
            let problems = try directory.load(data, name: "users.fuzz", chunk: chunk)
            var users: [(UInt64, DirectoryUser)] = []
            let stream = directory.sortedUsers()
            while let (hash, user) = stream.next() { users.append((hash, user)) }
            check(users.count == directory.count, "\(users.count) users streamed, count says \(directory.count)")
            return .success((users, problems))
        } catch let failure as UserDirectory.Failure {
            return .failure(failure)
        } catch {
            check(false, "load threw \(error), not a UserDirectory.Failure")
            fatalError()
        }
    }
    let whole = load(chunk: 1 << 20, budget: 16 << 20)
    for other in [load(chunk: 3, budget: 200), load(chunk: 64, budget: 1 << 20)] {
        switch (whole, other) {
        case (.success(let a), .success(let b)):
            check(a.users.map(\.0) == b.users.map(\.0) && a.users.map(\.1) == b.users.map(\.1) && a.problems == b.problems,
                  "a load in pieces or spilled differs")
        case (.failure(let a), .failure(let b)):
            check(a.description == b.description && !a.description.isEmpty, "two failures differ or are empty")
        default:
            check(false, "one load failed, the other did not")
        }
    }
    if case .success(let a) = whole {
        for problem in a.problems { check(problem.contains("users.fuzz"), "a problem that does not name the file: \(problem)") }
        for (index, (hash, user)) in a.users.enumerated() {
            check(!user.sub.isEmpty && hash == UserID(user.sub).hash, "user \(user.sub.debugDescription) under hash \(hash)")
            check(index == 0 || a.users[index - 1].0 < hash, "users not in ascending hash order")
        }
    }
}
