import ArgumentParser
import AuthStatsIngest

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
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parsedWithLiftedInputs(arguments) ?? parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
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
            var command = (try? parseAsRoot(split.kept)) as? any TakesInputPaths,
            let inputs = split.inputs(parsed: command.inputs)
        else { return nil }
        command.inputs = inputs
        return (try? command.validate()) == nil ? nil : command
    }
}

/// A command whose positional arguments are input paths (`report`, `plan`), which `AuthStats`
/// keeps away from the parser (`CommandLineInputs`).
protocol TakesInputPaths: ParsableCommand {
    var inputs: [String] { get set }
}

extension ReportCommand: TakesInputPaths {}
extension PlanCommand: TakesInputPaths {}
