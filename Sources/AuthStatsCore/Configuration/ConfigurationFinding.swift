/// One problem `authstats check-config` found: what (`code`), how bad, in which client,
/// field, project or file, and a message that says how to fix it where it can
/// (`docs/configuration.md` "Checks" lists every code).
public struct ConfigurationFinding: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// The kinds of finding. Their raw values are the `code` of `--format json`, stable for
    /// scripts.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A file, or a document in it, that is not JSON.
        case invalidJSON = "invalid-json"
        /// JSON that is none of the outputs the file is read as.
        case unknownDocument = "unknown-document"
        /// No app client in any of the client files.
        case noClients = "no-clients"
        /// A client entry without a `ClientId`.
        case clientID = "client-id"
        /// A `UserPoolId` missing or not `REGION_ID`: the region rule cannot be checked.
        case userPoolID = "user-pool-id"
        /// A project id (in `ApplicationId` or `ApplicationArn`) that is not 32 hex characters.
        case projectID = "project-id"
        /// `ApplicationId` and the id inside `ApplicationArn` differ.
        case projectIDMismatch = "project-id-mismatch"
        /// A project region the pool's region could not send analytics to.
        case projectRegion = "project-region"
        /// One client id mapped to two different projects.
        case twoProjects = "two-projects"
        /// An `ApplicationArn` or `RoleArn` that does not parse as an ARN of its kind.
        case arn = "arn"
        /// A `RoleArn` that is an ARN, but not of an IAM role.
        case roleARN = "role-arn"
        /// A policy document that is neither a JSON object nor a URL-encoded one.
        case policyDocument = "policy-document"
        /// A `get-policy-version` output in a file with no `get-role` output to apply it to.
        case policyWithoutRole = "policy-without-role"
        /// The trust policy does not let `cognito-idp.amazonaws.com` assume the role.
        case trustPolicy = "trust-policy"
        /// An `ApplicationId` without `ApplicationArn` and without `RoleArn`: no role to send with.
        case noRole = "no-role"
        /// The trust policy requires an `sts:ExternalId` the client does not send.
        case externalID = "external-id"
        /// The role may not call `mobiletargeting:UpdateEndpoint` or `PutEvents` on the project.
        case permissions = "permissions"
        /// A client without an analytics configuration.
        case unconfigured = "unconfigured"
        /// Clients of one project in different user pools.
        case projectInTwoPools = "project-in-two-pools"
        /// One project id named in two regions (a project lives in one).
        case projectInTwoRegions = "project-in-two-regions"
        /// A role the `--iam` files do not describe at all.
        case roleNotDescribed = "role-not-described"
        /// A role whose trust policy, or whose permission policies, the `--iam` files lack.
        case rolePartlyDescribed = "role-partly-described"

        /// Errors make `check-config` exit 1; warnings only with `--strict`.
        public var severity: Severity {
            switch self {
            case .unconfigured, .projectInTwoPools, .roleNotDescribed, .rolePartlyDescribed: .warning
            default: .error
            }
        }
    }

    public var code: Code
    /// `code.severity`, or `error` for a warning under `--strict`.
    public var severity: Severity
    public var clientID: String?
    public var clientName: String?
    public var projectID: String?
    /// The field of the client's configuration at fault (`ApplicationArn`, `RoleArn`, …).
    public var field: String?
    /// The file at fault, for findings about a file rather than a client.
    public var file: String?
    public var message: String

    public init(
        _ code: Code, client: AppClient? = nil, projectID: String? = nil, field: String? = nil, file: String? = nil,
        message: String
    ) {
        self.code = code
        severity = code.severity
        clientID = client?.clientID
        clientName = client?.name
        self.projectID = projectID
        self.field = field
        self.file = file
        self.message = message
    }

    /// The order findings are printed in: those about files first (by file), then those
    /// about projects, then by client; within each, by field, code and message (byte order),
    /// so that two runs print them alike.
    public static func printOrder(_ a: Self, _ b: Self) -> Bool {
        let left = [a.clientID ?? "", a.projectID ?? "", a.file ?? "", a.field ?? "", a.code.rawValue, a.message]
        let right = [b.clientID ?? "", b.projectID ?? "", b.file ?? "", b.field ?? "", b.code.rawValue, b.message]
        return left.lexicographicallyPrecedes(right) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
