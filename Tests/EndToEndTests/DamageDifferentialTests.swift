import AuthStatsTestSupport
import Foundation
import Testing

/// Damaged inputs against a reference reader (issue 11): for random damage of generated
/// inputs in every compression and framing, the records the built `authstats` keeps are
/// exactly the intact records that Python's codecs and `json` recover, and every other byte
/// is accounted for (in rejects.ndjson, or by the input's `partial`/`failed` status).
///
/// `Tests/Differential/damage_reference.py` writes the inputs and the expectations (its
/// docstring says how each is decided); one `authstats report --sessions-detail` run reads
/// them all. Every record is a sign-in of a user of its own, so sessions.csv names exactly
/// the records that were counted. Fixed seed: the same cases on every run.
@Suite("Damaged inputs against a reference reader (differential)")
struct DamageDifferentialTests {
    /// One case of expected.json.
    struct Case: Decodable {
        var file: String
        /// The prefix of every user id of the case (`c017`).
        var prefix: String
        var codec: String
        var framing: String
        var damage: String
        var detail: String?
        var member: String?
        /// Users whose record must be counted: all of them, and no other of the case.
        var kept: [String]
        /// The codec stopped on damage: the input must be `partial` (or `failed`, with nothing kept).
        var broke: Bool
        /// Texts that must each be inside the `raw` of some reject of this input.
        var rejectContains: [String]
        /// For byte flips: the text of each kept record (garbage may repeat its id, not all of it).
        var keptRecords: [String]?
        /// NUL bytes were put between records: the input must count them as a padding skip.
        var padding: Bool?
    }

    struct Expected: Decodable {
        var seed: Int
        var cases: [Case]
        var rerolledFlips: Int
        var codecs: [String]
        var missingCodecs: [String: String]
    }

    /// One entry of summary.json's `inputs`.
    struct Input {
        var member: String?
        var status: String
        var error: String?
        var events: Int
        var skipReasons: [String: Int]
    }

    /// What the run wrote, by input file name.
    struct Outcome {
        var sessionsByPrefix: [String: Set<String>] = [:]
        var inputs: [String: [Input]] = [:]
        var rejects: [String: [String]] = [:]
        var status: Int32
        var stderr: String
    }

    /// The cases and the run, made once for all the tests below.
    static let prepared: Result<(Expected, Outcome), any Error> = Result { try prepare() }

