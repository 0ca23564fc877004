import Testing

@testable import AuthStatsCore

/// A member's export rows made from the directory record's bytes (`ExportAttributes`) are
/// the rows the plain path makes from the profile with the whole record (a dictionary of
/// `String`s): the same header, the same lines.
@Suite("Member exports: attributes from the directory record's bytes = from the whole profile")
struct ExportAttributesTests {
    /// The records of a user CSV, in the segment pass's order.
    static func records(_ csv: String) throws -> [[UInt8]] {
        var directory = UserDirectory()
        let problems = try directory.load(Array(csv.utf8) + [0x0A], name: "u.csv")
        #expect(problems.isEmpty)
        let stream = directory.sortedUsers()
        var out: [[UInt8]] = []
        while let (_, record) = stream.nextRecord() { out.append(record) }
        return out
    }

    /// The export (header and lines) of `record` with `observed`, by the plain path or the
    /// bytes' path; nil when the bytes' path declines.
    static func export(_ record: [UInt8], observed: [String: UserProfile.Attribute], bytes: Bool) -> ([String], [String])? {
        var log = MemberExportLog(segments: 2, store: nil)
        let endpoints = [
            UserProfile.Endpoint(id: "e1", channelType: "GCM", platform: "android"),
            UserProfile.Endpoint(id: "e2", channelType: "APNS", address: "tok", country: "DE"),
        ]
        if bytes {
            var names = NameCache()
            let made = record.withUnsafeBytes { raw -> Bool in
                guard let attributes = ExportAttributes.make(record: raw, observed: observed, names: &names) else { return false }
                log.add(segments: [0, 1], userID: "user-1", attributes: attributes, endpoints: endpoints)
                return true
            }
            if !made { return nil }
        } else {
            let listed = record.withUnsafeBytes { DirectoryRecord.listedProfile($0) }
            let profile = UserProfile(userID: "user-1", attributes: SegmentPass.attributes(listed: listed.attributes, observed: observed))
            log.add(segments: [0, 1], profile: profile, endpoints: endpoints)
        }
        var lines: [String] = []
        let header = log.header(segment: 1)
        log.forEachLine { segment, line in lines.append("\(segment): " + String(decoding: line, as: UTF8.self)) }
        return (header, lines)
    }

    static let observedCases: [[String: UserProfile.Attribute]] = [
        [:],
        ["plan": .init(values: ["pro", "team"], origin: .endpointAttributes)],
        // An event's attribute over the directory's, one without values (it hides the
        // directory's), withheld ones, a value with a comma and a quote.
        [
            "custom:plan": .init(values: ["enterprise"], origin: .userAttributes),
            "locale": .init(values: [], origin: .userAttributes),
            "email": .init(values: ["x@example.com"], origin: .userAttributes),
            "sub": .init(values: ["other"], origin: .endpointAttributes),
            "note": .init(values: ["a,\"b\"", "=1"], origin: .endpointAttributes),
            "cognito:enabled": .init(values: ["maybe"], origin: .userAttributes),
        ],
    ]

