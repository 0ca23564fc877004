import ArgumentParser
import AuthStatsCore
import AuthStatsIngest
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `authstats check-config`: check the app clients' Pinpoint analytics configuration and
/// their IAM roles (issue 14; `docs/configuration.md`). Reading the files and printing is
/// here; the model and the rules are `AuthStatsCore`'s `Configuration/`.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the app clients' Pinpoint analytics configuration and IAM roles.",
        discussion: """
            Each FILE holds `aws cognito-idp describe-user-pool-client` outputs (one or several \
            back to back, or a JSON array of them) or `aws cognito-idp list-user-pool-clients` \
            output (ids and names only: such a client is reported as unconfigured unless a \
            describe output of it is given too). Each --iam file holds `aws iam get-role`, \
            `aws iam get-role-policy` and `aws iam get-policy-version` outputs; a policy version \
            applies to the roles whose get-role output is in the same file. Files may be \
            compressed (gzip, bzip2, xz, zstd).

            Prints a line per app client, a table per Pinpoint project (clients, region, user data \
            sharing) and the findings, each naming the client and the field (or the file). \
            Errors: a project id that is not 32 hex characters, a project region the pool's \
            region could not send to (docs/configuration.md has the table), one client mapped \
            to two projects, an ARN that does not parse, a RoleArn that is not an IAM role, an \
            ApplicationId without RoleArn (no role to send with), a file, document or value that \
            is not JSON or not one of these outputs, and with --iam a trust policy that does not \
            let cognito-idp.amazonaws.com assume the role (or wants another sts:ExternalId) or \
            permissions that do not allow mobiletargeting:UpdateEndpoint on the project's \
            endpoints and PutEvents on its events (a managed policy's default version). Warnings: a client \
            without analytics configuration, a project used by clients of two user pools, a \
            role the --iam files do not describe (wholly or in part). Without --iam, roles are \
            not checked.

            Exit status: 0 no errors (warnings allowed unless --strict); 1 an error was found \
            (malformed JSON included: it is a finding naming the file), or with --strict a \
            warning; 2 a file could not be read (missing, unreadable, an archive): nothing is \
            checked then; 64 bad usage.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: ArgumentHelp("Client configuration files (describe-user-pool-client or list-user-pool-clients output).", valueName: "file"))
    var files: [String]

    @Option(name: .customLong("iam"), help: ArgumentHelp("IAM role files (get-role, get-role-policy, get-policy-version output). Repeatable.", valueName: "file"))
    var iamFiles: [String] = []

    @Flag(name: .long, help: "Count warnings as errors (exit 1).")
    var strict = false

    @Option(name: .long, help: ArgumentHelp("Output: text or json (the same findings, for scripts).", valueName: "format"))
    var format: Format = .text

    /// A configuration file is kilobytes; this bounds a mistaken argument (a log export).
    static let readLimit = 64 << 20

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one client configuration file.") }
        try PathArguments.refuseEmpty([("a file", files), ("--iam", iamFiles)])
    }

    func run() throws {
        // A closed stdout (`| head`) fails the write with EPIPE instead of killing the process.
        signal(SIGPIPE, SIG_IGN)
        let console = Console(quiet: false)
        var unreadable = false
        func read(_ path: String) -> [UInt8]? {
            let (bytes, error) = DecompressedFile.read(path: path, limit: Self.readLimit)
            if let error {
                console.error("Unable to read \(DisplayPath.text(path)): \(error)")
                unreadable = true
                return nil
            }
            return bytes
        }
        var configuration = AnalyticsConfiguration()
        var roles = IAMRoles()
        var findings: [ConfigurationFinding] = []
        for path in files {
            if let bytes = read(path) { findings += configuration.load(bytes, name: path) }
        }
        for path in iamFiles {
            if let bytes = read(path) { findings += roles.load(bytes, name: path) }
        }
        // Checking what could be read would report its roles as not described, or its
        // clients as unconfigured: wrong findings, so none.
        if unreadable {
            console.error("nothing checked")
            throw ExitCode(2)
        }
        let report = ConfigurationCheck.run(configuration, roles: iamFiles.isEmpty ? nil : roles, readFindings: findings, strict: strict)
        var text = ""
        switch format {
        case .text: report.writeText(to: &text)
        case .json: report.writeJSON(to: &text)
        }
        // A reader that went away (EPIPE) is not a failure of the check.
        _ = text.withUTF8 { POSIX.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }
}
