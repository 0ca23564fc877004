/// An Amazon Resource Name: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
///
/// Any partition is accepted (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, …): teams in China
/// and GovCloud had Cognito and Pinpoint too. The resource may itself hold `:` and `/`.
public struct ARN: Sendable, Hashable, CustomStringConvertible {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    public init(partition: String, service: String, region: String, account: String, resource: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resource = resource
    }

    /// Parses `text`; nil unless it has the six parts, a partition `aws` or `aws-…`, a
    /// service, and a resource.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", Self.isPartition(parts[1]), !parts[2].isEmpty,
            parts[2].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }),
            parts[3].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }),
            parts[4].allSatisfy({ $0.isASCII && $0.isNumber }), !parts[5].isEmpty
        else { return nil }
        self.init(partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5])
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(account):\(resource)" }

    /// `aws`, or `aws-` and lower-case letters, digits and hyphens.
    static func isPartition(_ text: String) -> Bool {
        guard text == "aws" || (text.hasPrefix("aws-") && text.count > 4) else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    /// A 12-digit account id, as IAM and Pinpoint ARNs carry.
    static func isAccount(_ text: String) -> Bool {
        text.count == 12 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// A Pinpoint project ARN, `arn:PARTITION:mobiletargeting:REGION:ACCOUNT:apps/PROJECTID`
/// (the `ApplicationArn` of a client's analytics configuration).
public struct PinpointProjectARN: Sendable, Hashable {
    public var arn: ARN
    /// As written in the ARN: whether it is a valid project id is checked apart
    /// (`AppClient.isProjectID`), so that the error says which of the two is wrong.
    public var projectID: String

    /// Nil unless `text` is a `mobiletargeting` ARN with a region, a 12-digit account and an
    /// `apps/ID` resource (nothing after the id).
    public init?(_ text: String) {
        guard let arn = ARN(text), arn.service == "mobiletargeting", !arn.region.isEmpty, ARN.isAccount(arn.account),
            arn.resource.hasPrefix("apps/")
        else { return nil }
        let id = String(arn.resource.dropFirst("apps/".count))
        guard !id.isEmpty, !id.contains("/") else { return nil }
        self.arn = arn
        projectID = id
    }

    /// The form an error message shows.
    public static let shape = "arn:PARTITION:mobiletargeting:REGION:ACCOUNT:apps/PROJECTID"
}

/// An IAM role ARN, `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME` (a client's `RoleArn`).
public struct IAMRoleARN: Sendable, Hashable {
    public var arn: ARN
    /// The role's name: the last part of the resource (its path left out), which is what
    /// `aws iam get-role --role-name` takes and what its output's `RoleName` holds.
    public var name: String

    /// Nil unless `text` is an `iam` ARN with no region, a 12-digit account and a
    /// `role/…` resource whose name has only the characters IAM allows (`[A-Za-z0-9+=,.@_-]`).
    public init?(_ text: String) {
        guard let arn = ARN(text), Self.problem(arn) == nil else { return nil }
        self.arn = arn
        name = Self.name(of: arn)
    }

    /// The last part of the resource.
    private static func name(of arn: ARN) -> String {
        String(arn.resource.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
    }

    /// Why the ARN `arn` is no IAM role's (nil when it is one).
    public static func problem(_ arn: ARN) -> String? {
        guard arn.service == "iam" else { return "its service is \(arn.service), not iam" }
        guard arn.region.isEmpty else { return "IAM ARNs have no region, this one names \(arn.region)" }
        guard ARN.isAccount(arn.account) else { return "its account '\(arn.account)' is not 12 digits" }
        guard arn.resource.hasPrefix("role/") else { return "its resource '\(arn.resource)' is not role/NAME" }
        let role = name(of: arn)
        if role.isEmpty { return "it names no role after the path" }
        if role.count > 64 { return "its role name has \(role.count) characters, at most 64" }
        if let bad = role.first(where: { !isNameCharacter($0) }) {
            return "its role name holds '\(bad)', which IAM does not allow (only letters, digits and +=,.@_-)"
        }
        return nil
    }

    /// The service-linked role Cognito creates for in-Region Pinpoint analytics: AWS manages
    /// its trust and permissions, so it is accepted as it is.
    public static let serviceLinkedRoleName = "AWSServiceRoleForAmazonCognitoIdp"

    public var isServiceLinked: Bool { name == Self.serviceLinkedRoleName }

    public static let shape = "arn:PARTITION:iam::ACCOUNT:role/NAME"

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "+=,.@_-".contains(c))
    }
}
