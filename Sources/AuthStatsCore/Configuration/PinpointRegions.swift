/// Which Pinpoint project regions Cognito sent a user pool's analytics to: the one table of
/// regions in the code (`docs/configuration.md` "Regions" prints it, and a test keeps the
/// two equal).
///
/// Source: the Amazon Cognito Developer Guide, "Using Amazon Pinpoint analytics with Amazon
/// Cognito user pools" (cognito-user-pools-pinpoint-integration.md, its table of user pool
/// and Pinpoint regions), as `../shared/reference/formats.md` §7 copies it. Cognito sent
/// analytics to a project in the pool's own region; the pools listed in `table` could (or,
/// where Pinpoint had no endpoint of its own, had to) use us-east-1; in the six regions of
/// `neverAvailable` Pinpoint never existed, so pools there had no analytics at all.
public enum PinpointRegions {
    /// The user pool regions of the Cognito table, and the project regions each could use.
    public static let table: [(poolRegion: String, projectRegions: [String])] = [
        ("ap-northeast-1", ["us-east-1"]),
        ("ap-northeast-2", ["us-east-1"]),
        ("ap-south-1", ["us-east-1", "ap-south-1"]),
        ("ap-southeast-1", ["us-east-1"]),
        ("ap-southeast-2", ["us-east-1", "ap-southeast-2"]),
        ("ca-central-1", ["us-east-1"]),
        ("eu-central-1", ["us-east-1", "eu-central-1"]),
        ("eu-west-1", ["us-east-1", "eu-west-1"]),
        ("eu-west-2", ["us-east-1"]),
        ("us-east-1", ["us-east-1"]),
        ("us-east-2", ["us-east-1"]),
        ("us-west-2", ["us-east-1", "us-west-2"]),
    ]

    /// The regions where Pinpoint never existed, with their names: no project region is
    /// allowed for a pool there.
    public static let neverAvailable: [(region: String, name: String)] = [
        ("eu-south-1", "Europe (Milan)"),
        ("me-south-1", "Middle East (Bahrain)"),
        ("ap-northeast-3", "Asia Pacific (Osaka)"),
        ("il-central-1", "Israel (Tel Aviv)"),
        ("af-south-1", "Africa (Cape Town)"),
        ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ]

    /// The project regions a pool in `poolRegion` could send analytics to: its row of
    /// `table`; none in a region of `neverAvailable`; otherwise its own region only.
    public static func allowedProjectRegions(forPoolIn poolRegion: String) -> [String] {
        if let row = table.first(where: { $0.poolRegion == poolRegion }) { return row.projectRegions }
        if neverAvailable.contains(where: { $0.region == poolRegion }) { return [] }
        return [poolRegion]
    }

    /// Whether Pinpoint never existed in `region`.
    public static func neverHadPinpoint(_ region: String) -> Bool {
        neverAvailable.contains { $0.region == region }
    }

    /// Whether a pool in `poolRegion` could send analytics to a project in `projectRegion`.
    public static func allows(poolIn poolRegion: String, projectIn projectRegion: String) -> Bool {
        allowedProjectRegions(forPoolIn: poolRegion).contains(projectRegion)
    }
}
