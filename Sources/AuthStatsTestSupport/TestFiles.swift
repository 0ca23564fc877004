import AuthStatsIngest
import Foundation

/// Writing test inputs.
public enum TestFiles {
    /// Writes `lines` (newline-terminated) gzip-compressed at `path`.
    public static func gzip(_ lines: [String], to path: String, level: Int32 = 1) throws {
        let writer = try GzipFileWriter(path: path, level: level)
        for line in lines { try writer.write(line + "\n") }
        try writer.close()
    }

    /// `count` page views of `users` users, one a second from 2023-11-14T22:13:20Z.
    public static func pageViews(_ count: Int, users: Int) -> [String] {
        (0..<count).map { PinpointLine("pageView", at: 1_700_000_000_000 + Int64($0) * 1000, user: "u\($0 % users)").json }
    }
}

/// SplitMix64: a seeded random generator, so that tests shuffle and generate the same way
/// on every run.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}
