import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("BucketSort, as the spills use it")
struct BucketSortTests {
    @Test("the same order as the standard sort: spread keys, a heavy key, ties broken by index, tiny inputs", arguments: [0, 1, 2, 33, 5000])
    func sameAsSort(count: Int) {
        var random = SeededRandom(seed: UInt64(count) + 3)
        // (lead, second key, original index); every fifth item shares one lead (a bucket far
        // over 32), and seconds repeat: the index breaks the ties.
        let items: [(UInt64, UInt64, Int)] = (0..<count).map { i in
            (i % 5 == 0 ? 0x8000_0000_0000_0000 : random.next(), UInt64(i % 7), i)
        }
        let sorted = BucketSort.sorted(count: items.count, item: { items[$0] }, lead: { $0.0 }) { a, b in (a.0, a.1, a.2) < (b.0, b.1, b.2) }
        let expected = items.sorted { a, b in (a.0, a.1, a.2) < (b.0, b.1, b.2) }
        #expect(sorted.map(\.2) == expected.map(\.2))
    }
}
