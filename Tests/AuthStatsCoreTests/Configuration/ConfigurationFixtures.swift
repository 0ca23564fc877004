import Foundation

@testable import AuthStatsCore

/// Client and IAM documents as the AWS CLI prints them, built for one test each.
enum ConfigurationFixtures {
    static let pool = "eu-west-1_AbCdEf123"
    static let projectA = "0123456789abcdef0123456789abcdef"
    static let projectB = "fedcba9876543210fedcba9876543210"
    static let roleARN = "arn:aws:iam::111122223333:role/CognitoPinpoint"

    /// JSON text of a value built from dictionaries and lists (keys sorted, so stable).
    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    /// A `describe-user-pool-client` output; `analytics` nil leaves out the configuration.
    static func describe(_ id: String, name: String? = nil, pool: String? = pool, analytics: [String: Any]? = nil) -> String {
        var client: [String: Any] = ["ClientId": id]
        if let name { client["ClientName"] = name }
        if let pool { client["UserPoolId"] = pool }
        if let analytics { client["AnalyticsConfiguration"] = analytics }
        return json(["UserPoolClient": client])
    }

    /// A configuration read from `texts`, one file each (`file1`, `file2`, …).
    static func configuration(_ texts: String...) -> (AnalyticsConfiguration, [ConfigurationFinding]) {
        var configuration = AnalyticsConfiguration()
        var findings: [ConfigurationFinding] = []
        for (index, text) in texts.enumerated() { findings += configuration.load(Array(text.utf8), name: "file\(index + 1)") }
        return (configuration, findings)
    }

    /// Roles read from `texts`, one file each (`iam1`, `iam2`, …).
    static func roles(_ texts: String...) -> (IAMRoles, [ConfigurationFinding]) {
        var roles = IAMRoles()
        var findings: [ConfigurationFinding] = []
        for (index, text) in texts.enumerated() { findings += roles.load(Array(text.utf8), name: "iam\(index + 1)") }
        return (roles, findings)
    }

    /// The trust policy Cognito's guide gives, optionally requiring an external id.
    static func trust(service: Any = "cognito-idp.amazonaws.com", action: Any = "sts:AssumeRole", externalID: String? = nil) -> [String: Any] {
        var statement: [String: Any] = ["Effect": "Allow", "Principal": ["Service": service], "Action": action]
        if let externalID { statement["Condition"] = ["StringEquals": ["sts:ExternalId": externalID]] }
        return ["Version": "2012-10-17", "Statement": [statement]]
    }

    /// The permission policy Cognito's guide gives, for `project`.
    static func permissions(project: String = projectA, resource: Any? = nil, action: Any? = nil) -> [String: Any] {
        [
            "Version": "2012-10-17",
            "Statement": [
                [
                    "Effect": "Allow",
                    "Action": action ?? ["mobiletargeting:UpdateEndpoint", "mobiletargeting:PutEvents"],
                    "Resource": resource ?? "arn:aws:mobiletargeting:*:111122223333:apps/\(project)*",
                ]
            ],
        ]
    }

    /// `get-role` output.
    static func getRole(_ name: String = "CognitoPinpoint", arn: String? = nil, trust: Any) -> String {
        json(["Role": ["RoleName": name, "Arn": arn ?? "arn:aws:iam::111122223333:role/\(name)", "AssumeRolePolicyDocument": trust]])
    }

    /// `get-role-policy` output.
    static func getRolePolicy(_ role: String = "CognitoPinpoint", policy: String = "Publish", document: Any) -> String {
        json(["RoleName": role, "PolicyName": policy, "PolicyDocument": document])
    }

    /// `get-policy-version` output.
    static func getPolicyVersion(_ document: Any, version: String = "v1", isDefault: Bool = true) -> String {
        json(["PolicyVersion": ["Document": document, "VersionId": version, "IsDefaultVersion": isDefault]])
    }

    /// The codes of `findings`, sorted.
    static func codes(_ findings: [ConfigurationFinding]) -> [String] { findings.map(\.code.rawValue).sorted() }
}
