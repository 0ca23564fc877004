import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("LoserTree, as the k-way merges use it")
struct LoserTreeTests {
    struct Head: Comparable {
        var value: Int, run: Int
        static func < (a: Head, b: Head) -> Bool { (a.value, a.run) < (b.value, b.run) }
    }

    /// Merges `runs` (each sorted) by replaceTop and pop, as the merges do.
    static func merge(_ runs: [[Int]]) -> [Head] {
        let tree = LoserTree(order: NaturalOrder<Head>(), runs.indices.map { r in runs[r].first.map { Head(value: $0, run: r) } })
        var next = [Int](repeating: 1, count: runs.count)
        var merged: [Head] = []
        while let top = tree.top {
            merged.append(top)
            let r = top.run
            if next[r] < runs[r].count {
                tree.replaceTop(Head(value: runs[r][next[r]], run: r))
                next[r] += 1
            } else {
                #expect(tree.pop() == top)
            }
        }
        #expect(tree.pop() == nil)
        return merged
    }

    @Test("a k-way merge gives every element in order, ties by run, for any number of runs (also none, one, and not a power of two)")
    func mergeInOrder() {
        var random = SeededRandom(seed: 11)
        for k in [0, 1, 2, 3, 5, 8, 9, 16, 17, 31, 64] {
            for _ in 0..<20 {
                // Runs of random lengths (some empty), with repeated values across runs.
                let runs: [[Int]] = (0..<k).map { _ in
                    (0..<Int.random(in: 0...40, using: &random)).map { _ in Int.random(in: 0...60, using: &random) }.sorted()
                }
                let merged = Self.merge(runs)
                #expect(merged.map(\.value) == runs.flatMap { $0 }.sorted(), "k \(k)")
                #expect(merged == merged.sorted(), "k \(k): ties by run, as the merges need")
            }
        }
    }

    @Test("elements that need deinitializing (strings) are released when the tree ends with sources left")
    func releasesElements() {
        struct Named: Comparable {
            var name: String, run: Int
            static func < (a: Named, b: Named) -> Bool { (a.name, a.run) < (b.name, b.run) }
        }
        let tree = LoserTree(order: NaturalOrder<Named>(), [Named(name: "b" + String(repeating: "x", count: 40), run: 0), nil, Named(name: "a", run: 2)])
        #expect(tree.top?.run == 2)
        tree.replaceTop(Named(name: "c", run: 2))
        #expect(tree.top?.run == 0)
        #expect(tree.pop()?.run == 0)
        #expect(tree.top?.name == "c")
    }
}
