import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsIngest

/// Issue 16: a plan is deterministic and balanced, and reads every file once.
@Suite("Shard plans: deterministic, balanced, every file in one shard (issue 16)")
struct ShardPlanTests {
    /// A listing of `count` files with sizes from a fixed pseudo-random sequence (a few equal).
    static func listing(_ count: Int, seed: UInt64 = 7) -> [ShardPlan.Listed] {
        var state = seed
        return (0..<count).map { n in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let size = Int64((state >> 33) % 5_000) + (n % 7 == 0 ? 50_000 : 0)
            return ShardPlan.Listed(path: "exports/\(n % 10)/file-\(n).gz", size: n % 11 == 0 ? 1_000 : size)
        }
    }

    @Test("the same listing and N give the same plan, byte for byte", arguments: [1, 2, 3, 8, 64])
    func deterministic(shards: Int) throws {
        let a = try ShardPlan.make(Self.listing(500), shards: shards)
        let b = try ShardPlan.make(Self.listing(500), shards: shards)
        #expect(a.json() == b.json())
        #expect(a.id.count == 32)
        // Another N, or another listing, is another plan.
        #expect(try ShardPlan.make(Self.listing(500), shards: shards + 1).id != a.id)
        #expect(try ShardPlan.make(Self.listing(499), shards: shards).id != a.id)
    }

    @Test("sizes that add up past 2^63 bytes are refused (a listing is input), not a trap")
    func sizesPastTheLargestInteger() throws {
        let twins = [ShardPlan.Listed(path: "a.gz", size: .max), ShardPlan.Listed(path: "b.gz", size: .max)]
        #expect(throws: ShardPlanError.tooLarge) { try ShardPlan.make(twins, shards: 2) }
        let apart = [ShardPlan.Listed(path: "a.gz", size: .max), ShardPlan.Listed(path: "b.gz", size: 1)]
        #expect(throws: ShardPlanError.tooLarge) { try ShardPlan.make(apart, shards: 1) }
        let fits = [ShardPlan.Listed(path: "a.gz", size: .max - 1), ShardPlan.Listed(path: "b.gz", size: 1)]
        #expect(try ShardPlan.make(fits, shards: 1).loads == [.max])
        #expect(ShardPlanError.tooLarge.description.contains("2^63"))
    }

    @Test("no shard carries more than the least loaded one plus the largest group of equal-size files", arguments: [1, 2, 3, 5, 8, 13, 100])
    func balanced(shards: Int) throws {
        for seed in [1, 2, 3] as [UInt64] {
            let files = Self.listing(300, seed: seed)
            let plan = try ShardPlan.make(files, shards: shards)
            let loads = plan.loads
            let largestGroup = Dictionary(grouping: files, by: \.size).values.map { $0.map(\.size).reduce(0, +) }.max()!
            #expect(loads.max()! <= loads.min()! + largestGroup)
            #expect(loads.reduce(0, +) == files.map(\.size).reduce(0, +))
        }
    }

    @Test("every file is in exactly one shard, with its place in the listing as index")
    func everyFileOnce() throws {
        let files = Self.listing(257)
        let plan = try ShardPlan.make(files, shards: 6)
        var seen: [Int: Int] = [:]
        for shard in 0..<6 {
            let mine = plan.files(ofShard: shard)
            #expect(mine.map(\.index) == mine.map(\.index).sorted(), "input order within a shard")
            for file in mine {
                #expect(seen.updateValue(shard, forKey: file.index) == nil)
                #expect(files[file.index].path == file.path)
            }
        }
        #expect(seen.count == files.count)
        #expect(plan.inputs.map(\.index) == Array(0..<257))
    }

