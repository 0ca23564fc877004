import Foundation

/// What segments and attribute breakdowns want of a run (`--segments`, `--breakdown-attribute`,
/// `--share-user-data`): with none of it, no profile is collected.
public struct ProfileOptions: Sendable {
    public var segments: SegmentSet?
    /// Attribute names for `breakdown.csv`'s `attr:NAME` dimensions, in the order given.
    public var breakdownAttributes: [String]
    /// Members' verified email addresses and phone numbers become `EMAIL` / `SMS` endpoints
    /// (and `Demographic.Channel` sees them); without it no address appears in any report.
    public var shareUserData: Bool
    /// Whether Cognito made endpoints of its users' verified addresses in this analysis's
    /// project: with `--by-project`, false for a project none of whose clients shares user data
    /// (`UserDataShared`), which gets none of the endpoints `shareUserData` adds; the `EMAIL`
    /// and `SMS` endpoints of its own events are exported as ever.
    public var projectSharesUserData = true
    /// Bytes of profile observations held in memory (per reader) before spilling.
    public var memory = ProfileLog.defaultBudget

    public init(segments: SegmentSet? = nil, breakdownAttributes: [String] = [], shareUserData: Bool = false) {
        self.segments = segments
        self.breakdownAttributes = breakdownAttributes
        self.shareUserData = shareUserData
    }

    /// Collect profiles even when no report reads them (a nightly state keeps them for later
    /// runs that may ask for segments).
    public var collect = false

    /// Whether profiles are collected.
    public var wanted: Bool { collect || reported }
    /// Whether a report reads them (segments or attribute breakdowns).
    public var reported: Bool { segments != nil || !breakdownAttributes.isEmpty }
}

/// One row of `segments.csv` (`docs/segments.md` "Reports").
public struct SegmentRow: Sendable, Equatable {
    public var segment: String
    public var users = 0
    public var activeUsersLastDay = 0
    public var wau7dLastDay = 0
    public var mau30dLastDay = 0
    public var signUps = 0
    public var signIns = 0
    public var authFailures = 0
    public var sessions = 0
    /// Rows of the segment's member export (`segments/<file>.csv`).
    public var endpoints = 0
    public var file: String

    public init(segment: String, file: String) {
        self.segment = segment
        self.file = file
    }

    mutating func add(_ other: SegmentRow) {
        users += other.users
        activeUsersLastDay += other.activeUsersLastDay
        wau7dLastDay += other.wau7dLastDay
        mau30dLastDay += other.mau30dLastDay
        signUps += other.signUps
        signIns += other.signIns
        authFailures += other.authFailures
        sessions += other.sessions
        endpoints += other.endpoints
    }
}

/// One row of `segment_daily.csv`.
public struct SegmentDailyRow: Sendable, Equatable {
    public var date: Day
    public var segment: String
    public var signUps = 0
    public var signIns = 0
    public var authFailures = 0
    public var activeUsers = 0

    public init(date: Day, segment: String) {
        self.date = date
        self.segment = segment
    }

    mutating func add(_ other: SegmentDailyRow) {
        signUps += other.signUps
        signIns += other.signIns
        authFailures += other.authFailures
        activeUsers += other.activeUsers
    }
}

/// The columns of a Pinpoint endpoint import CSV (`formats.md` §3.2) that authstats fills.
public enum MemberExport {
    public static let fixedColumns = [
        "ChannelType", "Address", "Id", "User.UserId", "Demographic.Platform", "Demographic.AppVersion",
        "Demographic.Locale", "Location.Country",
    ]

    /// Whether attribute `name` is never written as a column (nor a `--breakdown-attribute`):
    /// the id, `sub` (it is `User.UserId`), linked identities, `identities` (a JSON text of
    /// provider ids), and the addresses, `email` and `phone_number` in any letter case (only
    /// ever an `EMAIL`/`SMS` endpoint's `Address`, with `--share-user-data`; a Pinpoint
    /// attribute `Email` holds an address too), and a name that holds an address itself.
    /// Compared, no hash per attribute of every row.
    @inline(__always)
    public static func isWithheld(_ name: String) -> Bool {
        if name == "sub" || name == "identities" || name == "email" || name == "phone_number" { return true }
        // A name that holds an address would show it as a column's header (a review,
        // 2026-12-07: `User.UserAttributes.ann@example.com`).
        if Addresses.holdsOne(name) { return true }
        let count = name.utf8.count
        guard count == 5 || count == 12 else { return false }
        let lower = name.lowercased()
        return lower == "email" || lower == "phone_number"
    }

