/// The page attributes a web or mobile analytics client attaches to every Pinpoint event,
/// session and auth events included, as in the altis sample (`docs/inputs.md` "Pinpoint event stream"): the page's
/// URL, title, a page-session id, the visit's referrer and a local date.
///
/// They are what makes real event-stream objects compress about 6–8:1 rather than the 15–18:1
/// of records that repeat the same few constants (`docs/performance.md`: 6.6:1); the
/// benchmark's `gzip -dc` and DuckDB baselines depend on that ratio.
enum PageContext {
    static let sections = ["deals", "news", "reviews", "guides", "shop", "help", "account", "blog"]
    static let words = [
        "best", "new", "cheap", "fast", "guide", "review", "how", "to", "choose", "winter", "summer", "sale",
        "laptop", "phone", "camera", "shoes", "jacket", "garden", "kitchen", "travel", "hotel", "flight", "city",
        "beach", "mountain", "coffee", "tea", "recipe", "bread", "pasta", "salad", "budget", "family", "kids",
        "office", "desk", "chair", "lamp", "bike", "car", "insurance", "bank", "card", "loan", "energy", "solar",
        "music", "movie", "series", "book", "game", "console", "tv", "audio", "headphones", "watch", "fitness",
        "running", "yoga", "health", "sleep", "diet", "pet", "dog", "cat", "home", "rent", "mortgage", "school",
        "course", "language", "learn", "work", "career", "salary", "tax", "return", "gift", "ideas", "birthday",
        "wedding", "party", "holiday", "christmas", "spring", "autumn", "top", "ten", "list", "tips", "tricks",
        "offer", "voucher", "code", "free", "delivery", "store", "near", "me", "open", "today", "price", "compare",
    ]

    /// The attributes of one event; `rng` makes them differ from event to event.
    static func attributes(time: Int64, rng: inout SplitMix64) -> [(String, String)] {
        let section = sections[Int(rng.next() % UInt64(sections.count))]
        let count = 3 + Int(rng.next() % 4)
        var slug: [String] = []
        for _ in 0..<count { slug.append(words[Int(rng.next() % UInt64(words.count))]) }
        let title = slug.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        let id = String(rng.next() % 10_000_000, radix: 36)
        let offsetHours = Int64(rng.next() % 5) - 1
        let local = String(ISOTime.string(millis: time + offsetHours * 3_600_000).prefix(19))
        let sign = offsetHours < 0 ? "-" : "+"
        return [
            ("url", "https://example.com/\(section)/\(slug.joined(separator: "-"))-\(id)"),
            ("title", title),
            ("section", section),
            ("pageSession", rng.uuid()),
            ("date", "\(local)\(sign)0\(abs(offsetHours)):00"),
            ("loggedIn", rng.chance(0.6) ? "true" : "false"),
        ]
    }
}

