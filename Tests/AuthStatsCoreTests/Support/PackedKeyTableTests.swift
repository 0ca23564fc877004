@testable import AuthStatsCore
import Testing

@Suite struct PackedKeyTableTests {
    @Test("values by key through growth, against a dictionary: keys of every size, updates in place, each key once")
    func againstADictionary() {
        var table = PackedKeyTable(initial: 0, capacityLog2: 2)
        var expected: [UInt64: Int] = [:]
        var state: UInt64 = 0x1234_5678
        for n in 0..<50_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Few distinct keys at first (updates of the same ones), then many; the largest
            // key below `empty` and 0 among them.
            let key = n % 7 == 0 ? state % 64 : (n == 100 ? PackedKeyTable<Int>.empty - 1 : state >> (n % 3 == 0 ? 40 : 1))
            table.update(key) { $0 += n }
            expected[key, default: 0] += n
        }
        var seen: [UInt64: Int] = [:]
        table.forEach { key, value in
            #expect(seen[key] == nil, "key \(key) twice")
            seen[key] = value
        }
        #expect(seen == expected)
        #expect(table.count == expected.count && table.keys.count >= 2 * table.count)
    }
}
