import AuthStatsTestSupport
import Foundation
import Testing

/// The command-line conventions of issue 17: no silent default input, `-` for standard input,
/// progress on a terminal only, `AUTHSTATS_*` defaults, completions.
@Suite("Command-line conventions", .serialized)
struct ConventionsTests {
    static let sample = "sample-logs/2026/10/28/01"

    @Test("a bare `authstats report` is a usage error that says what to give")
    func bare() throws {
        let result = try CLI.run(["report", "--out", CLI.temporaryFolder("bare").path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Give the files or folders to read"))
    }

    @Test("- reads standard input, in every compression", arguments: ["cat", "gzip -c", "bzip2 -c", "xz -c", "zstd -c -q"])
    func standardInput(compressor: String) throws {
        let out = CLI.temporaryFolder("stdin")
        let authstats = CLI.executable.path
        let line = "gzip -dc \(Self.sample)/*.gz | \(compressor) | '\(authstats)' report - --out '\(out.path)' -q"
        let result = try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", line])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains(#""path": "/dev/stdin""#))
        #expect(summary.contains(#""events": 4"#))
    }

    @Test("progress: a line rewritten in place on a terminal; nothing on a pipe; plain lines with --progress plain")
    func progress() throws {
        let out = CLI.temporaryFolder("progress")
        // script(1) gives the command a pseudo-terminal; its output is what the terminal got.
        let command = "'\(CLI.executable.path)' report sample-logs --out '\(out.path)'"
        let terminal = try CLI.program(URL(fileURLWithPath: "/usr/bin/script"), ["-qc", command, "/dev/null"])
        #expect(terminal.status == 0)
        #expect(terminal.stdout.contains("\rauthstats: "), "\(terminal.stdout.prefix(400))")
        #expect(terminal.stdout.contains("files,"))
        let pipe = try CLI.run(["report", "sample-logs", "--out", out.path])
        #expect(!pipe.stderr.contains("files,"))
        let plain = try CLI.run(["report", "sample-logs", "--out", out.path, "--progress", "plain"])
        #expect(plain.stderr.contains("writing: "))
        #expect(!plain.stderr.contains("\r"))
        let quiet = try CLI.program(URL(fileURLWithPath: "/usr/bin/script"), ["-qc", command + " -q", "/dev/null"])
        #expect(!quiet.stdout.contains("files,"))
    }

    @Test("AUTHSTATS_* variables give defaults; an option on the command line wins")
    func environment() throws {
        let fromEnvironment = CLI.temporaryFolder("env")
        let result = try CLI.run(
            ["report", Self.sample, "-q"], environment: ["AUTHSTATS_OUT": fromEnvironment.path, "AUTHSTATS_TIMEZONE": "Asia/Tokyo"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try String(contentsOf: fromEnvironment.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains(#""timezone": "Asia/Tokyo""#))
        let given = CLI.temporaryFolder("env-given")
        #expect(try CLI.run(["report", Self.sample, "-q", "--timezone", "UTC", "--out", given.path], environment: ["AUTHSTATS_TIMEZONE": "Asia/Tokyo"]).status == 0)
        #expect(try String(contentsOf: given.appendingPathComponent("summary.json"), encoding: .utf8).contains(#""timezone": "UTC""#))
        // An empty variable is unset (the default, UTC), not an empty zone.
        let empty = CLI.temporaryFolder("env-empty")
        let unset = try CLI.run(["report", Self.sample, "-q", "--out", empty.path], environment: ["AUTHSTATS_TIMEZONE": ""])
        #expect(unset.status == 0, "\(unset.stderr)")
        #expect(try String(contentsOf: empty.appendingPathComponent("summary.json"), encoding: .utf8).contains(#""timezone": "UTC""#))
        let help = try CLI.run(["report", "--help"])
        #expect(help.stdout.contains("AUTHSTATS_OUT"))
    }

    @Test("an AUTHSTATS_* number or mode its option would refuse is a usage error naming the variable, unless the option is given", arguments: [
        ("AUTHSTATS_JOBS", "abc", "--jobs", "not a whole number from 1 to 1024"), ("AUTHSTATS_JOBS", "0", "--jobs", "not a whole number from 1 to 1024"),
        ("AUTHSTATS_MAX_REJECTS", "ten", "--max-rejects", "not a whole number, 0 or more"),
        ("AUTHSTATS_MAX_REJECTS_BYTES", "-5", "--max-rejects-bytes", "not a whole number, 0 or more"),
        ("AUTHSTATS_PROGRESS", "bogus", "--progress", "not one of auto, plain, none"),
    ])
    func badEnvironment(name: String, value: String, option: String, expected: String) throws {
        let out = CLI.temporaryFolder("env-bad")
        let refused = try CLI.run(["report", Self.sample, "-q", "--out", out.path], environment: [name: value])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(name)=\(value): \(expected) (it gives \(option) its default)."), "\(refused.stderr)")
        let good = ["--jobs": "1", "--max-rejects": "5", "--max-rejects-bytes": "1000", "--progress": "none"][option]!
        let given = try CLI.run(["report", Self.sample, "-q", "--out", out.path, option, good], environment: [name: value])
        #expect(given.status == 0, "\(given.stderr)")
        if name == "AUTHSTATS_JOBS" {
            let merge = try CLI.run(["state", "merge", "--into", out.appendingPathComponent("s").path, "x"], environment: [name: value])
            #expect(merge.status == 64 && merge.stderr.contains("\(name)=\(value)"), "\(merge.stderr)")
            // An input named like the option, after --, does not give the option.
            let dashed = try CLI.run(["report", "--out", out.path, "--", option], environment: [name: value])
            #expect(dashed.status == 64 && dashed.stderr.contains("\(name)=\(value)"), "\(dashed.stderr)")
        }
        if name == "AUTHSTATS_MAX_REJECTS" {
            // The report that merge makes takes the option from --report-options: the variable
            // is then not used (the run goes on, to fail on the missing state, exit 2).
            let given = try CLI.run(["merge", "missing-state", "--out", out.path, "--report-options", "--no-html \(option) 5"], environment: [name: value])
            #expect(given.status == 2, "\(given.stderr)")
            let unset = try CLI.run(["merge", "missing-state", "--out", out.path], environment: [name: value])
            #expect(unset.status == 64 && unset.stderr.contains("\(name)=\(value)"), "\(unset.stderr)")
        }
    }

    @Test("a time zone or session timeout from AUTHSTATS_* that is refused names the variable, not an option never typed")
    func badEnvironmentTexts() throws {
        let out = CLI.temporaryFolder("env-texts")
        for (name, value, text) in [
            ("AUTHSTATS_TIMEZONE", "Mars/Base", "Unknown time zone AUTHSTATS_TIMEZONE=Mars/Base: use an IANA name"),
            ("AUTHSTATS_SESSION_TIMEOUT", "abc", "AUTHSTATS_SESSION_TIMEOUT=abc is not a duration"),
        ] {
            let refused = try CLI.run(["report", Self.sample, "-q", "--out", out.path], environment: [name: value])
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(refused.stderr.contains(text), "\(refused.stderr)")
        }
        let typed = try CLI.run(["report", Self.sample, "-q", "--out", out.path, "--session-timeout", "abc"], environment: ["AUTHSTATS_SESSION_TIMEOUT": "abc"])
        #expect(typed.stderr.contains("--session-timeout 'abc' is not a duration"), "\(typed.stderr)")
    }

    @Test("shell completions are generated for bash, zsh and fish", arguments: ["bash", "zsh", "fish"])
    func completions(shell: String) throws {
        let result = try CLI.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        #expect(result.stdout.contains("segments"))
        #expect(result.stdout.contains("check-config"))
    }
}
