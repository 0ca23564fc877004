/// One simulated user of the app's user pool: stable properties drawn from the seed and the
/// user's number.
struct GeneratedUser {
    static let platforms = ["ios", "android", "iOS", "windows", "macos", "Android"]
    static let locales = ["en_US", "en_gb", "de_DE", "fr_FR", "es-ES", "pt_BR", "ja_JP", "hi_IN"]
    static let countryNames = ["US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
                               "ES": "Spain", "BR": "Brazil", "JP": "Japan", "IN": "India"]
    static let versions = ["2.3.0", "2.4.0", "2.4.1", "3.0.0"]
    static let plans = ["free", "free", "pro", "enterprise"]
    static let appClients = ["3n4mobileclient0example", "7webclient1example2abc"]

    let number: Int
    let sub: String
    /// Endpoint ids: most users have one device, some two (on different platforms).
    let endpoints: [String]
    let platforms: [String]
    let locale: String
    let version: String
    let plan: String
    /// Whether Pinpoint events carry `endpoint.User.UserId` (else the endpoint id is the user).
    let signedIn: Bool
    /// Signs in through Google (hosted UI): `identities` set, status `EXTERNAL_PROVIDER`.
    let federated: Bool
    /// Has turned on MFA: sign-ins pass through a challenge step.
    let mfa: Bool
    /// The first day (index from the start) the user is active; negative: before the data.
    let firstDay: Int
    let providerID: String

    /// - Parameter dimensionValues: how many app versions and locales users spread over
    ///   (`ManyDimensions`); `nil`: the few of `versions` and `locales`. The same random
    ///   numbers are drawn either way, so every other property stays the same.
    init(seed: UInt64, number: Int, days: Int, dimensionValues: Int? = nil) {
        self.number = number
        var rng = SplitMix64(seed: seed, 0xA11CE, UInt64(number))
        sub = rng.uuid()
        let twoDevices = rng.chance(0.15)
        endpoints = twoDevices ? [rng.uuid(), rng.uuid()] : [rng.uuid()]
        let first = Int(rng.next() % UInt64(Self.platforms.count))
        let second = (first + 1 + Int(rng.next() % UInt64(Self.platforms.count - 1))) % Self.platforms.count
        platforms = twoDevices ? [Self.platforms[first], Self.platforms[second]] : [Self.platforms[first]]
        let localeDraw = rng.next()
        let versionDraw = rng.next()
        if let many = dimensionValues {
            locale = ManyDimensions.locale(Int(localeDraw % UInt64(many)))
            version = ManyDimensions.version(Int(versionDraw % UInt64(many)))
        } else {
            locale = Self.locales[Int(localeDraw % UInt64(Self.locales.count))]
            version = Self.versions[Int(versionDraw % UInt64(Self.versions.count))]
        }
        plan = Self.plans[Int(rng.next() % UInt64(Self.plans.count))]
        signedIn = rng.chance(0.8)
        // A third of the users existed before the data starts; the rest sign up during it.
        firstDay = rng.chance(0.33) ? -1 - Int(rng.next() % 30) : Int(rng.next() % UInt64(max(days, 1)))
        federated = rng.chance(0.15)
        mfa = rng.chance(0.2)
        providerID = String(100_000_000 + rng.next() % 900_000_000)
    }

    var country: String {
        let parts = locale.split(whereSeparator: { $0 == "_" || $0 == "-" })
        return parts.count > 1 ? parts[1].uppercased() : "US"
    }

    var countryName: String { Self.countryNames[country] ?? ManyDimensions.names[country] ?? "United States" }

    var username: String { federated ? "Google_\(providerID)" : "user\(number)" }

    var email: String { "user\(number)@example.com" }

    /// The app client the device uses: the web client on desktops, the mobile one elsewhere.
    func appClient(device: Int) -> String {
        let platform = platforms[device].lowercased()
        return platform == "windows" || platform == "macos" ? Self.appClients[1] : Self.appClients[0]
    }
}
