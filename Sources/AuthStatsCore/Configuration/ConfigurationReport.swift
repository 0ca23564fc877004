/// What `authstats check-config` prints: the clients, the projects with their clients, and
/// the findings, in a deterministic order (`writeText`, `writeJSON`).
public struct ConfigurationReport: Sendable {
    /// One per client id, by id (byte order).
    public var clients: [AppClient]
    /// The projects with a valid id, by id, each with its clients by id.
    public var projects: [ProjectEntry]
    /// In `ConfigurationFinding.printOrder`.
    public var findings: [ConfigurationFinding]
    /// Whether `--iam` files were given (without them the roles are not checked).
    public var rolesChecked: Bool
    /// Whether warnings were made errors (`--strict`).
    public var strict: Bool

    public struct ProjectEntry: Sendable {
        public var project: PinpointProject
        public var clients: [AppClient]
    }

    public init(clients: [AppClient], projects: [ProjectEntry], findings: [ConfigurationFinding], rolesChecked: Bool, strict: Bool) {
        self.clients = clients
        self.projects = projects
        self.findings = findings
        self.rolesChecked = rolesChecked
        self.strict = strict
    }

    public var errors: Int { findings.count { $0.severity == .error } }
    public var warnings: Int { findings.count { $0.severity == .warning } }

    /// 1 when there is an error (with `--strict`, a warning is one), else 0.
    public var exitStatus: Int32 { errors > 0 ? 1 : 0 }
}
