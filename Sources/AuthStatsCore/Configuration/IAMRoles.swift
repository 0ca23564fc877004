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

        /// Inline policies of a role of this name that were read from files without its
        /// `get-role` output, or with `get-role` outputs of several roles of the name, while the
        /// files describe roles of the name in more than one account or path: not applied (a
        /// `get-role-policy` output names no account), named for the message.
        public var unplacedInline: [String] = []
    }

    /// Roles by `get-role`'s `Role.Arn`, or by `name:` and their name when no ARN was read
    /// (a `get-role` output without one, or only inline policies of the role). Until
    /// 2026-12-07 roles were kept by name alone: a role of the same name in another account,
    /// in a later file, lent the client's role its policies (a broken role passed) or hid it.
    private var byKey: [String: Role] = [:]
    /// Inline policies (`get-role-policy`) read from files without a `get-role` output of
    /// their role, by role name: the role's, when the files describe one role of that name.
    private var inlineElsewhere: [String: [(name: String, policy: IAMPolicy)]] = [:]

    public init() {}

    private static func key(name: String, arn: String?) -> String { arn ?? "name:" + name }

    /// The ARN the files give a role of this name, when none is `arn` (another path or
    /// account): why `role(for:)` found none. The first in byte order, when several.
    public func otherARN(for arn: IAMRoleARN) -> String? {
        byKey.values.filter { $0.name == arn.name }.compactMap(\.arn).filter { $0 != arn.arn.description }
            .min { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The role a client's `RoleArn` names: the role whose `get-role` output gives that ARN,
    /// else one of its name whose ARN was not read; with the inline policies of its name read
    /// from other files when it is the only role of its name.
    public func role(for arn: IAMRoleARN) -> Role? {
        let sameName = byKey.values.filter { $0.name == arn.name }
        var role: Role
        if let exact = byKey[arn.arn.description] {
            role = exact
        } else if let unnamed = byKey[Self.key(name: arn.name, arn: nil)] {
            role = unnamed
        } else if sameName.isEmpty, let inline = inlineElsewhere[arn.name] {
            return Role(name: arn.name, permissionPolicies: inline)
        } else {
            return nil
        }
        if let inline = inlineElsewhere[arn.name] {
            if sameName.count == 1 {
                role.permissionPolicies += inline
            } else {
                role.unplacedInline += inline.map(\.name)
            }
        }
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
        var rolesOfFile: [(name: String, key: String)] = []
        for (number, object) in documents {
            guard let role = object["Role"] as? [String: Any] else { continue }
            guard let roleName = role.stringMember("RoleName"), !roleName.isEmpty else {
                findings.append(unknown(name, number, "a get-role output without Role.RoleName"))
                continue
            }
            let key = Self.key(name: roleName, arn: role.stringMember("Arn"))
            if !rolesOfFile.contains(where: { $0.key == key }) { rolesOfFile.append((roleName, key)) }
            var entry = byKey[key] ?? Role(name: roleName, arn: role.stringMember("Arn"))
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
            byKey[key] = entry
        }
        for (number, object) in documents where object["Role"] == nil {
            if let roleName = object.stringMember("RoleName"), let document = object["PolicyDocument"] {
                let policyName = object.stringMember("PolicyName") ?? "(unnamed)"
                do {
                    let policy = try IAMPolicy(document: document, permissions: true)
                    let label = "inline policy \(policyName)"
                    // Its role's, when the file has the role's get-role output; none of them
                    // when it has several of the name (accounts or paths: which one's it is, the
                    // output does not say), and said so; else placed when a client's role is
                    // looked up.
                    let keys = rolesOfFile.filter { $0.name == roleName }.map(\.key)
                    if keys.isEmpty { inlineElsewhere[roleName, default: []].append((label, policy)) }
                    if keys.count == 1 { byKey[keys[0]]?.permissionPolicies.append((label, policy)) }
                    if keys.count > 1 { for key in keys { byKey[key]?.unplacedInline.append(label) } }
                } catch {
                    findings.append(policyFailure(name, number, "inline policy \(policyName) of role \(roleName)", error))
                }
            } else if let version = object["PolicyVersion"] as? [String: Any], let document = version["Document"] {
                // IAM applies a managed policy's default version only: another version fetched
                // too (`list-policy-versions` then each) is not the role's permission (it was
                // counted until 2026-12-05, so a broad old version passed a narrow default one).
                let label = "policy version \(version.stringMember("VersionId") ?? "?") (\(name), document \(number))"
                if version["IsDefaultVersion"] as? Bool == false {
                    for role in rolesOfFile { byKey[role.key]?.otherVersions.append(label) }
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
                    for role in rolesOfFile { byKey[role.key]?.permissionPolicies.append((label, policy)) }
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
