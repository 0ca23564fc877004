import ArgumentParser

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
}
