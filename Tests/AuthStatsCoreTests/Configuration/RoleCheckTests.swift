import Foundation
import Testing

@testable import AuthStatsCore

@Suite("check-config with --iam: get-role, get-role-policy and get-policy-version files")
struct RoleCheckTests {
    typealias F = ConfigurationFixtures

    /// A client of project A (by ARN in eu-west-1) with the custom role, checked against `iam`.
    func check(_ iam: String..., analytics: [String: Any]? = nil, strict: Bool = false) -> ConfigurationReport {
        let settings =
            analytics ?? [
                "ApplicationArn": "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)", "RoleArn": F.roleARN,
                "ExternalId": "ext-1",
            ]
        var configuration = AnalyticsConfiguration()
        var findings = configuration.load(Array(F.describe("c1", name: "web", analytics: settings).utf8), name: "clients")
        var roles = IAMRoles()
        for (index, text) in iam.enumerated() { findings += roles.load(Array(text.utf8), name: "iam\(index + 1)") }
        return ConfigurationCheck.run(configuration, roles: roles, readFindings: findings, strict: strict)
    }

    @Test("a role whose trust and permissions are right passes")
    func passes() {
        let report = check(F.getRole(trust: F.trust(externalID: "ext-1")), F.getRolePolicy(document: F.permissions()))
        #expect(report.findings.isEmpty)
        #expect(report.rolesChecked)
    }

    @Test("a get-policy-version output applies to the role whose get-role output is in the same file")
    func policyVersionInRoleFile() {
        let report = check(F.getRole(trust: F.trust()) + "\n" + F.getPolicyVersion(F.permissions()))
        #expect(report.findings.isEmpty)
    }

    @Test("a get-policy-version output in a file without a get-role output is an error, and applies to no role")
    func policyVersionAlone() {
        let report = check(F.getRole(trust: F.trust()), F.getPolicyVersion(F.permissions()))
        #expect(F.codes(report.findings) == ["policy-without-role", "role-partly-described"])
        #expect(report.findings.first { $0.code == .policyWithoutRole }?.file == "iam2")
    }

    @Test("a role the files do not describe is a warning; --strict makes it an error")
    func notDescribed() {
        let report = check(F.getRole("SomeOtherRole", trust: F.trust()))
        #expect(F.codes(report.findings) == ["role-not-described"])
        #expect(report.findings[0].severity == .warning && report.findings[0].field == "RoleArn")
        #expect(report.exitStatus == 0)
        #expect(check(F.getRole("SomeOtherRole", trust: F.trust()), strict: true).exitStatus == 1)
    }

