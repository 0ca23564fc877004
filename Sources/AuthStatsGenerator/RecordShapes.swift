/// What the Pinpoint records of `ExportGenerator` look like (`generate --pinpoint-records`).
public enum PinpointRecords: String, Sendable, CaseIterable {
    /// An app's analytics client: every event (app events too) with the app, device, session
    /// and the whole endpoint, and the page attributes a web client attaches; about 1.7 KB.
    case app
    /// What Cognito sends itself: only `_userauth.*` and `_session.*` events, without app,
    /// device or page fields (`PinpointRecord.cognitoJSON`); about 600–900 bytes.
    case cognito
}

/// How much of an `app` record differs from event to event (`generate --record-variety`).
///
/// What makes real exports compress about 6–7:1 (`docs/performance.md`: 6.6:1) is the values
/// that change with every event: page URLs and titles, ids, referrers with their queries,
/// scroll and time metrics. `standard` has some of them (about 10:1); `high` adds the rest
/// of what the altis sample carries (`Tests/AuthStatsIngestTests/Fixtures/pinpoint-altis-events.ndjson`).
public enum RecordVariety: String, Sendable, CaseIterable {
    case standard
    case high
}

extension PinpointRecord {
    /// Adds the values of `RecordVariety.high`: on every event a host, search text, post and
    /// author, campaign parameters (on some, an ad click id), a referrer, scroll and clock metrics, and the endpoint's
    /// last page session; on page events also a hash and an excerpt.
    mutating func addVariety(pageEvent: Bool, rng: inout SplitMix64) {
        func pick(_ values: [String]) -> String { values[Int(rng.next() % UInt64(values.count))] }
        func word() -> String { PageContext.words[Int(rng.next() % UInt64(PageContext.words.count))] }
        let postID = String(rng.next() % 900_000 + 100_000)
        attributes.append(("host", pick(["example.com", "www.example.com", "m.example.com", "shop.example.com"])))
        attributes.append(("search", rng.chance(0.5) ? "" : "q=\(word())+\(word())&page=\(rng.next() % 9 + 1)"))
        attributes.append(("postId", postID))
        attributes.append(("authorId", String(rng.next() % 5000)))
        attributes.append(("utm_source", pick(["newsletter", "google", "facebook", "twitter", "partner", "direct"])))
        attributes.append(("utm_campaign", "\(word())-\(word())-\(rng.next() % 100)"))
        attributes.append(("session", rng.uuid()))
        attributes.append(("author", "\(pick(Self.givenNames)) \(pick(Self.givenNames))son"))
        attributes.append(("postType", pick(["deal", "post", "page", "review", "guide"])))
        attributes.append(("qv_mc_eid", String(rng.next() & 0xFF_FFFF_FFFF, radix: 16)))
        attributes.append(("referer", "https://\(pick(["www.google.com", "news.example.org", "t.co", "mail.example.net"]))/\(word())/\(String(rng.next(), radix: 36))?ref=\(postID)"))
        if rng.chance(0.4) {
            // An ad click's id, as landing pages carry in their URL: long and random.
            attributes.append(("gclid", rng.token(40 + Int(rng.next() % 50))))
        }
        if pageEvent {
            attributes.append(("hash", String(rng.next(), radix: 36)))
            attributes.append(("excerpt", (0..<(4 + Int(rng.next() % 6))).map { _ in word() }.joined(separator: " ")))
        }
        let depth = rng.next() % 101
        metrics.append(("scrollDepthNow", String(depth)))
        metrics.append(("scrollDepthMax", String(depth + rng.next() % (101 - depth))))
        let millis = rng.next() % 600_000
        let fraction = String(millis % 1000)
        metrics.append(("timeOnPage", "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"))
        endpointAttributes.append(("lastPageSession", rng.uuid()))
        endpointAttributes.append(("lastSession", sessionID ?? rng.uuid()))
    }

    static let givenNames = [
        "Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max", "Nia", "Otto", "Pia",
        "Quin", "Rosa", "Sam", "Tess", "Uma", "Vic", "Wim", "Xia", "Yuri", "Zoe",
    ]
}
