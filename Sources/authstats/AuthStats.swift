import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import Foundation

/// The `authstats` command: Cognito authentication analytics from exported logs.
@main
struct AuthStats: ParsableCommand {
    static let version = "0.1.0"

    // Every command here and below names itself (`commandName`): without it the parser makes
    // the name from the type's by reflection, on every run (~0.3 ms of CPU a start for two).
    static let configuration = CommandConfiguration(
        commandName: "authstats",
        abstract: "Amazon Cognito authentication analytics from exported logs, as Amazon Pinpoint showed them.",
        discussion: """
            Reads Pinpoint event-stream exports, Cognito user activity logs and CloudTrail logs \
            (any compression, any archive) and writes daily, monthly, breakdown and retention \
            reports as CSV and JSON. See README.md for the report columns.
            """,
        version: version,
        subcommands: [ReportCommand.self, PlanCommand.self, GenerateCommand.self, CheckConfigCommand.self, StateCommand.self, MergeCommand.self],
        defaultSubcommand: ReportCommand.self
    )

    /// As `ParsableCommand.main()`, with the input paths of `report` and `plan` kept away from
    /// the parser (`CommandLineInputs`: it takes O(N²) for N paths).
    static func main() {
        // A file size limit (`ulimit -f`) makes a write fail with EFBIG, which every command
        // reports (exit 2, nothing in --out changed), instead of killing the process with
        // SIGXFSZ half-way through and leaving its staging folder behind.
        signal(SIGXFSZ, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let near = nearSubcommand(first) {
            // `report` is the default: a mistyped command would be read as an input that is not
            // there, and the run would replace ./reports with reports of the other arguments.
            FileHandle.standardError.write(Data(
                "authstats: error: '\(DisplayPath.text(first))' is no command, and no input of that name exists; did you mean '\(near)'? (authstats --help lists the commands)\n".utf8))
            Foundation.exit(64)
        }
        if let unknown = unknownHelpTopic(arguments) ?? unknownSubcommand(arguments) {
            // The parser's help command prints the nearest command's help for a word it does
            // not know, and exits 0: a script asking for help on a command that is not there
            // would not notice.
            FileHandle.standardError.write(Data("authstats: error: \(unknown)\n".utf8))
            Foundation.exit(64)
        }
        if let (option, value) = negativeNumber(arguments) {
            // The parser takes `-1` for an option and says the value is missing. Said with the
            // command's usage, as the parser says other errors (it gave the root's).
            let (command, path) = command(of: arguments)
            FileHandle.standardError.write(Data(
                ("Error: \(option) \(value): must not be negative.\nUsage: \(AuthStats.usageString(for: command))\n"
                    + "  See 'authstats \(path) --help' for more information.\n").utf8))
            Foundation.exit(64)
        }
        var command: ParsableCommand
        do {
            command = try parsedWithLiftedInputs(arguments) ?? parsedDirectly(arguments) ?? parseAsRoot(arguments)
        } catch {
            // The parser reports a missing input or option before an unknown one: `report
            // --bogus` said "Give the files…", and `plan --bogus` that --shards was missing. (When
            // it names the unknown option itself, its message, which suggests the nearest, stands.)
            if exitCode(for: error) != .success, !message(for: error).hasPrefix("Unknown option"), let unknown = unknownOption(arguments) {
                FileHandle.standardError.write(Data("authstats: error: \(unknown)\n".utf8))
                Foundation.exit(64)
            }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// Options no help text lists (`help: .private`), which `unknownOption` must know all the same.
    static let privateOptions: Set<String> = ["--merged-states"]

    /// The command that `word`, the first argument, looks like a misspelling of (one or two
    /// letters off, or the start of its name): nil for a command, an option, a path that exists
    /// or one that looks like a path (a `/` or a `.` in it), or a word like no command.
    static func nearSubcommand(_ word: String) -> String? {
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !word.isEmpty, !word.hasPrefix("-"), !names.contains(word), !word.contains("/"), !word.contains("."),
            !FileManager.default.fileExists(atPath: word)
        else { return nil }
        let lowered = Array(word.lowercased())
        return names.first { name in
            let target = Array(name)
            return (lowered.count >= 3 && target.starts(with: lowered)) || editDistance(lowered, target) <= min(2, target.count / 3)
        }
    }

    /// The subcommand of `command` that `word` names (its name or an alias); nil for none.
    static func subcommand(_ word: String, of command: ParsableCommand.Type) -> ParsableCommand.Type? {
        command.configuration.subcommands.first { $0.configuration.commandName == word || $0.configuration.aliases.contains(word) }
    }

    /// For `help WORD…`, what is wrong when a word names no command under the one before it;
    /// nil when every word does (or the arguments are not a `help` request).
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var command: ParsableCommand.Type = AuthStats.self
        var path = ["authstats"]
        // (`help help` is the parser's own: the tool's help.)
        for word in arguments.dropFirst() where !word.hasPrefix("-") && !(word == "help" && path.count == 1) {
            guard let sub = subcommand(word, of: command) else {
                let names = command.configuration.subcommands.compactMap { $0.configuration.commandName }
                return "'\(DisplayPath.text(word))' is no command of '\(path.joined(separator: " "))'"
                    + (names.isEmpty ? " (it has none)" : "; its commands: \(names.joined(separator: ", "))")
            }
            command = sub
            path.append(word)
        }
        return nil
    }

    /// For a command that has only subcommands (`state`), what is wrong when the word after it
    /// names none of them: the parser said "Unknown option '--state'" of `state infoo --state
    /// DIR`, the option of the command meant (a review, 2026-12-07). Nil otherwise.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        var command: ParsableCommand.Type = AuthStats.self
        var path = ["authstats"]
        for word in arguments {
            if let sub = subcommand(word, of: command) {
                command = sub
                path.append(word)
                continue
            }
            let names = command.configuration.subcommands.compactMap { $0.configuration.commandName }
            guard command != AuthStats.self, !names.isEmpty, command.configuration.defaultSubcommand == nil, !word.hasPrefix("-") else { return nil }
            return "'\(DisplayPath.text(word))' is no command of '\(path.joined(separator: " "))'; its commands: \(names.joined(separator: ", "))"
        }
        return nil
    }

    /// The first option in `arguments` that their command does not have, said as an error;
    /// nil when there is none. The command's options are read from its help text (hidden ones
    /// too: the parser lists them nowhere else), with whether each takes a value, which is then
    /// passed over (`--report-options "--no-html …"` is one value).
    static func unknownOption(_ arguments: [String]) -> String? {
        var command: ParsableCommand.Type = AuthStats.self
        var path = ["authstats"]
        var rest = arguments[...]
        while let word = rest.first, let sub = subcommand(word, of: command) {
            command = sub
            path.append(word)
            rest = rest.dropFirst()
        }
        if command == AuthStats.self, let first = rest.first, !first.hasPrefix("-") || !["--version", "-h", "--help"].contains(first) {
            command = ReportCommand.self  // the default command
            path.append("report")
        }
        var takesValue: [String: Bool] = [:]
        for name in privateOptions { takesValue[name] = false }
        for line in command.helpMessage(includeHidden: true, columns: 100_000).split(separator: "\n") where line.hasPrefix("  -") {
            let names = line.dropFirst(2).components(separatedBy: "  ").first ?? ""
            for entry in names.components(separatedBy: ", ") {
                let name = entry.prefix { $0 != " " }
                takesValue[String(name)] = entry.contains(" <")
            }
        }
        var skipValue = false
        for argument in rest {
            if argument == "--" { break }
            if skipValue {
                skipValue = false
                continue
            }
            guard argument.count > 1, argument.hasPrefix("-"), !argument.dropFirst().first!.isNumber else { continue }
            let name = String(argument.prefix { $0 != "=" })
            if name.hasPrefix("--") {
                guard let value = takesValue[name] else {
                    return "unknown option '\(DisplayPath.text(name))' for '\(path.joined(separator: " "))' (authstats \(path.dropFirst().joined(separator: " ")) --help lists its options)"
                }
                skipValue = value && !argument.contains("=")
            } else if argument.count == 2 {
                skipValue = takesValue[name] ?? false
            }
        }
        return nil
    }

    /// The options whose value is a number or a duration: one given as `-1` or `-5m` is named
    /// as such, where the parser read it as an option and said "Missing value for '--jobs <n>'".
    static let numericOptions: Set<String> = [
        "--jobs", "--max-rejects", "--max-rejects-bytes", "--profile-memory", "--session-memory", "--dedup-window", "--max-record-bytes",
        "--session-timeout", "--state-horizon", "--shards", "--shard", "--days", "--seed", "--activity", "--buffer-seconds",
        "--buffer-mib", "--other-services", "--dimension-values",
    ]

    /// The first of `numericOptions` followed by a negative number (`--jobs -1`), and that value.
    /// The command `arguments` run, and its names: the subcommands they name, in turn (`state
    /// merge`), else `report`, the default.
    static func command(of arguments: [String]) -> (any ParsableCommand.Type, path: String) {
        var command: any ParsableCommand.Type = AuthStats.self
        var names: [String] = []
        for argument in arguments {
            guard let next = command.configuration.subcommands.first(where: { $0.configuration.commandName == argument }) else { break }
            command = next
            names.append(argument)
        }
        return names.isEmpty ? (ReportCommand.self, "report") : (command, names.joined(separator: " "))
    }

    static func negativeNumber(_ arguments: [String]) -> (String, String)? {
        // (generate's --users is a number; report's names a file.)
        let numeric = arguments.first == "generate" ? numericOptions.union(["--users"]) : numericOptions
        // (After `--` every argument is an input, whatever its name.)
        let options = arguments.prefix { $0 != "--" }
        for (option, value) in zip(options, options.dropFirst()) where numeric.contains(option) {
            if value.count > 1, value.first == "-", value.dropFirst().first!.isASCII, value.dropFirst().first!.isNumber { return (option, value) }
        }
        return nil
    }

    /// The command of `arguments`, parsed with most of its input paths lifted out and then put
    /// back and checked again; nil when nothing is lifted or any step fails, so that the plain
    /// parse makes the command, or refuses it, as it would have (with the same message).
    static func parsedWithLiftedInputs(_ arguments: [String]) -> ParsableCommand? {
        let start: Int
        if let first = arguments.first, first == "help" || configuration.subcommands.contains(where: { $0.configuration.commandName == first }) {
            guard configuration.subcommands.contains(where: { $0.configuration.commandName == first && $0 is any TakesInputPaths.Type })
            else { return nil }
            start = 1
        } else {
            start = 0  // the default subcommand, report
        }
        guard let split = CommandLineInputs(arguments, from: start),
            var command = (parsedDirectly(split.kept) ?? (try? parseAsRoot(split.kept))) as? any TakesInputPaths,
            let inputs = split.inputs(parsed: command.inputs)
        else { return nil }
        command.inputs = inputs
        return (try? command.validate()) == nil ? nil : command
    }
}

extension AuthStats {
    /// The command of `arguments` when they start with a subcommand's name (or alias), parsed
    /// by that subcommand alone; nil when they do not, when that parse or its check fails, or
    /// when it makes anything but one of our commands (the parser answers `--help` with a help
    /// command of its own, which would then describe the subcommand as the root: `USAGE:
    /// report …`). Then the whole tree's parse makes the command or the message, as it always
    /// did. The same command with the same values either way while the root declares no
    /// arguments and no `validate()`, and no command uses `@OptionGroup`, `@ParentCommand` or
    /// `.allUnrecognized` (`CLIParseTests` holds the cases where the two differ in what they
    /// would print).
    ///
    /// Why: from the root, swift-argument-parser builds the root's arguments, `report`'s
    /// ~60 options once more (to check the default subcommand for pass-through arguments)
    /// and the completion-script checks, by reflection, before the subcommand's own: 24 M of
    /// the 99 M instructions of a run over one small file; parsed on its own, 99.3 → 90.1 M
    /// (callgrind, 2026-12-04). Every process pays it: each shard, merge and night.
    static func parsedDirectly(_ arguments: [String]) -> ParsableCommand? {
        guard let first = arguments.first,
            let sub = subcommand(first, of: AuthStats.self),
            let command = try? sub.parseAsRoot(Array(arguments.dropFirst())),
            isOurs(type(of: command), under: sub)
        else { return nil }
        return command
    }

    /// Whether `command` is `root` or one of its subcommands, at any depth.
    private static func isOurs(_ command: ParsableCommand.Type, under root: ParsableCommand.Type) -> Bool {
        ObjectIdentifier(command) == ObjectIdentifier(root) || root.configuration.subcommands.contains { isOurs(command, under: $0) }
    }
}

/// A command whose positional arguments are input paths (`report`, `plan`), which `AuthStats`
/// keeps away from the parser (`CommandLineInputs`).
protocol TakesInputPaths: ParsableCommand {
    var inputs: [String] { get set }
}

extension ReportCommand: TakesInputPaths {}
extension PlanCommand: TakesInputPaths {}