    /// Pinpoint's push channel types: an endpoint's `Address` there is a device token, not an
    /// address of the user's. (Lists, not sets: asked of every endpoint of every member, a few
    /// short texts compared cost less than hashing the text, ~400 instructions.)
    public static let pushChannels = ["PUSH", "GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "BAIDU"]

    /// The channel types whose `Address` is the user's own email address or phone number:
    /// exported only when shared and verified (`SegmentPass.exportedEndpoints`).
    static let addressChannels = ["EMAIL", "SMS", "VOICE"]

    /// Segments in one run at most (a member export row names its segment in two bytes).
    public static let maxSegments = 65_535
}

extension MemberExport {
    /// One line of a member export, `\n` included: RFC 4180 quoting (a field with a comma or a
    /// quote is quoted, quotes doubled), and, as Pinpoint's importer refuses line breaks and tabs
    /// in values, each of them written as a space (LF, CR, CR LF, tab, VT, FF, U+0085, U+2028,
    /// U+2029). Unlike the report tables, a value that begins
    /// with `=`, `+`, `-` or `@` is written as it is: the file is for Pinpoint's importer, and a
    /// `'` before it would change the attribute's value there (`docs/segments.md`).
    public static func line(_ cells: [String]) -> String {
        var out: [UInt8] = []
        for (index, cell) in cells.enumerated() {
            if index > 0 { out.append(0x2C) }
            var cell = cell
            cell.withUTF8 { appendField(UnsafeRawBufferPointer($0), to: &out) }
        }
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one field of a member export line (the rules of `line`).
    static func appendField(_ cell: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var quote = false
        var clean = true
        for byte in cell {
            if byte == 0x2C || byte == 0x22 { quote = true }
            // Line breaks and tabs; 0xC2 and 0xE2 may start U+0085 or U+2028/U+2029.
            if byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C || byte == 0xC2 || byte == 0xE2 { clean = false }
        }
        // Copied at once (`appendBytes`: `append(contentsOf:)` of a buffer took the generic
        // sequence path here, the most of writing a member export's line).
        if !quote && clean { return out.appendBytes(cell) }
        if quote { out.append(0x22) }
        var i = 0
        while i < cell.count {
            let byte = cell[i]
            switch byte {
            case 0x22: out.append(0x22); out.append(0x22)
            case 0x0D where i + 1 < cell.count && cell[i + 1] == 0x0A:  // CR LF: one space
                out.append(0x20)
                i += 1
            case 0x0A, 0x0D, 0x09, 0x0B, 0x0C: out.append(0x20)
            case 0xC2 where i + 1 < cell.count && cell[i + 1] == 0x85:  // U+0085 NEXT LINE
                out.append(0x20)
                i += 1
            case 0xE2 where i + 2 < cell.count && cell[i + 1] == 0x80 && (cell[i + 2] == 0xA8 || cell[i + 2] == 0xA9):  // U+2028, U+2029
                out.append(0x20)
                i += 2
            default: out.append(byte)
            }
            i += 1
        }
        if quote { out.append(0x22) }
    }
}

extension Reports {
    public var segmentsTable: ReportTable {
        ReportTable(
            name: "segments",
            columns: [
                "segment", "users", "active_users_last_day", "mau_30d_last_day", "sign_ups", "sign_ins", "auth_failures",
                "wau_7d_last_day", "sessions", "endpoints", "file",
            ],
            rows: segments.map { r in
                [
                    .text(r.segment), .integer(r.users), .integer(r.activeUsersLastDay), .integer(r.mau30dLastDay),
                    .integer(r.signUps), .integer(r.signIns), .integer(r.authFailures), .integer(r.wau7dLastDay),
                    .integer(r.sessions), .integer(r.endpoints), .text(ReportFilesNames.segmentFolder + "/" + r.file),
                ]
            })
    }

    public var segmentDailyTable: ReportTable {
        ReportTable(
            name: "segment_daily",
            columns: ["date", "segment", "sign_ups", "sign_ins", "auth_failures", "active_users"],
            rows: segmentDaily.map { r in
                [
                    .text(r.date.description), .text(r.segment), .integer(r.signUps), .integer(r.signIns),
                    .integer(r.authFailures), .integer(r.activeUsers),
                ]
            })
    }
}

/// Names of the report set shared by the writer and the tables.
public enum ReportFilesNames {
    /// The folder of the segments' member exports (`segments/<file>.csv`).
    public static let segmentFolder = "segments"
}
