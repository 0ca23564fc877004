/// The rules of `authstats check-config` (`docs/configuration.md` "Checks"): per client, its
/// pool id, project id, ARN, region and role; across clients, a client id mapped to two
/// projects and a project used from two pools; and, with `--iam` files, each custom role's
/// trust and permission policies.
public enum ConfigurationCheck {
    /// The service principal Cognito assumes analytics roles as.
    public static let cognitoService = "cognito-idp.amazonaws.com"
    /// What the role must allow (the Cognito guide's role policy), and under the project's ARN
    /// the resource each is authorized on (the Pinpoint developer guide's
    /// permissions-actions.md): `UpdateEndpoint` on `PROJECT/endpoints/ENDPOINT_ID`, an endpoint
    /// id Cognito makes (a UUID), checked with a stand-in one and shown as `ENDPOINT_ID`;
    /// `PutEvents` on `PROJECT/events`. Until 2026-12-05 both were checked on the project's own
    /// ARN, so a role allowing `apps/ID/*` failed and one allowing exactly `apps/ID` (which
    /// Pinpoint refuses) passed.
    static let required: [(action: String, checked: String, shown: String)] = [
        ("mobiletargeting:UpdateEndpoint", "/endpoints/2d8c5c3e-5b1a-4c7e-9f0e-6a1b2c3d4e5f", "/endpoints/ENDPOINT_ID"),
        ("mobiletargeting:PutEvents", "/events", "/events"),
    ]

    /// The actions of `required`.
    public static let requiredActions = required.map(\.action)

    /// Checks `configuration` (and the roles, when `roles` is given).
    /// - Parameters:
    ///   - readFindings: what reading the files found (`AnalyticsConfiguration.load`,
    ///     `IAMRoles.load`); they join the report's findings.
    ///   - strict: report warnings as errors.
    public static func run(
        _ configuration: AnalyticsConfiguration, roles: IAMRoles?, readFindings: [ConfigurationFinding] = [], strict: Bool = false
    ) -> ConfigurationReport {
        var findings = readFindings
        if configuration.clients.isEmpty {
            findings.append(ConfigurationFinding(.noClients, message: "no app client in the client files"))
        }
        for client in configuration.clients {
            findings += check(client, roles: roles)
        }
        findings += clientsInTwoProjects(configuration)
        findings += projectsInTwoPools(configuration)
        findings += projectsInTwoRegions(configuration)
        if strict {
            for index in findings.indices { findings[index].severity = .error }
        }
        findings.sort(by: ConfigurationFinding.printOrder)
        let byID: (AppClient, AppClient) -> Bool = { $0.clientID.utf8.lexicographicallyPrecedes($1.clientID.utf8) }
        return ConfigurationReport(
            clients: configuration.clients.sorted(by: byID),
            projects: configuration.projects.map { ConfigurationReport.ProjectEntry(project: $0.project, clients: $0.clients) },
            findings: findings, rolesChecked: roles != nil, strict: strict)
    }

