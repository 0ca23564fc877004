import AuthStatsTestSupport
import Testing

@testable import AuthStatsIngest

/// `CommandLineInputs`: the input paths lifted out of a command line before parsing, and put
/// back in their places.
@Suite("Input paths lifted out of the command line and put back in order")
struct CommandLineInputsTests {
    /// What the argument parser does with a command line, for the options used here: `--out`
    /// and `--from` take the argument after them, `-q` and `--no-html` take none, and `--`
    /// makes the rest positional.
    static func positional(_ arguments: [String]) -> [String] {
        var values: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                values += arguments[(index + 1)...]
                break
            }
            if argument == "--out" || argument == "--from" {
                index += 2
                continue
            }
            if argument == "-" || !argument.hasPrefix("-") { values.append(argument) }
            index += 1
        }
        return values
    }

    @Test("a run of paths: the first two stay, the rest come back after them, in order")
    func oneRun() throws {
        let arguments = ["a", "b", "c", "d", "--out", "o"]
        let split = try #require(CommandLineInputs(arguments, from: 0))
        #expect(split.kept == ["a", "b", "--out", "o"])
        #expect(split.lifted.map(\.value) == ["c", "d"])
        #expect(split.inputs(parsed: Self.positional(split.kept)) == ["a", "b", "c", "d"])
    }

    @Test("an option's value heads a run: the parser still sees one path of it")
    func valueHeadsRun() throws {
        let arguments = ["report", "--out", "o", "a", "b", "c"]
        let split = try #require(CommandLineInputs(arguments, from: 1))
        #expect(split.kept == ["report", "--out", "o", "a"])
        #expect(Self.positional(Array(split.kept.dropFirst())) == ["a"])
        #expect(split.inputs(parsed: ["a"]) == ["a", "b", "c"])
    }

    @Test("nothing to lift: no run longer than two, or only after --")
    func nothingLifted() {
        #expect(CommandLineInputs(["a", "b", "--out", "o", "c"], from: 0) == nil)
        #expect(CommandLineInputs(["report", "a", "b"], from: 1) == nil)
        #expect(CommandLineInputs(["a", "--", "b", "c", "d"], from: 0) == nil)
        #expect(CommandLineInputs([], from: 0) == nil)
    }

    @Test("- (standard input) is a path; -q and --no-html end a run; -- ends the lifting")
    func dashes() throws {
        let arguments = ["-", "a", "b", "-q", "c", "d", "e", "--no-html", "f", "--", "g", "h", "i"]
        let split = try #require(CommandLineInputs(arguments, from: 0))
        #expect(split.lifted.map(\.value) == ["b", "e"])
        #expect(split.kept == ["-", "a", "-q", "c", "d", "--no-html", "f", "--", "g", "h", "i"])
        #expect(split.inputs(parsed: Self.positional(split.kept)) == Self.positional(arguments))
    }

    @Test("an option's value equal to a path beside it: placed only when its place is forced")
    func ambiguous() throws {
        // `x` is --out's value and also the second path; the parser gives ["x"] (the second):
        // the earliest place is the first `x`, the latest the second, so it cannot be placed.
        let arguments = ["--out", "x", "x", "y", "z", "--from", "d", "x", "w", "v"]
        let split = try #require(CommandLineInputs(arguments, from: 0))
        #expect(split.inputs(parsed: Self.positional(split.kept)) == nil)
        // Equal paths whose places are forced: both are positional.
        let twice = ["a", "a", "a", "a"]
        let same = try #require(CommandLineInputs(twice, from: 0))
        #expect(same.inputs(parsed: Self.positional(same.kept)) == twice)
    }

    @Test("parsed values that are not among the kept ones are refused, not guessed")
    func notAmongKept() throws {
        let split = try #require(CommandLineInputs(["a", "b", "c"], from: 0))
        #expect(split.inputs(parsed: ["a", "q"]) == nil)
        #expect(split.inputs(parsed: ["b", "a"]) == nil)
    }

    @Test("random command lines: the parser's paths of the kept arguments, put back, are the paths of the whole line")
    func randomLines() {
        var random = SeededRandom(seed: 18)
        let words = ["--out", "--from", "-q", "--no-html", "--", "-"] + (0..<6).map { "p\($0)" }
        var placed = 0
        for _ in 0..<20_000 {
            let arguments = (0..<random.below(16)).map { _ in
                random.below(3) == 0 ? words[random.below(words.count)] : "p\(random.below(40))"
            }
            let truth = Self.positional(arguments)
            guard let split = CommandLineInputs(arguments, from: 0) else { continue }
            let parsed = Self.positional(split.kept)
            // The parser's own checks see a path wherever there was one.
            #expect(parsed.isEmpty == truth.isEmpty, "\(arguments)")
            if let inputs = split.inputs(parsed: parsed) {
                #expect(inputs == truth, "\(arguments)")
                placed += 1
            } else {
                // Only an ambiguity refuses: some path of the line is also kept elsewhere.
                let kept = split.kept.filter { $0 == "-" || !$0.hasPrefix("-") }
                #expect(Set(kept).count < kept.count, "\(arguments)")
            }
        }
        #expect(placed > 10_000)
    }
}
