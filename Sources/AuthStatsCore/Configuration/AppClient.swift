/// One Cognito app client as `aws cognito-idp describe-user-pool-client` (or
/// `list-user-pool-clients`) prints it: the fields that decide where its analytics went
/// (`docs/configuration.md` "Inputs"; `../shared/reference/formats.md` §6.1, §6.3).
public struct AppClient: Sendable, Hashable {
    public var clientID: String
    public var name: String?
    public var userPoolID: String?
    /// The client's `AnalyticsConfiguration`; nil when it has none (or when it comes from
    /// `list-user-pool-clients`, which prints ids and names only).
    public var analytics: AnalyticsSettings?
    /// Set when its `AnalyticsConfiguration` is there but not an object (a finding of its
    /// own): not a client without analytics, which the check would say too.
    public var analyticsUnreadable = false
    /// Where it was read.
    public var source: Source

    public init(clientID: String, name: String? = nil, userPoolID: String? = nil, analytics: AnalyticsSettings? = nil, source: Source) {
        self.clientID = clientID
        self.name = name
        self.userPoolID = userPoolID
        self.analytics = analytics
        self.source = source
    }

    /// A file, which JSON document of it (1-based, in file order; an array's elements count
    /// as documents of their own), and whether that was a `list-user-pool-clients` page, which
    /// never shows a client's analytics configuration.
    public struct Source: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var document: Int
        public var isListPage: Bool

        public init(file: String, document: Int, isListPage: Bool = false) {
            self.file = file
            self.document = document
            self.isListPage = isListPage
        }

        public var description: String { "\(file), document \(document)" }
    }

    /// The pool's region: what comes before the `_` of its id (`eu-west-1_AbCdEf123`), or nil
    /// when the id does not have that shape.
    public var poolRegion: String? { userPoolID.flatMap(Self.region(ofPool:)) }

    /// `REGION_ID` with a region such as `eu-west-1` (letters, a hyphen, …, digits) and a
    /// non-empty id of letters and digits.
    static func region(ofPool id: String) -> String? {
        guard let underscore = id.firstIndex(of: "_") else { return nil }
        let region = id[..<underscore]
        let rest = id[id.index(after: underscore)...]
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.dropLast().allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }),
            let last = parts.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }),
            !rest.isEmpty, rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        return String(region)
    }

    /// Whether `text` is a Pinpoint project id: 32 hexadecimal characters.
    public static func isProjectID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// A client's `AnalyticsConfiguration` (`AnalyticsConfigurationType`), as written, and what
/// follows from it: which project, in which region.
public struct AnalyticsSettings: Sendable, Hashable {
    public var applicationID: String?
    public var applicationARN: String?
    public var roleARN: String?
    public var externalID: String?
    public var userDataShared: Bool

    public init(
        applicationID: String? = nil, applicationARN: String? = nil, roleARN: String? = nil, externalID: String? = nil,
        userDataShared: Bool = false
    ) {
        self.applicationID = applicationID
        self.applicationARN = applicationARN
        self.roleARN = roleARN
        self.externalID = externalID
        self.userDataShared = userDataShared
    }

    /// Whether it names a project at all (an empty `AnalyticsConfiguration` does not).
    public var namesProject: Bool { applicationID != nil || applicationARN != nil }

    /// `ApplicationArn`, parsed; nil when absent or not a Pinpoint project ARN.
    public var projectARN: PinpointProjectARN? { applicationARN.flatMap(PinpointProjectARN.init) }

    /// The field the project comes from: `ApplicationArn` when it is there, which Cognito
    /// uses over `ApplicationId`; else `ApplicationId`.
    public var projectField: String { applicationARN != nil ? "ApplicationArn" : "ApplicationId" }

    /// The project id as written in `projectField` (the id inside the ARN; `ApplicationId`
    /// when the ARN does not parse).
    public var writtenProjectID: String? { projectARN?.projectID ?? applicationID }

    /// The project, when its id is 32 hex characters; lower-cased, as Pinpoint records carry
    /// it in `application.app_id`.
    public var project: PinpointProject? {
        guard let id = writtenProjectID, AppClient.isProjectID(id) else { return nil }
        return PinpointProject(id: id.lowercased(), region: projectRegion)
    }

    /// The project's region: the ARN's; us-east-1 for an `ApplicationId` without an ARN
    /// (before in-Region integration an `ApplicationId` could only name a us-east-1 project,
    /// the AnalyticsConfigurationType docs of the time); nil when the ARN does not parse.
    public var projectRegion: String? {
        if applicationARN != nil { return projectARN?.arn.region }
        return applicationID != nil ? Self.applicationIDRegion : nil
    }

    /// Where a project named by `ApplicationId` alone lies.
    public static let applicationIDRegion = "us-east-1"
}

/// A Pinpoint project: its id (lower-case) and region (nil when not known).
public struct PinpointProject: Sendable, Hashable {
    public var id: String
    public var region: String?

    public init(id: String, region: String?) {
        self.id = id
        self.region = region
    }
}