    /// The rules for one client.
    static func check(_ client: AppClient, roles: IAMRoles?) -> [ConfigurationFinding] {
        guard let settings = client.analytics, settings.namesProject else {
            // (One that could not be read is a finding of the file's already.)
            if client.analyticsUnreadable { return [] }
            var message = "no analytics configuration: Cognito sent this client's events to no Pinpoint project"
            if let region = client.poolRegion, PinpointRegions.neverHadPinpoint(region) {
                message += " (Pinpoint never existed in \(region))"
            } else if client.source.isListPage {
                message += " (read from list-user-pool-clients output, which never shows one: give its describe-user-pool-client output)"
            }
            return [ConfigurationFinding(.unconfigured, client: client, field: "AnalyticsConfiguration", message: message)]
        }
        var findings: [ConfigurationFinding] = []
        func error(_ code: ConfigurationFinding.Code, _ field: String, _ message: String) {
            findings.append(ConfigurationFinding(code, client: client, projectID: settings.project?.id, field: field, message: message))
        }
        // The pool's region decides which project regions are allowed.
        switch client.userPoolID {
        case nil:
            error(.userPoolID, "UserPoolId", "no UserPoolId: the pool's region, and so the region rule, cannot be checked")
        case let id? where client.poolRegion == nil:
            error(.userPoolID, "UserPoolId", "'\(id)' is not a user pool id (REGION_ID, e.g. eu-west-1_AbCdEf123)")
        default: break
        }
        // The project: ApplicationArn (which Cognito uses over ApplicationId), else ApplicationId.
        let projectARN = settings.projectARN
        if let text = settings.applicationARN, projectARN == nil {
            error(.arn, "ApplicationArn", "'\(text)' is not a Pinpoint project ARN (\(PinpointProjectARN.shape))")
        }
        if let projectARN, let id = settings.applicationID, id.lowercased() != projectARN.projectID.lowercased() {
            error(
                .projectIDMismatch, "ApplicationId",
                "'\(id)' is not the project of ApplicationArn (\(projectARN.projectID)): Cognito sends to the ARN's project")
        }
        let idField = projectARN != nil ? "ApplicationArn" : "ApplicationId"
        if let id = settings.writtenProjectID, !AppClient.isProjectID(id) {
            error(.projectID, idField, "'\(id)' is not a Pinpoint project id: 32 hex characters")
        }
        if let poolRegion = client.poolRegion, let projectRegion = settings.projectRegion,
            !PinpointRegions.allows(poolIn: poolRegion, projectIn: projectRegion)
        {
            error(.projectRegion, settings.projectField, regionMessage(settings, poolRegion: poolRegion, projectRegion: projectRegion))
        }
        // The role Cognito assumes. None given: with ApplicationArn, Cognito uses its
        // service-linked role; with ApplicationId alone it has none to send with (the API and
        // CloudFormation want RoleArn and ExternalId with one; a hand-written client passed
        // until 2026-12-05).
        if settings.roleARN == nil, settings.applicationARN == nil, settings.applicationID != nil {
            error(
                .noRole, "RoleArn",
                "an ApplicationId without RoleArn: Cognito has no role to send analytics with (give RoleArn and the ExternalId "
                    + "its trust policy wants, or ApplicationArn for an in-Region project and Cognito's service-linked role)")
        }
        if let text = settings.roleARN {
            if let roleARN = IAMRoleARN(text) {
                if !roleARN.isServiceLinked, let roles {
                    findings += checkRole(roleARN, of: client, settings: settings, roles: roles)
                }
            } else if let arn = ARN(text) {
                error(
                    .roleARN, "RoleArn",
                    "'\(text)' is not an IAM role's ARN (\(IAMRoleARN.shape)): \(IAMRoleARN.problem(arn) ?? "")")
            } else {
                error(.arn, "RoleArn", "'\(text)' is not an ARN (\(IAMRoleARN.shape))")
            }
        }
        return findings
    }

    static func regionMessage(_ settings: AnalyticsSettings, poolRegion: String, projectRegion: String) -> String {
        let allowed = PinpointRegions.allowedProjectRegions(forPoolIn: poolRegion)
        if allowed.isEmpty {
            let name = PinpointRegions.neverAvailable.first { $0.region == poolRegion }?.name ?? poolRegion
            return "Pinpoint never existed in \(poolRegion) (\(name)): a pool there could send analytics to no project, "
                + "and this one is in \(projectRegion)"
        }
        var message = "the project is in \(projectRegion), and a pool in \(poolRegion) could send analytics only to "
            + allowed.joined(separator: " or ")
        if settings.applicationARN == nil {
            message += " (an ApplicationId without ApplicationArn names a project in \(AnalyticsSettings.applicationIDRegion): give ApplicationArn for an in-Region project)"
        }
        return message
    }

