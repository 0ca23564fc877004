import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("BinaryHeap, as the k-way merges use it")
struct BinaryHeapTests {
    @Test("a k-way merge by replaceTop gives every element in order")
    func mergeByReplaceTop() {
        var random = SeededRandom(seed: 11)
        // 9 sorted runs of random lengths, with repeated values across runs.
        let runs: [[Int]] = (0..<9).map { _ in (0..<Int.random(in: 0...40, using: &random)).map { _ in Int.random(in: 0...60, using: &random) }.sorted() }
        struct Head: Comparable {
            var value: Int, run: Int
            static func < (a: Head, b: Head) -> Bool { (a.value, a.run) < (b.value, b.run) }
        }
        var heap = BinaryHeap<NaturalOrder<Head>>()
        var next = [Int](repeating: 0, count: runs.count)
        for (r, run) in runs.enumerated() where !run.isEmpty {
            heap.push(Head(value: run[0], run: r))
            next[r] = 1
        }
        var merged: [Head] = []
        while let top = heap.top {
            merged.append(top)
            let r = top.run
            if next[r] < runs[r].count {
                heap.replaceTop(Head(value: runs[r][next[r]], run: r))
                next[r] += 1
            } else {
                _ = heap.pop()
            }
        }
        #expect(merged.map(\.value) == runs.flatMap { $0 }.sorted())
        #expect(merged == merged.sorted())  // ties by run, as the merges need
        #expect(heap.isEmpty)
    }
}