    @Test("largest first (files of one size together), ties by path bytes, to the least loaded shard, ties to the lowest index")
    func assignmentOrder() throws {
        let files = [("d", 10), ("c", 30), ("b", 30), ("a", 20), ("e", 5), ("f", 25)].map { ShardPlan.Listed(path: $0.0, size: Int64($0.1)) }
        let plan = try ShardPlan.make(files, shards: 2)
        // b and c (60) → 0; f (25) → 1; a (20) → 1 (25 < 60); d (10) → 1 (45 < 60); e (5) → 1 (55 < 60).
        #expect(plan.inputs.map(\.shard) == [1, 0, 0, 1, 1, 1])
        #expect(plan.loads == [60, 60])
        // More shards than groups: the rest get nothing; equal loads go to the lowest index.
        #expect(try ShardPlan.make(files, shards: 7).loads == [60, 25, 20, 10, 5, 0, 0])
        let ties = try ShardPlan.make([("y", 7), ("x", 8), ("z", 8)].map { ShardPlan.Listed(path: $0.0, size: Int64($0.1)) }, shards: 3)
        #expect(ties.inputs.map(\.shard) == [1, 0, 0])
    }

    @Test("copies of a file (one size) are always in one shard, so its state recognises the copy")
    func copiesTogether() throws {
        var files = Self.listing(200)
        files += files.prefix(20).enumerated().map { n, file in ShardPlan.Listed(path: "copies/\(n).gz", size: file.size) }
        for shards in [2, 3, 7, 50] {
            let plan = try ShardPlan.make(files, shards: shards)
            for (size, inputs) in Dictionary(grouping: plan.inputs, by: \.size) {
                #expect(Set(inputs.map(\.shard)).count == 1, "size \(size)")
            }
        }
    }

    @Test("a bad number of shards and a path listed twice are refused", arguments: [0, -1, ShardPlan.maxShards + 1])
    func refused(shards: Int) {
        #expect(throws: ShardPlanError.badShardCount(shards)) { try ShardPlan.make(Self.listing(3), shards: shards) }
        let twice = [ShardPlan.Listed(path: "a", size: 1), ShardPlan.Listed(path: "a", size: 2)]
        #expect(throws: ShardPlanError.duplicatePath("a")) { try ShardPlan.make(twice, shards: 2) }
        #expect("\(ShardPlanError.badShardCount(0))" == "--shards 0: give a number of shards from 1 to 100000.")
    }

    @Test("archives are told by name", arguments: [
        ("a.tar", true), ("x/a.TGZ", true), ("a.tar.gz", true), ("a.tar.zst", true), ("s3://b/k/a.zip", true),
        ("a.gz", false), ("a.json", false), ("tar", false), (".zip", false), ("archive.tar/file.gz", false),
        ("d\u{E9}j\u{E0}/\u{E9}.Tar.Zst", true), ("a.ZIP/", false), ("", false), ("/.tar", false), ("a.t\u{E1}r", false),
    ])
    func archiveNames(name: String, archive: Bool) {
        #expect(ArchiveName.isArchive(name) == archive)
        #expect(ShardPlan.Listed(path: name, size: 1).archive == archive)
        // The plain way, by `String`s (the last component lower-cased), says the same.
        let last = name.split(separator: "/", omittingEmptySubsequences: false).last.map { $0.lowercased() } ?? ""
        #expect(ArchiveName.extensions.contains { last.hasSuffix($0) && last.count > $0.count } == archive)
    }
}

@Suite("Plan files and listings: written and read back; bad ones named (issue 16)")
struct ShardPlanFileTests {
    @Test("a plan reads back as written")
    func roundTrip() throws {
        let plan = try ShardPlan.make(ShardPlanTests.listing(40) + [ShardPlan.Listed(path: "s3://bucket/q\"uote\\d.tar.gz", size: 9)], shards: 3)
        let folder = CLI.temporaryFolder("plan")
        let url = folder.appendingPathComponent("plan.json")
        try plan.json().write(to: url, atomically: true, encoding: .utf8)
        let loaded = try ShardPlan.load(path: url.path)
        #expect(loaded == plan)
        #expect(loaded.files(ofShard: 2).map(\.index) == plan.inputs.filter { $0.shard == 2 }.map(\.index))
        // Foundation's own parser agrees with the hand-written JSON.
        let object = try JSONSerialization.jsonObject(with: Data(plan.json().utf8)) as! [String: Any]
        #expect(object["schema"] as? String == "authstats.plan/1")
        #expect((object["inputs"] as! [[String: Any]]).last?["path"] as? String == "s3://bucket/q\"uote\\d.tar.gz")
        #expect(throws: ShardPlanError.shardOutOfRange(shard: 3, shards: 3, id: plan.id)) { try loaded.check(shard: 3) }
        #expect("\(ShardPlanError.shardOutOfRange(shard: 3, shards: 3, id: "ab"))" == "shard 3 is not in plan ab, whose shards are 0 to 2.")
    }