    @Test("a role of the same name in another account is not the client's")
    func otherAccount() {
        let report = check(F.getRole(arn: "arn:aws:iam::444455556666:role/CognitoPinpoint", trust: F.trust()))
        #expect(F.codes(report.findings) == ["role-not-described"])
        #expect(report.findings.first?.message == "the --iam files describe a role CognitoPinpoint as arn:aws:iam::444455556666:role/CognitoPinpoint, "
            + "not as \(F.roleARN) (another path or account): not checked")
        // Under a path: named so (it said "not described by the --iam files").
        let path = check(F.getRole(arn: "arn:aws:iam::111122223333:role/team/CognitoPinpoint", trust: F.trust()))
        #expect(path.findings.first?.message.hasPrefix("the --iam files describe a role CognitoPinpoint as arn:aws:iam::111122223333:role/team/CognitoPinpoint") == true)
    }

    @Test("a role of the same name in another account lends the client's role nothing, in either order of the files")
    func twoAccounts() {
        let other = "arn:aws:iam::444455556666:role/CognitoPinpoint"
        let broad: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"]]
        let narrow: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"]]
        let prod = F.getRole(trust: F.trust(externalID: "ext-1")) + "\n" + F.getRolePolicy(document: narrow)
        let dev = F.getRole(arn: other, trust: F.trust(externalID: "ext-1")) + "\n" + F.getRolePolicy(document: broad)
        // The client's role (111122223333) may not publish; the other account's may.
        #expect(F.codes(check(prod, dev).findings) == ["permissions", "permissions"])
        #expect(F.codes(check(dev, prod).findings) == ["permissions", "permissions"])
        #expect(check(dev).findings.first?.message.hasPrefix("the --iam files describe a role CognitoPinpoint as \(other)") == true)
        // An inline policy in a file of its own, while two accounts' roles of its name are
        // described: applied to neither, and said so.
        let roles = F.getRole(trust: F.trust(externalID: "ext-1")) + "\n" + F.getRole(arn: other, trust: F.trust())
        let apart = check(roles, F.getRolePolicy(document: F.permissions()))
        #expect(F.codes(apart.findings) == ["role-partly-described", "role-partly-described"])
        #expect(apart.findings.first?.message.hasPrefix("inline policy Publish of a role named CognitoPinpoint is in --iam files without its get-role output") == true)
        // Both accounts' outputs in one file: which role an inline policy is of, it does not
        // say; the other account's broad policy lends the client's role nothing.
        let together = check(prod + "\n" + dev)
        #expect(F.codes(together.findings) == ["role-partly-described", "role-partly-described"], "\(together.findings.map(\.message))")
        // One role of the name: the inline policy of another file is its (as before).
        #expect(check(F.getRole(trust: F.trust(externalID: "ext-1")), F.getRolePolicy(document: F.permissions())).findings.isEmpty)
    }

    @Test("only the trust policy, or only the permissions: the missing half is a warning")
    func partlyDescribed() {
        #expect(F.codes(check(F.getRole(trust: F.trust())).findings) == ["role-partly-described"])
        #expect(F.codes(check(F.getRolePolicy(document: F.permissions())).findings) == ["role-partly-described"])
    }

    @Test("the service-linked role, and no RoleArn at all, are accepted as they are")
    func serviceLinked() {
        let slr = "arn:aws:iam::111122223333:role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp"
        let arn = "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)"
        #expect(check(analytics: ["ApplicationArn": arn, "RoleArn": slr]).findings.isEmpty)
        #expect(check(analytics: ["ApplicationArn": arn]).findings.isEmpty)
    }

    @Test("a trust policy without the principal: an error naming the client, field and role")
    func missingPrincipal() throws {
        let report = check(F.getRole(trust: F.trust(service: "pinpoint.amazonaws.com")), F.getRolePolicy(document: F.permissions()))
        #expect(F.codes(report.findings) == ["trust-policy"])
        let finding = try #require(report.findings.first)
        #expect(finding.clientID == "c1" && finding.field == "RoleArn")
        #expect(finding.message == "the trust policy of role CognitoPinpoint does not let the service principal cognito-idp.amazonaws.com assume it (sts:AssumeRole)")
    }

    @Test("a wrong external id, and none where one is required: an error on ExternalId")
    func wrongExternalID() throws {
        let report = check(F.getRole(trust: F.trust(externalID: "ext-2")), F.getRolePolicy(document: F.permissions()))
        #expect(F.codes(report.findings) == ["external-id"])
        #expect(report.findings[0].field == "ExternalId")
        #expect(report.findings[0].message == "'ext-1' is not the sts:ExternalId the trust policy of role CognitoPinpoint requires ('ext-2')")
        let none = check(
            F.getRole(trust: F.trust(externalID: "ext-2")), F.getRolePolicy(document: F.permissions()),
            analytics: ["ApplicationId": F.projectA, "RoleArn": F.roleARN])
        #expect(none.findings.map(\.message) == ["none given, but the trust policy of role CognitoPinpoint requires sts:ExternalId 'ext-2'"])
    }

    @Test("an external id the trust policy excludes (StringNotEquals only): said so, not 'requires ()'")
    func excludedExternalID() throws {
        var trust = F.trust()
        var statements = trust["Statement"] as! [[String: Any]]
        statements[0]["Condition"] = ["StringNotEquals": ["sts:ExternalId": "ext-1"]]
        trust["Statement"] = statements
        let report = check(F.getRole(trust: trust), F.getRolePolicy(document: F.permissions()))
        #expect(F.codes(report.findings) == ["external-id"])
        #expect(report.findings.first?.message == "'ext-1': the trust policy of role CognitoPinpoint excludes it (its sts:ExternalId conditions)")
    }

    @Test("a Deny in the permissions: an error for the denied action only")
    func deny() {
        let deny: [String: Any] = ["Statement": ["Sid": "NoEvents", "Effect": "Deny", "Action": "mobiletargeting:PutEvents", "Resource": "*"]]
        let report = check(
            F.getRole(trust: F.trust()) + F.getPolicyVersion(["Statement": ["Effect": "Allow", "Action": "*", "Resource": "*"]]),
            F.getRolePolicy(policy: "NoEvents", document: deny))
        #expect(F.codes(report.findings) == ["permissions"])
        #expect(report.findings[0].message.hasSuffix("mobiletargeting:PutEvents on arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)/events: denied by statement NoEvents of inline policy NoEvents"))
    }

    @Test("permissions for another project, or for one action only")
    func notAllowed() {
        let other = check(F.getRole(trust: F.trust()), F.getRolePolicy(document: F.permissions(project: F.projectB)))
        #expect(F.codes(other.findings) == ["permissions", "permissions"])
        let one = check(F.getRole(trust: F.trust()), F.getRolePolicy(document: F.permissions(action: "mobiletargeting:UpdateEndpoint")))
        #expect(one.findings.map(\.message) == [
            "role CognitoPinpoint may not call mobiletargeting:PutEvents on arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)/events: "
                + "none of its permission policies allows it (inline policy Publish)"
        ])
    }

    @Test("the actions' resources are the project's events and endpoints (Pinpoint's permissions-actions.md), not the project itself")
    func subResources() {
        let project = "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)"
        func codes(_ statements: [[String: Any]]) -> [String] {
            F.codes(check(F.getRole(trust: F.trust()), F.getRolePolicy(document: ["Statement": statements])).findings)
        }
        let both = ["mobiletargeting:UpdateEndpoint", "mobiletargeting:PutEvents"]
        // What Amplify writes (`apps/ID/*`), and each action on its own resource (AWS Solutions).
        #expect(codes([["Effect": "Allow", "Action": both, "Resource": project + "/*"]]) == [])
        #expect(codes([
            ["Effect": "Allow", "Action": "mobiletargeting:UpdateEndpoint", "Resource": project + "/endpoints/*"],
            ["Effect": "Allow", "Action": "mobiletargeting:PutEvents", "Resource": project + "/events"],
        ]) == [])
        // The project alone covers neither (passed until 2026-12-05, failed the two above).
        let bare = check(F.getRole(trust: F.trust()), F.getRolePolicy(document: ["Statement": ["Effect": "Allow", "Action": both, "Resource": project]]))
        #expect(bare.findings.map(\.message) == [
            "role CognitoPinpoint may not call mobiletargeting:PutEvents on \(project)/events: none of its permission policies allows it (inline policy Publish)",
            "role CognitoPinpoint may not call mobiletargeting:UpdateEndpoint on \(project)/endpoints/ENDPOINT_ID: none of its permission policies allows it (inline policy Publish)",
        ])
        // A Deny of every project's events.
        #expect(codes([
            ["Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"],
            ["Effect": "Deny", "Action": "mobiletargeting:PutEvents", "Resource": "arn:aws:mobiletargeting:*:*:apps/*/events"],
        ]) == ["permissions"])
    }

    @Test("a managed policy's versions: only the default one is the role's permission")
    func defaultVersionOnly() {
        let broad: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"]]
        let narrow: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"]]
        // v1 broad but not the default, v2 the default: PutEvents and UpdateEndpoint not allowed.
        let report = check(
            F.getRole(trust: F.trust()) + F.getPolicyVersion(broad, version: "v1", isDefault: false)
                + F.getPolicyVersion(narrow, version: "v2"))
        #expect(F.codes(report.findings) == ["permissions", "permissions"])
        #expect(report.findings.allSatisfy { $0.message.contains("(policy version v2 (") })
        // The other way round: allowed.
        let allowed = check(
            F.getRole(trust: F.trust()) + F.getPolicyVersion(narrow, version: "v1", isDefault: false) + F.getPolicyVersion(broad, version: "v2"))
        #expect(allowed.findings.isEmpty)
        // A trust policy that cannot be read is its policy-document finding, not also "no get-role output".
        let badTrust: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": ["Service": "ec2.amazonaws.com"]]]
        let unreadable = check(F.getRole(trust: badTrust) + F.getPolicyVersion(broad, version: "v1"))
        #expect(F.codes(unreadable.findings) == ["policy-document"], "\(unreadable.findings)")
        // Only versions that are not the default: said, not only "no permission policy".
        let onlyOld = check(F.getRole(trust: F.trust()) + F.getPolicyVersion(broad, version: "v1", isDefault: false))
        #expect(F.codes(onlyOld.findings) == ["role-partly-described"])
        #expect(onlyOld.findings.first?.message.contains("(policy version v1 (") == true)
        #expect(onlyOld.findings.first?.message.contains("is not its policy's default version, which IAM does not apply") == true, "\(onlyOld.findings)")
    }

    @Test("for an ApplicationId, the project's ARN is in us-east-1, in the role's partition and account")
    func applicationIDResource() {
        let analytics: [String: Any] = ["ApplicationId": F.projectA, "RoleArn": "arn:aws-cn:iam::111122223333:role/CognitoPinpoint"]
        let exact = F.permissions(resource: "arn:aws-cn:mobiletargeting:us-east-1:111122223333:apps/\(F.projectA)/*")
        let role = F.getRole(arn: "arn:aws-cn:iam::111122223333:role/CognitoPinpoint", trust: F.trust())
        #expect(check(role, F.getRolePolicy(document: exact), analytics: analytics).findings.isEmpty)
        let euWest = F.permissions(resource: "arn:aws-cn:mobiletargeting:eu-west-1:111122223333:apps/\(F.projectA)/*")
        #expect(F.codes(check(role, F.getRolePolicy(document: euWest), analytics: analytics).findings) == ["permissions", "permissions"])
    }

    @Test("Statement as one object, Action as a string, a URL-encoded trust policy")
    func shapes() {
        let trust = F.json(["Statement": ["Effect": "Allow", "Principal": ["Service": "cognito-idp.amazonaws.com"], "Action": "sts:AssumeRole"]])
        let encoded = trust.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let permissions: [String: Any] = ["Statement": ["Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"]]
        #expect(check(F.getRole(trust: encoded), F.getRolePolicy(document: permissions)).findings.isEmpty)
    }

    @Test("what is wrong with the IAM files themselves")
    func badFiles() {
        let report = check(
            F.getRolePolicy(document: "not a policy"), #"{"Policy": {"PolicyName": "P"}}"#, #"{"Role": {"RoleName": "CognitoPinpoint""#,
            F.json(["Role": ["Arn": "x"]]))
        #expect(F.codes(report.findings) == ["invalid-json", "policy-document", "role-not-described", "unknown-document", "unknown-document"])
    }
}
