import AuthStatsCore

/// The S3 key layouts of the exports (`docs/inputs.md`, "Where it comes from" of each export).
enum Layout {
    static let account = CloudTrailRecord.account
    static let region = CloudTrailRecord.region

    /// Parts of an hour: `(YYYY, MM, DD, HH, MM)`.
    static func parts(_ millis: Int64) -> (String, String, String, String, String) {
        let c = Array(ISOTime.string(millis: millis))
        return (String(c[0..<4]), String(c[5..<7]), String(c[8..<10]), String(c[11..<13]), String(c[14..<16]))
    }

    static func pinpoint(hour: Int64, minute: Int64, id: String) -> String { pinpoint(time: hour + minute * 60_000, id: id) }

    /// A Firehose object named by `time` (whole seconds): its oldest record's arrival.
    static func pinpoint(time: Int64, id: String) -> String {
        let (y, m, d, h, mi) = parts(time)
        let s = String(Array(ISOTime.string(millis: time))[17..<19])
        return "\(y)/\(m)/\(d)/\(h)/\(ExportGenerator.streamName)-1-\(y)-\(m)-\(d)-\(h)-\(mi)-\(s)-\(id).gz"
    }

    static func activity(hour: Int64, id: String) -> String { activity(time: hour, id: id) }

    /// An activity-log object of the hour of `time`, named by its minute.
    static func activity(time: Int64, id: String) -> String {
        let (y, m, d, h, mi) = parts(time)
        return "AWSLogs/\(account)/cognito-idp/userAuthEvents/\(ActivityRecord.userPoolID)/\(y)/\(m)/\(d)/\(h)/userAuthEvents-\(y)\(m)\(d)T\(h)\(mi)Z-\(id).json.gz"
    }

    static func cloudWatch(hour: Int64) -> String {
        let (y, m, d, h, _) = parts(hour)
        return "cloudwatch-export/\(ActivityRecord.userPoolID)/userAuthEvents-\(y)-\(m)-\(d)-\(h).log.gz"
    }

    static func cloudTrail(hour: Int64, id: String) -> String { cloudTrail(delivery: hour + 3_300_000, id: id) }

    /// A CloudTrail file delivered at `delivery` (its date folder and `YYYYMMDDTHHmmZ`).
    static func cloudTrail(delivery: Int64, id: String) -> String {
        let (y, m, d, h, mi) = parts(delivery)
        return "AWSLogs/\(account)/CloudTrail/\(region)/\(y)/\(m)/\(d)/\(account)_CloudTrail_\(region)_\(y)\(m)\(d)T\(h)\(mi)Z_\(id).json.gz"
    }

    static func digest(day: Day) -> String {
        let (y, m, d, _, _) = parts(Int64(day.index) * 86_400_000)
        return "AWSLogs/\(account)/CloudTrail-Digest/\(region)/\(y)/\(m)/\(d)/\(account)_CloudTrail-Digest_\(region)_trail_\(region)_\(y)\(m)\(d)T235959Z.json.gz"
    }
}