    @Test("names read twice, status and enabled, withheld names, values of any bytes, events' attributes over them")
    func sameRows() throws {
        let csv = """
            cognito:username,sub,email,email_verified,custom:plan,locale,identities,UserStatus,Enabled,custom:plan,cognito:user_status,phone_number,x
            u1,s1,a@example.com,true,free,en_GB,,CONFIRMED,true,pro,FORCED,+1555,plain
            u2,s2,b@example.com,false,,,"[{""providerName"":""Google""}]",EXTERNAL_PROVIDER,false,,,,caf\u{E9} \u{1F600}
            u3,s3,,,team,de_DE,,,,,,,
            """
        // A value that is not UTF-8 (the file's bytes as they are).
        var bytes = Array(csv.utf8) + [0x0A]
        bytes += Array("u4,s4,c@example.com,true,bad".utf8) + [0xFF, 0xFE] + Array(",fr_FR,,CONFIRMED,true,,,,\u{0}nul".utf8)
        var directory = UserDirectory()
        #expect(try directory.load(bytes, name: "u.csv").isEmpty)
        let stream = directory.sortedUsers()
        var records: [[UInt8]] = []
        while let (_, record) = stream.nextRecord() { records.append(record) }
        #expect(records.count == 4)
        for record in records {
            for observed in Self.observedCases {
                let plain = try #require(Self.export(record, observed: observed, bytes: false))
                let made = try #require(Self.export(record, observed: observed, bytes: true))
                #expect(made.0 == plain.0)
                #expect(made.1 == plain.1)
            }
        }
        // Hand-checked: user s1's later custom:plan and its cognito:user_status column win over
        // the UserStatus (a status column too: the later one counts); email and phone_number are withheld.
        let s1 = try #require(records.first { $0.withUnsafeBytes { DirectoryRecord.listedProfile($0).sub } == "s1" })
        let (header, lines) = try #require(Self.export(s1, observed: [:], bytes: true))
        #expect(header == MemberExport.fixedColumns + [
            "User.UserAttributes.cognito:enabled", "User.UserAttributes.cognito:user_status", "User.UserAttributes.custom:plan",
            "User.UserAttributes.email_verified", "User.UserAttributes.locale", "User.UserAttributes.x",
        ])
        #expect(lines == [
            "0: GCM,,e1,user-1,android,,,,true,FORCED,pro,true,en_GB,plain\n",
            "0: APNS,tok,e2,user-1,,,,DE,true,FORCED,pro,true,en_GB,plain\n",
            "1: GCM,,e1,user-1,android,,,,true,FORCED,pro,true,en_GB,plain\n",
            "1: APNS,tok,e2,user-1,,,,DE,true,FORCED,pro,true,en_GB,plain\n",
        ])
    }

    @Test("one name cache for every member (the last member's order of names reused when the names repeat) = a fresh cache each")
    func sharedNameCache() throws {
        let records = try Self.records("""
            sub,custom:plan,locale,custom:plan,b,a,UserStatus
            s1,free,en_GB,pro,2,1,CONFIRMED
            s2,team,de_DE,,,,
            s3,x,fr_FR,y,b,,FORCED
            """)
        #expect(records.count == 3)
        func attributes(_ record: [UInt8], _ observed: [String: UserProfile.Attribute], _ names: inout NameCache) -> [String]? {
            record.withUnsafeBytes { raw in
                ExportAttributes.make(record: raw, observed: observed, names: &names)?.map { attribute in
                    "\(attribute.key.endpointLevel) \(attribute.key.name)=" + (attribute.bytes.map { String(decoding: $0, as: UTF8.self) } ?? "")
                        + attribute.values.joined(separator: "|")
                }
            }
        }
        var shared = NameCache()
        for record in records + records.reversed() + records + [records[0], records[0]] {
            // The same number of names in another order: "aa" sorts first, "zz" last.
            let oneMore: [[String: UserProfile.Attribute]] = [
                ["aa": .init(values: ["1"], origin: .userAttributes)], ["zz": .init(values: ["2"], origin: .endpointAttributes)],
            ]
            for observed in Self.observedCases + oneMore + Self.observedCases.reversed() + oneMore.reversed() {
                var fresh = NameCache()
                let expected = try #require(attributes(record, observed, &fresh))
                #expect(attributes(record, observed, &shared) == expected)
            }
        }
    }

    @Test("rows whose attributes differ from the row before only in level, in values or in count, then in segment")
    func columnsPerRow() {
        var log = MemberExportLog(segments: 2, store: nil)
        let endpoint = [UserProfile.Endpoint(id: "e", channelType: "GCM")]
        func user(_ id: String, _ attributes: [(String, Bool, [String])], _ segments: [Int]) {
            let made = attributes.map { ExportAttribute(name: $0.0, endpointLevel: $0.1, values: $0.2) }
            log.add(segments: segments, userID: id, attributes: made, endpoints: endpoint)
        }
        user("u1", [("plan", false, ["pro"])], [0, 1])
        user("u2", [("plan", true, ["team"])], [0, 1])  // the same name, at the endpoint's level
        user("u3", [("plan", true, ["a", "b"])], [0])  // the same names, two values
        user("u4", [("plan", false, ["x"]), ("plan", true, ["y"])], [0, 1])
        user("u5", [], [1])
        user("u6", [("zone", false, ["eu"])], [1])
        #expect(log.header(segment: 0) == MemberExport.fixedColumns + ["User.UserAttributes.plan", "Attributes.plan", "Attributes.plan"])
        #expect(log.header(segment: 1) == MemberExport.fixedColumns + ["User.UserAttributes.plan", "User.UserAttributes.zone", "Attributes.plan"])
        var lines: [String] = []
        log.forEachLine { segment, line in lines.append("\(segment): " + String(decoding: line, as: UTF8.self)) }
        #expect(lines == [
            "0: GCM,,e,u1,,,,,pro,,\n",
            "0: GCM,,e,u2,,,,,,team,\n",
            "0: GCM,,e,u3,,,,,,a,b\n",
            "0: GCM,,e,u4,,,,,x,y,\n",
            "1: GCM,,e,u1,,,,,pro,,\n",
            "1: GCM,,e,u2,,,,,,,team\n",
            "1: GCM,,e,u4,,,,,x,,y\n",
            "1: GCM,,e,u5,,,,,,,\n",
            "1: GCM,,e,u6,,,,,,eu,\n",
        ])
    }

    @Test("a name that is not ASCII: the bytes' path declines (the plain path compares names as Unicode)")
    func nonASCIINames() throws {
        let records = try Self.records("sub,caf\u{E9}\ns1,x")
        #expect(Self.export(records[0], observed: [:], bytes: true) == nil)
        let plain = try Self.records("sub,cafe\ns1,x")
        #expect(Self.export(plain[0], observed: ["\u{212A}elvin": .init(values: ["1"], origin: .userAttributes)], bytes: true) == nil)
        #expect(Self.export(plain[0], observed: ["kelvin": .init(values: ["1"], origin: .userAttributes)], bytes: true) != nil)
    }
}
