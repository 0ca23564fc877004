import Foundation
import Testing

@testable import AuthStatsCore

@Suite("inOrder: jobs worked on in parallel, taken in the order they were made")
struct InOrderTests {
    /// Counts the jobs made and not yet taken, and the most at once.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0
        private(set) var most = 0
        func add(_ n: Int) {
            lock.lock()
            now += n
            most = max(most, now)
            lock.unlock()
        }
    }

    @Test("results in job order whatever finishes first; at most threads + 1 jobs not taken", arguments: [1, 2, 3, 8])
    func order(threads: Int) {
        var made = 0
        var taken: [Int] = []
        let open = Counter()
        inOrder(
            threads: threads,
            next: {
                guard made < 200 else { return nil }
                made += 1
                open.add(1)
                return made
            },
            work: { (job: Int) -> Int in
                // Early jobs take longest, so that later ones finish first.
                if job % 7 == 1 { usleep(UInt32(200 + (200 - job) * 5)) }
                return job * job
            }
        ) { (result: Int) in
            taken.append(result)
            open.add(-1)
        }
        #expect(taken == (1...200).map { $0 * $0 })
        #expect(open.most <= threads + 1)
    }

    @Test("no job: nothing taken")
    func empty() {
        var taken = 0
        inOrder(threads: 4, next: { nil as Int? }, work: { $0 }) { _ in taken += 1 }
        #expect(taken == 0)
    }
}