    static let good = #"{"schema": "authstats.plan/1", "id": "0123456789abcdef0123456789abcdef", "shards": 2, "inputs": [{"path": "a", "size": 1, "archive": false, "shard": 1, "index": 0}]}"#

    @Test("a file that is not a plan is refused with the reason", arguments: [
        ("{", "not JSON"),
        (good.replacingOccurrences(of: "plan/1", with: "plan/2"), "schema 'authstats.plan/2' is not authstats.plan/1; make the plan again with this authstats"),
        (good.replacingOccurrences(of: "\"shard\": 1", with: "\"shard\": 2"), "input \"a\" is in shard 2, not 0 to 1"),
        (good.replacingOccurrences(of: "\"index\": 0", with: "\"index\": 1"), "input \"a\" has index 1; the indexes must be 0 to 0, each once"),
        (good.replacingOccurrences(of: "0123456789abcdef0123456789abcdef", with: "xyz"), "id 'xyz' is not 32 lower-case hex digits"),
        (good.replacingOccurrences(of: "\"size\": 1", with: "\"size\": \"1\""), "not an authstats plan (inputs[0].size: expected a number)"),
        (good.replacingOccurrences(of: "\"archive\": false, ", with: ""), "not an authstats plan (inputs[0]: missing \"archive\")"),
        (good + " {}", "not JSON"),
        ("[" + good + "]", "not an authstats plan (expected an object)"),
        (good.replacingOccurrences(of: "\"id\"", with: "\"Id\""), "not an authstats plan (missing \"id\")"),
        (good.replacingOccurrences(of: "\"shards\": 2", with: "\"shards\": 2.5"), "not an authstats plan (shards: expected a whole number)"),
        (good.replacingOccurrences(of: "\"archive\": false", with: "\"archive\": 0"), "not an authstats plan (inputs[0].archive: expected true or false)"),
        (good.replacingOccurrences(of: "[{", with: "[7, {"), "not an authstats plan (inputs[0]: expected an object)"),
        (good.replacingOccurrences(of: "}]}", with: "}, {\"path\": \"b\"}]}"), "not an authstats plan (inputs[1]: missing \"size\")"),
        (#"{"schema": "authstats.plan/1", "id": "0123456789abcdef0123456789abcdef", "shards": 2, "inputs": {}}"#,
         "not an authstats plan (inputs: expected an array)"),
        // The schema is named first, whatever else is wrong.
        (#"{"schema": "authstats.plan/0", "inputs": 3}"#, "schema 'authstats.plan/0' is not authstats.plan/1; make the plan again with this authstats"),
    ])
    func badPlans(text: String, reason: String) {
        #expect(throws: ShardPlanError.badPlan(file: "p.json", reason: reason)) { try ShardPlan.parse(Data(text.utf8), name: "p.json") }
    }

    @Test("a plan written by another JSON writer reads the same (the Spark driver's: Python's json)")
    func otherWriters() throws {
        let plan = try ShardPlan.make(ShardPlanTests.listing(12) + [ShardPlan.Listed(path: "s3://b/é \"q\"\\x.gz", size: 3)], shards: 3)
        let object = try JSONSerialization.jsonObject(with: Data(plan.json().utf8)) as! [String: Any]
        // Keys sorted, one line, escapes of its own (\u00e9, \/), an extra key at each level.
        var extra = object
        extra["note"] = ["kept": [1, 2.5, nil, true] as [Any?]]
        extra["inputs"] = (object["inputs"] as! [[String: Any]]).map { $0.merging(["etag": "x\u{1}"]) { a, _ in a } }
        for options: JSONSerialization.WritingOptions in [[.sortedKeys], [.prettyPrinted, .withoutEscapingSlashes]] {
            let data = try JSONSerialization.data(withJSONObject: extra, options: options)
            #expect(try ShardPlan.parse(data, name: "p.json") == plan)
        }
        // A byte order mark, an entry with an object of its own, a key twice (the last wins, as
        // in Python's json), and a plan of no inputs.
        let marked = [UInt8]([0xEF, 0xBB, 0xBF]) + Array(plan.json().replacingOccurrences(of: "\"shard\": ", with: "\"more\": {\"shard\": -1}, \"shard\": 9, \"shard\": ").utf8)
        #expect(try ShardPlan.parse(Data(marked), name: "p.json") == plan)
        let empty = ShardPlan(id: plan.id, shards: 2, inputs: [])
        #expect(try ShardPlan.parse(Data(empty.json().utf8), name: "p.json") == empty)
        #expect(try ShardPlan.parse(Data(#"{"inputs":[],"shards":2,"id":"\#(plan.id)","schema":"authstats.plan/1"}"#.utf8), name: "p.json") == empty)
        let escaped = plan.json().replacingOccurrences(of: "é", with: "\\u00e9").replacingOccurrences(of: "s3://", with: "s3:\\/\\/")
        #expect(try ShardPlan.parse(Data(escaped.utf8), name: "p.json") == plan)
    }

    @Test("a missing plan file names the OS reason")
    func missing() {
        #expect(throws: ShardPlanError.badPlan(file: "/no/such/plan.json", reason: "No such file or directory")) {
            try ShardPlan.load(path: "/no/such/plan.json")
        }
        #expect("\(ShardPlanError.badPlan(file: "p.json", reason: "not JSON"))" == "Unable to read plan p.json: not JSON")
    }

