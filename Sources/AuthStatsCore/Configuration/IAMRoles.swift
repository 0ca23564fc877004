/// The IAM roles the `--iam` files describe: each role's trust policy and permission
/// policies (`docs/configuration.md` "IAM role checks").
///
/// A file holds JSON values back to back (or a JSON array of them), each one of:
/// - `aws iam get-role` output, `{"Role": {RoleName, Arn, AssumeRolePolicyDocument, …}}`;
/// - `aws iam get-role-policy` output, `{RoleName, PolicyName, PolicyDocument}` (an inline
///   policy: it names its role);
/// - `aws iam get-policy-version` output, `{"PolicyVersion": {Document, VersionId, …}}` (a
///   managed policy's document; one whose `IsDefaultVersion` is false is read past, as IAM
///   applies the default version only). It names no role, so it applies to every role whose
///   `get-role` output is in the same file: fetch a role and its managed policies into one
///   file (`docs/configuration.md` shows the commands).
public struct IAMRoles: Sendable {
    public struct Role: Sendable {
        public var name: String
        /// `Role.Arn` of `get-role`, when it was read.
        public var arn: String?
        /// The trust policy (`AssumeRolePolicyDocument`); nil when no `get-role` output of
        /// the role was read.
        public var trustPolicy: IAMPolicy?
        /// Inline and managed policies, named for messages (`inline policy P`,
        /// `policy version v3 in FILE`).
        public var permissionPolicies: [(name: String, policy: IAMPolicy)]
        /// Managed policy versions in the files that are not their policy's default (not
        /// applied, as IAM applies none but the default), named for messages.
        public var otherVersions: [String] = []
        /// Its `get-role` output was read, but not its trust policy (a `policy-document` finding).
        public var trustUnreadable = false

        public init(
            name: String, arn: String? = nil, trustPolicy: IAMPolicy? = nil, permissionPolicies: [(name: String, policy: IAMPolicy)] = []
        ) {
            self.name = name
            self.arn = arn
            self.trustPolicy = trustPolicy
            self.permissionPolicies = permissionPolicies
        }
    }

    /// By role name.
    public private(set) var roles: [String: Role] = [:]

    public init() {}

    /// The role a client's `RoleArn` names: the role of that name, unless its `get-role`
    /// output gives another ARN (a role of the same name in another account).
    /// The ARN the files give a role of this name, when it is not `arn` (another path or
    /// account): why `role(for:)` found none.
    public func otherARN(for arn: IAMRoleARN) -> String? {
        guard let known = roles[arn.name]?.arn, known != arn.arn.description else { return nil }
        return known
    }

    public func role(for arn: IAMRoleARN) -> Role? {
        guard let role = roles[arn.name] else { return nil }
        if let known = role.arn, known != arn.arn.description { return nil }
        return role
    }

    /// Reads one `--iam` file's content (`name` is how findings name it).
    /// - Returns: what is wrong with the file (not JSON, a value of none of the shapes, a
    ///   policy document that is not a policy, a `get-policy-version` without a role).
    public mutating func load(_ data: [UInt8], name: String) -> [ConfigurationFinding] {
        let (values, damage) = JSONDocuments.read(data)
        var findings: [ConfigurationFinding] = []
        var documents: [(number: Int, object: [String: Any])] = []
        var number = 0
        for value in values {
            for element in (value as? [Any]) ?? [value] {
                number += 1
                guard let object = element as? [String: Any] else {
                    findings.append(unknown(name, number, "a JSON \(AnalyticsConfiguration.kind(of: element)), not an object"))
                    continue
                }
                documents.append((number, object))
            }
        }
        // Roles first, so that the file's policy versions know which roles they apply to.
        var rolesOfFile: [String] = []
        for (number, object) in documents {
            guard let role = object["Role"] as? [String: Any] else { continue }
            guard let roleName = role.stringMember("RoleName"), !roleName.isEmpty else {
                findings.append(unknown(name, number, "a get-role output without Role.RoleName"))
                continue
            }
            rolesOfFile.append(roleName)
            var entry = roles[roleName] ?? Role(name: roleName)
            entry.arn = entry.arn ?? role.stringMember("Arn")
            if let document = role["AssumeRolePolicyDocument"] {
                do {
                    let policy = try IAMPolicy(document: document)
                    entry.trustPolicy = entry.trustPolicy ?? policy
                } catch {
                    findings.append(policyFailure(name, number, "the trust policy of role \(roleName)", error))
                    entry.trustUnreadable = true
                }
            } else {
                findings.append(unknown(name, number, "a get-role output of \(roleName) without AssumeRolePolicyDocument"))
            }
            roles[roleName] = entry
        }
        for (number, object) in documents where object["Role"] == nil {
            if let roleName = object.stringMember("RoleName"), let document = object["PolicyDocument"] {
                let policyName = object.stringMember("PolicyName") ?? "(unnamed)"
                do {
                    let policy = try IAMPolicy(document: document, permissions: true)
                    roles[roleName, default: Role(name: roleName)].permissionPolicies.append(("inline policy \(policyName)", policy))
                } catch {
                    findings.append(policyFailure(name, number, "inline policy \(policyName) of role \(roleName)", error))
                }
            } else if let version = object["PolicyVersion"] as? [String: Any], let document = version["Document"] {
                // IAM applies a managed policy's default version only: another version fetched
                // too (`list-policy-versions` then each) is not the role's permission (it was
                // counted until 2026-12-05, so a broad old version passed a narrow default one).
                let label = "policy version \(version.stringMember("VersionId") ?? "?") (\(name), document \(number))"
                if version["IsDefaultVersion"] as? Bool == false {
                    for roleName in rolesOfFile { roles[roleName]?.otherVersions.append(label) }
                    continue
                }
                guard !rolesOfFile.isEmpty else {
                    findings.append(
                        ConfigurationFinding(
                            .policyWithoutRole, file: name,
                            message: "document \(number): a get-policy-version output, but no get-role output in the same file "
                                + "to apply it to: put the get-role output of the role it is attached to in this file"))
                    continue
                }
                do {
                    let policy = try IAMPolicy(document: document, permissions: true)
                    for roleName in rolesOfFile { roles[roleName]?.permissionPolicies.append((label, policy)) }
                } catch {
                    findings.append(policyFailure(name, number, label, error))
                }
            } else {
                findings.append(
                    unknown(name, number, "not get-role, get-role-policy or get-policy-version output (no Role, PolicyDocument or PolicyVersion.Document)"))
            }
        }
        if let damage { findings.append(.invalidJSON(damage, file: name, documentsBefore: values.count)) }
        return findings
    }

    private func unknown(_ file: String, _ number: Int, _ what: String) -> ConfigurationFinding {
        ConfigurationFinding(.unknownDocument, file: file, message: "document \(number): \(what)")
    }

    private func policyFailure(_ file: String, _ number: Int, _ what: String, _ failure: IAMPolicy.Failure) -> ConfigurationFinding {
        ConfigurationFinding(.policyDocument, file: file, message: "document \(number): \(what): \(failure.description)")
    }
}
