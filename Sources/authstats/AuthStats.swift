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
        let lifting = [ReportCommand.configuration.commandName, PlanCommand.configuration.commandName]
        let start: Int
        if let first = arguments.first, lifting.contains(first) {
            start = 1
        } else if let first = arguments.first,
            first == "help" || configuration.subcommands.contains(where: { $0.configuration.commandName == first })
        {
            return nil
        } else {
            start = 0  // the default subcommand, report
        }
        guard let split = CommandLineInputs(arguments, from: start),
            let command = try? parseAsRoot(split.kept)
        else { return nil }
        switch command {
        case var report as ReportCommand:
            guard let inputs = split.inputs(parsed: report.inputs) else { return nil }
            report.inputs = inputs
            return (try? report.validate()) == nil ? nil : report
        case var plan as PlanCommand:
            guard let inputs = split.inputs(parsed: plan.inputs) else { return nil }
            plan.inputs = inputs
            return (try? plan.validate()) == nil ? nil : plan
        default:
            return nil
        }
    }
}