    @Test("listing lines: path<TAB>size, the size after the last tab; bad lines named")
    func listing() throws {
        let files = try ShardPlan.parseListing("s3://b/a.gz\t10\n\ns3://b/with\ttab.tgz\t20\r\n", name: "l.tsv")
        #expect(files == [ShardPlan.Listed(path: "s3://b/a.gz", size: 10), ShardPlan.Listed(path: "s3://b/with\ttab.tgz", size: 20, archive: true)])
        #expect(throws: ShardPlanError.badListingLine(file: "l.tsv", line: 2, reason: "no tab; each line is path<TAB>size in bytes")) {
            try ShardPlan.parseListing("a\t1\nb 2\n", name: "l.tsv")
        }
        #expect(throws: ShardPlanError.badListingLine(file: "l.tsv", line: 1, reason: "size '-3' is not a number of bytes")) {
            try ShardPlan.parseListing("a\t-3\n", name: "l.tsv")
        }
        #expect(throws: ShardPlanError.badListingLine(file: "l.tsv", line: 1, reason: "the path is empty")) {
            try ShardPlan.parseListing("\t3\n", name: "l.tsv")
        }
    }

    @Test("local inputs are listed as report reads them, with their sizes; the plan file is not an input")
    func localListing() throws {
        let folder = CLI.temporaryFolder("plan-local")
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appendingPathComponent("in/b"), withIntermediateDirectories: true)
        try Data(count: 5).write(to: folder.appendingPathComponent("in/b/x.gz"))
        try Data(count: 7).write(to: folder.appendingPathComponent("in/a.tar"))
        try Data(count: 1).write(to: folder.appendingPathComponent("in/.hidden"))
        try Data(count: 2).write(to: folder.appendingPathComponent("in/plan.json"))
        let root = folder.appendingPathComponent("in").path
        let (files, problems) = ShardPlan.listLocal([root, folder.appendingPathComponent("nope").path], excluding: [root + "/plan.json"])
        #expect(files == [ShardPlan.Listed(path: root + "/a.tar", size: 7, archive: true), ShardPlan.Listed(path: root + "/b/x.gz", size: 5)])
        #expect(problems == [.notListed(path: folder.appendingPathComponent("nope").path, message: "Unable to open \(folder.path)/nope: No such file or directory")])
    }
}
