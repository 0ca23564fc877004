/// One thing a user did, before it is written in the shape of any export.
struct SimulatedEvent {
    enum Action: Equatable {
        case sessionStart, sessionStop, signUp, signIn, authFailure, forgotPassword
        case custom(String)

        /// Whether Cognito sends it to Pinpoint itself (`_userauth.*` and `_session.*`), rather
        /// than the app's analytics client.
        var sentByCognito: Bool {
            switch self {
            case .sessionStart, .sessionStop, .signUp, .signIn, .authFailure: return true
            case .forgotPassword, .custom: return false
            }
        }
    }

    var action: Action
    var time: Int64
    var device: Int
    var sessionID: String
    var sessionStart: Int64
    var sessionStop: Int64?
}

/// Plans a user's visits on one day.
enum SessionSimulator {
    /// The events of `user` on day `day` (index from the start), or none when inactive.
    static func day(user: GeneratedUser, day: Int, dayStart: Int64, activity: Double, rng: inout SplitMix64) -> [SimulatedEvent] {
        guard day >= user.firstDay else { return [] }
        guard day == user.firstDay || rng.chance(activity) else { return [] }
        var out: [SimulatedEvent] = []
        let sessions = rng.chance(0.25) ? 2 : 1
        for s in 0..<sessions {
            let nearMidnight = rng.chance(0.1)
            let second = nearMidnight ? 86_400 - 600 + Int64(rng.next() % 590) : Int64(rng.next() % 82_800)
            var t = dayStart + second * 1000 + Int64(rng.next() % 1000)
            let device = Int(rng.next() % UInt64(user.endpoints.count))
            let sessionID = "\(user.endpoints[device].prefix(8))-\(t)"
            let start = t
            func add(_ action: SimulatedEvent.Action) {
                out.append(SimulatedEvent(action: action, time: t, device: device, sessionID: sessionID, sessionStart: start))
            }
            add(.sessionStart)
            let firstVisit = day == user.firstDay && s == 0
            if firstVisit {
                t += 5000 + Int64(rng.next() % 20_000)
                add(.signUp)
            }
            if rng.chance(0.4) || firstVisit {
                if rng.chance(0.15) {
                    t += 3000 + Int64(rng.next() % 10_000)
                    add(.authFailure)
                    if rng.chance(0.3) {
                        t += 2000
                        add(.forgotPassword)
                    }
                }
                t += 3000 + Int64(rng.next() % 10_000)
                add(.signIn)
            }
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                t += 10_000 + Int64(rng.next() % 290_000)
                let roll = rng.next() % 100
                let type = roll < 3 ? "_monetization.purchase" : roll < 5 ? "_campaign.opened_notification"
                    : ["pageView", "search", "addToCart", "pageView"][Int(roll % 4)]
                add(.custom(type))
            }
            t += 30_000 + Int64(rng.next() % 570_000)
            add(.sessionStop)
            out[out.count - 1].sessionStop = t
        }
        return out
    }
}
