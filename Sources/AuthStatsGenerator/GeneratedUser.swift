/// One simulated app user: stable properties drawn from the seed and the user's number.
struct GeneratedUser {
    static let platforms = ["ios", "android", "iOS", "windows", "macos", "Android"]
    static let locales = ["en_US", "en_gb", "de_DE", "fr_FR", "es-ES", "pt_BR", "ja_JP", "hi_IN"]
    static let versions = ["2.3.0", "2.4.0", "2.4.1", "3.0.0"]
    static let plans = ["free", "free", "pro", "enterprise"]

    let sub: String
    /// Endpoint ids: most users have one device, some two (on different platforms).
    let endpoints: [String]
    let platforms: [String]
    let locale: String
    let version: String
    let plan: String
    /// Whether events carry `endpoint.User.UserId` (else the endpoint id is the user).
    let signedIn: Bool
    /// The first day (index from the start) the user is active; negative: before the data.
    let firstDay: Int

    init(seed: UInt64, number: Int, days: Int) {
        var rng = SplitMix64(seed: seed, 0xA11CE, UInt64(number))
        sub = rng.uuid()
        let twoDevices = rng.chance(0.15)
        endpoints = twoDevices ? [rng.uuid(), rng.uuid()] : [rng.uuid()]
        let first = Int(rng.next() % UInt64(Self.platforms.count))
        let second = (first + 1 + Int(rng.next() % UInt64(Self.platforms.count - 1))) % Self.platforms.count
        platforms = twoDevices ? [Self.platforms[first], Self.platforms[second]] : [Self.platforms[first]]
        locale = Self.locales[Int(rng.next() % UInt64(Self.locales.count))]
        version = Self.versions[Int(rng.next() % UInt64(Self.versions.count))]
        plan = Self.plans[Int(rng.next() % UInt64(Self.plans.count))]
        signedIn = rng.chance(0.8)
        // A third of the users existed before the data starts; the rest sign up during it.
        firstDay = rng.chance(0.33) ? -1 - Int(rng.next() % 30) : Int(rng.next() % UInt64(max(days, 1)))
    }

    var country: String {
        let parts = locale.split(whereSeparator: { $0 == "_" || $0 == "-" })
        return parts.count > 1 ? parts[1].uppercased() : "US"
    }
}
