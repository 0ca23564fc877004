import AuthStatsGenerator
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

    /// A copy of the file at `path` cut to its first `fraction`, beside it as `cut.gz`.
    public static func truncatedCopy(of path: String, fraction: Double) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("cut.gz")
        try data.prefix(Int(Double(data.count) * fraction)).write(to: cut)
        return cut.path
    }

    /// `count` page views of `users` users, one a second from 2023-11-14T22:13:20Z.
    public static func pageViews(_ count: Int, users: Int) -> [String] {
        (0..<count).map { PinpointLine("pageView", at: 1_700_000_000_000 + Int64($0) * 1000, user: "u\($0 % users)").json }
    }
}

/// A seeded random generator (the generator's SplitMix64), so that tests shuffle and
/// generate the same way on every run.
public typealias SeededRandom = SplitMix64

extension SplitMix64 {
    /// A number in `0..<n`.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