    /// A custom role's trust and permission policies, from the `--iam` files.
    static func checkRole(_ roleARN: IAMRoleARN, of client: AppClient, settings: AnalyticsSettings, roles: IAMRoles) -> [ConfigurationFinding] {
        var findings: [ConfigurationFinding] = []
        func add(_ code: ConfigurationFinding.Code, _ field: String, _ message: String) {
            findings.append(ConfigurationFinding(code, client: client, projectID: settings.project?.id, field: field, message: message))
        }
        let name = roleARN.name
        guard let role = roles.role(for: roleARN) else {
            if let other = roles.otherARN(for: roleARN) {
                // (It said "not described" until 2026-12-05, of a file that describes a role
                // of the name under another path.)
                add(
                    .roleNotDescribed, "RoleArn",
                    "the --iam files describe a role \(name) as \(other), not as \(roleARN.arn.description) (another path or account): not checked")
            } else {
                add(
                    .roleNotDescribed, "RoleArn",
                    "role \(name) is not described by the --iam files (aws iam get-role --role-name \(name)): not checked")
            }
            return findings
        }
        if let trust = role.trustPolicy {
            switch trust.trust(service: cognitoService, externalID: settings.externalID) {
            case .allowed: break
            case .notTrusted:
                add(
                    .trustPolicy, "RoleArn",
                    "the trust policy of role \(name) does not let the service principal \(cognitoService) assume it (sts:AssumeRole)")
            case .denied(let statement):
                add(.trustPolicy, "RoleArn", "the trust policy of role \(name) denies \(cognitoService) sts:AssumeRole (\(statement))")
            case .externalIDMismatch(let required) where required.isEmpty:
                // Only StringNotEquals/StringNotLike conditions, and the id given is one they exclude.
                add(
                    .externalID, "ExternalId",
                    "\(settings.externalID.map { "'\($0)'" } ?? "none given"): the trust policy of role \(name) excludes it (its sts:ExternalId conditions)")
            case .externalIDMismatch(let required):
                let wanted = required.map { "'\($0)'" }.joined(separator: " or ")
                if let given = settings.externalID {
                    add(
                        .externalID, "ExternalId",
                        "'\(given)' is not the sts:ExternalId the trust policy of role \(name) requires (\(wanted))")
                } else {
                    add(
                        .externalID, "ExternalId",
                        "none given, but the trust policy of role \(name) requires sts:ExternalId \(wanted)")
                }
            }
        } else if !role.trustUnreadable {
            add(
                .rolePartlyDescribed, "RoleArn",
                "no get-role output of role \(name) in the --iam files: its trust policy is not checked")
        }
        if !role.unplacedInline.isEmpty {
            let many = role.unplacedInline.count > 1
            add(
                .rolePartlyDescribed, "RoleArn",
                "\(role.unplacedInline.joined(separator: ", ")) of a role named \(name) \(many ? "are" : "is") in --iam files without "
                    + "its get-role output or with several roles of that name, and the files describe roles of that name in more than "
                    + "one account or path: not applied (get-role-policy names no account): keep each role's outputs in a file of its own")
        }
        guard !role.permissionPolicies.isEmpty else {
            add(
                .rolePartlyDescribed, "RoleArn",
                "no permission policy of role \(name) in the --iam files (get-role-policy or get-policy-version): "
                    + "its permissions are not checked"
                    + (role.otherVersions.isEmpty ? "" : " (\(role.otherVersions.joined(separator: ", ")) \(role.otherVersions.count == 1 ? "is not its policy's" : "are not their policies'") "
                        + "default version, which IAM does not apply: get the default one, aws iam get-policy-version --version-id with get-policy's DefaultVersionId)"))
            return findings
        }
        guard let project = projectResource(settings, roleARN: roleARN) else { return findings }
        for (action, checked, shown) in required {
            switch IAMPolicy.decision(role.permissionPolicies, action: action, resource: project + checked) {
            case .allowed: break
            case .denied(let policy, let statement):
                add(.permissions, "RoleArn", "role \(name) may not call \(action) on \(project + shown): denied by \(statement) of \(policy)")
            case .notAllowed:
                add(
                    .permissions, "RoleArn",
                    "role \(name) may not call \(action) on \(project + shown): none of its permission policies allows it "
                        + "(\(role.permissionPolicies.map(\.name).joined(separator: ", ")))")
            }
        }
        return findings
    }

