import Testing

@testable import AuthStatsCore

/// `ProfileFold` on hand-made observation records (`ProfileLog`'s layout): a record's part that
/// repeats the one applied just before it is skipped, and the profile is what applying every
/// record in turn makes (hand-computed here).
@Suite("Profile fold: repeated parts of a user's observations")
struct ProfileFoldTests {
    /// One `.event` observation record: the header, the flags (1: an activity event, 2: a
    /// Pinpoint event), the demographics (platform, app version, locale, country, make, model),
    /// then for Pinpoint the two attribute objects, the user, endpoint id, channel and address.
    static func record(
        flags: UInt8, demographics: [String] = ["android", "1.0", "en_US", "US", "samsung", "S1"],
        userAttributes: String = "", attributes: String = "", user: String = "u", endpoint: String = "e",
        channel: String = "", address: String = ""
    ) -> [UInt8] {
        var out: [UInt8] = []
        ProfileLog.putWord(1, &out)
        out.append(ProfileLog.Kind.event.rawValue)
        ProfileLog.putWord(0, &out)
        ProfileLog.putWord(0, &out)
        out.append(flags)
        for field in demographics { ProfileLog.putText(field, &out) }
        if flags & 2 != 0 {
            for field in [userAttributes, attributes, user, endpoint, channel, address] { ProfileLog.putText(field, &out) }
        }
        return out
    }

    static func fold(_ records: [[UInt8]]) -> ObservedProfile {
        var framed: [UInt8] = []
        for record in records { record.withUnsafeBytes { FramedRecords.append($0, to: &framed) } }
        var fold = ProfileFold()
        var profile = ObservedProfile()
        framed.withUnsafeBytes { fold.fold($0, into: &profile) }
        return profile
    }

    @Test("an activity event, then a Pinpoint event with the same demographics' bytes: the Pinpoint one still sets the country")
    func flagsDecide() {
        let activity = Self.record(flags: 1, demographics: ["android", "1.0", "en_US", "US", "samsung", "S1"])
        let pinpoint = Self.record(flags: 3, demographics: ["android", "1.0", "en_US", "US", "samsung", "S1"])
        #expect(Self.fold([activity, pinpoint]).country == "US")
        #expect(Self.fold([activity, activity]).country == nil)
        #expect(Self.fold([pinpoint, activity, activity]).country == "US")
    }

    @Test("one part repeats while another changes: each part is applied when it differs from the part before")
    func partsApart() {
        let planPro = #"{"plan":["pro"]}"#
        let planTeam = #"{"plan":["team"]}"#
        let records = [
            // The endpoint with its channel and address, the attributes "pro".
            Self.record(flags: 3, userAttributes: planPro, attributes: #"{"tier":["a"]}"#, channel: "APNS", address: "tok1"),
            // The same attributes; the endpoint named without channel or address: both kept.
            Self.record(flags: 3, demographics: ["ios", "2.0", "de_DE", "DE", "apple", "X"], userAttributes: planPro,
                        attributes: #"{"tier":["a"]}"#),
            // The same endpoint part again (skipped), the attributes changed.
            Self.record(flags: 3, demographics: ["ios", "2.0", "de_DE", "DE", "apple", "X"], userAttributes: planTeam),
            // The attributes of the first record again, after others: applied.
            Self.record(flags: 3, demographics: ["ios", "2.0", "de_DE", "DE", "apple", "X"], userAttributes: planPro,
                        attributes: #"{"tier":["b"]}"#, address: "tok2"),
            // An activity event between two equal Pinpoint parts changes only the demographics.
            Self.record(flags: 1, demographics: ["web", "3.0", "fr_FR", "France", "", ""]),
            Self.record(flags: 3, demographics: ["ios", "2.0", "de_DE", "DE", "apple", "X"], userAttributes: planPro,
                        attributes: #"{"tier":["b"]}"#, address: "tok2"),
        ]
        let profile = Self.fold(records)
        #expect(profile.attributes["plan"] == UserProfile.Attribute(values: ["pro"], origin: .userAttributes))
        #expect(profile.attributes["tier"] == UserProfile.Attribute(values: ["b"], origin: .endpointAttributes))
        #expect(profile.endpoints["e"] == UserProfile.Endpoint(
            id: "e", channelType: "APNS", address: "tok2", platform: "ios", appVersion: "2.0", locale: "de_DE", country: "DE"))
        // The last activity event's demographics, the last Pinpoint event's country.
        #expect([profile.platform, profile.appVersion, profile.locale, profile.country] == ["ios", "2.0", "de_DE", "DE"])
        #expect(profile.make == "apple")
        #expect(profile.userText == "u")
        // Either attribute object differing is a different part.
        let tierC = Self.fold([
            Self.record(flags: 2, userAttributes: planPro, attributes: #"{"tier":["a"]}"#),
            Self.record(flags: 2, userAttributes: planPro, attributes: #"{"tier":["c"]}"#),
        ])
        #expect(tierC.attributes["tier"]?.values == ["c"])
        let planAgain = Self.fold([
            Self.record(flags: 2, userAttributes: planPro, attributes: #"{"tier":["a"]}"#),
            Self.record(flags: 2, userAttributes: planTeam, attributes: #"{"tier":["a"]}"#),
        ])
        #expect(planAgain.attributes["plan"]?.values == ["team"])
    }

    @Test("records cut short (no last NUL, fields missing) fold as their fields read, repeated or not")
    func cutShort() {
        var cut = Self.record(flags: 3, userAttributes: #"{"plan":["pro"]}"#, channel: "GCM", address: "tok")
        cut.removeLast()  // the address's NUL
        let short = Array(Self.record(flags: 3, userAttributes: #"{"plan":["pro"]}"#).prefix(40))
        for records in [[cut], [cut, cut], [short, short], [cut, short, cut]] {
            let profile = Self.fold(records)
            if records.contains(cut) {
                #expect(profile.endpoints["e"]?.address == "tok")
                #expect(profile.attributes["plan"]?.values == ["pro"])
            }
        }
        // A record of the header alone is no observation.
        #expect(Self.fold([Array(Self.record(flags: 3).prefix(ProfileLog.headerBytes))]).platform == nil)
    }
}