    static func prepare() throws -> (Expected, Outcome) {
        let folder = CLI.temporaryFolder("damage")
        let script = CLI.packageRoot.appendingPathComponent("Tests/Differential/damage_reference.py")
        let python = try CLI.program(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, folder.path, "--seed", "11"])
        guard python.status == 0 else { throw Failure("damage_reference.py failed (\(python.status)): \(python.stderr)") }
        print("damage differential: \(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
        if !python.stderr.isEmpty { print(python.stderr) }  // a missing codec is said out loud

        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let expected = try decoder.decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))

        let out = folder.appendingPathComponent("out")
        var arguments = ["report", folder.appendingPathComponent("inputs").path, "--out", out.path, "--sessions-detail", "--quiet"]
        // Every reject is needed here; the cap (issue 11) may be lower than this run's count.
        if try CLI.run(["report", "--help"]).stdout.contains("--max-rejects") { arguments += ["--max-rejects", "10000000"] }
        let result = try CLI.run(arguments)
        var outcome = Outcome(status: result.status, stderr: result.stderr)
        guard FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path) else {
            return (expected, outcome)
        }

        let sessions = try String(contentsOf: out.appendingPathComponent("sessions.csv"), encoding: .utf8)
        for line in sessions.split(separator: "\n").dropFirst() {
            let user = String(line.prefix { $0 != "," })
            outcome.sessionsByPrefix[String(user.prefix(4)), default: []].insert(user)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        for input in summary["inputs"] as! [[String: Any]] {
            outcome.inputs[Self.fileName(input["path"] as! String), default: []].append(
                Input(
                    member: input["member"] as? String, status: input["status"] as! String, error: input["error"] as? String,
                    events: input["events"] as! Int, skipReasons: input["skip_reasons"] as? [String: Int] ?? [:]))
        }
        let rejects = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        for line in rejects.split(separator: "\n") {
            let reject = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            outcome.rejects[Self.fileName(reject["input"] as! String), default: []].append(reject["raw"] as! String)
        }
        return (expected, outcome)
    }

    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }

    /// What is wrong with authstats's handling of `c`, if anything.
    static func problems(_ c: Case, _ outcome: Outcome) -> [String] {
        var problems: [String] = []
        let kept = Set(c.kept)
        let got = outcome.sessionsByPrefix[c.prefix] ?? []
        if got != kept {
            let missing = kept.subtracting(got).sorted()
            let extra = got.subtracting(kept).sorted()
            problems.append(
                "kept \(got.count) records, the reference \(kept.count): \(missing.count) missing (first \(missing.first ?? "-")), \(extra.count) not intact (first \(extra.first ?? "-"))")
        }
        let entries = outcome.inputs[c.file] ?? []
        if entries.count != 1 {
            problems.append("\(entries.count) entries in summary.json: \(entries.map { "\($0.member ?? "-") \($0.status): \($0.error ?? "-")" })")
        }
        if let input = entries.first {
            let status = input.status
            let error = input.error ?? "no error"
            if c.broke && !kept.isEmpty && status != "partial" {
                problems.append("status \(status) (\(error)): the stream broke after \(kept.count) records")
            } else if c.broke && !["partial", "failed"].contains(status) {
                problems.append("status \(status): the stream broke")
            } else if !c.broke && status != "ok" {
                problems.append("status \(status) (\(error)): the stream is whole")
            }
            if input.events != kept.count {
                problems.append("\(input.events) events in summary.json, \(kept.count) intact records")
            }
            if c.padding == true && !input.skipReasons.keys.contains(where: { $0.hasPrefix("NUL padding") }) {
                problems.append("the NUL bytes are not a padding skip: \(input.skipReasons)")
            }
            if let member = c.member, input.member != member {
                problems.append("member \(input.member ?? "null"), not \(member)")
            }
        }
        let raws = outcome.rejects[c.file] ?? []
        for needle in c.rejectContains where !raws.contains(where: { $0.contains(needle) }) {
            problems.append("no reject holds the damaged bytes \(String(needle.prefix(40)).debugDescription)")
        }
        // A reject holds only damaged bytes, never a record that was also counted.
        let keptTexts = c.keptRecords ?? c.kept
        if let swallowed = keptTexts.first(where: { text in raws.contains { $0.contains(text) } }) {
            problems.append("a reject holds kept record \(String(swallowed.prefix(60)).debugDescription)")
        }
        return problems
    }

    @Test(
        "every codec: the records kept are exactly those the reference recovers; the rest is accounted for",
        arguments: ["none", "gzip", "tar.gz", "bzip2", "xz", "zstd"])
    func damaged(codec: String) throws {
        let (expected, outcome) = try Self.prepared.get()
        guard expected.codecs.contains(codec) else {
            // Loud, not silent: the reference cannot read this codec on this machine.
            print("damage differential: WARNING: no \(codec) cases: \(expected.missingCodecs[codec] ?? "not generated")")
            return
        }
        #expect(outcome.inputs.count > 0, "authstats wrote no summary.json (exit \(outcome.status)): \(outcome.stderr.prefix(2000))")
        let cases = expected.cases.filter { $0.codec == codec }
        var failed: [String] = []
        for c in cases {
            let problems = Self.problems(c, outcome)
            if !problems.isEmpty { failed.append("\(c.file) [\(c.detail ?? c.damage)]: " + problems.joined(separator: "; ")) }
        }
        let kinds = Dictionary(grouping: cases, by: \.damage).mapValues(\.count).sorted { $0.key < $1.key }
        print(
            "damage differential, \(codec): checked \(cases.count) cases (\(kinds.map { "\($0.value) \($0.key)" }.joined(separator: ", "))) "
                + "of \(expected.cases.count) (seed \(expected.seed), \(expected.rerolledFlips) undecidable flip positions passed over); \(failed.count) failed")
        #expect(failed.isEmpty, "\(failed.count) of \(cases.count) \(codec) cases:\n\(failed.joined(separator: "\n"))")
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