    /// The project's ARN, whose sub-resources the permissions must cover: the `ApplicationArn`, or for an
    /// `ApplicationId` one in us-east-1 of the role's partition and account. Nil when the
    /// project id or region is not known (an error of its own).
    static func projectResource(_ settings: AnalyticsSettings, roleARN: IAMRoleARN) -> String? {
        if let arn = settings.projectARN {
            return AppClient.isProjectID(arn.projectID) ? arn.arn.description : nil
        }
        guard let id = settings.applicationID, AppClient.isProjectID(id), let region = settings.projectRegion else { return nil }
        return ARN(partition: roleARN.arn.partition, service: "mobiletargeting", region: region, account: roleARN.arn.account, resource: "apps/\(id)")
            .description
    }

    /// A client id whose entries name two or more projects.
    public static func clientsInTwoProjects(_ configuration: AnalyticsConfiguration) -> [ConfigurationFinding] {
        var named: [String: [(project: String, source: AppClient.Source)]] = [:]
        for entry in configuration.entries {
            guard let id = entry.analytics?.writtenProjectID else { continue }
            named[entry.clientID, default: []].append((id.lowercased(), entry.source))
        }
        var findings: [ConfigurationFinding] = []
        for (clientID, uses) in named.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            var firstSource: [String: AppClient.Source] = [:]
            var order: [String] = []
            for use in uses where firstSource[use.project] == nil {
                firstSource[use.project] = use.source
                order.append(use.project)
            }
            guard order.count > 1, let client = configuration.client(clientID) else { continue }
            let listed = order.map { "\($0) (\(firstSource[$0]!))" }.joined(separator: ", ")
            findings.append(
                ConfigurationFinding(
                    .twoProjects, client: client, field: "AnalyticsConfiguration",
                    message: "mapped to \(order.count) projects: \(listed); an app client sends to one project only, "
                        + "so one of these outputs is out of date"))
        }
        return findings
    }

    /// A project id its clients' `ApplicationArn`s put in different regions: a project lives
    /// in one region, so the clients naming another sent to a project that did not exist
    /// there (each may pass the region rule on its own). Only ARNs count: the us-east-1 taken
    /// for an `ApplicationId` alone is the region rule's reading, not what the client says, so
    /// an `ApplicationId` client beside an ARN of another region is no finding.
    static func projectsInTwoRegions(_ configuration: AnalyticsConfiguration) -> [ConfigurationFinding] {
        var findings: [ConfigurationFinding] = []
        for (project, clients) in configuration.projects {
            var byRegion: [String: [String]] = [:]
            for client in clients {
                guard let region = client.analytics?.projectARN?.arn.region else { continue }
                byRegion[region, default: []].append(client.clientID)
            }
            guard byRegion.count > 1 else { continue }
            let regions = byRegion.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let listed = regions.map { "\($0) (\(byRegion[$0]!.joined(separator: ", ")))" }.joined(separator: ", ")
            findings.append(
                ConfigurationFinding(
                    .projectInTwoRegions, projectID: project.id, field: "ApplicationArn",
                    message: "named in \(regions.count) regions: \(listed); a project lives in one region, so the "
                        + "clients naming another sent their events to a project that did not exist there"))
        }
        return findings
    }

    /// A project whose clients lie in different user pools.
    static func projectsInTwoPools(_ configuration: AnalyticsConfiguration) -> [ConfigurationFinding] {
        var findings: [ConfigurationFinding] = []
        for (project, clients) in configuration.projects {
            var byPool: [String: [String]] = [:]
            for client in clients { byPool[client.userPoolID ?? "(no pool id)", default: []].append(client.clientID) }
            guard byPool.count > 1 else { continue }
            let pools = byPool.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let listed = pools.map { "\($0) (\(byPool[$0]!.joined(separator: ", ")))" }.joined(separator: ", ")
            findings.append(
                ConfigurationFinding(
                    .projectInTwoPools, projectID: project.id,
                    message: "clients in \(pools.count) user pools: \(listed); its numbers mix the pools' users"))
        }
        return findings
    }
}
