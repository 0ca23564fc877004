/// The input paths of a command line, most of them kept away from the argument parser.
///
/// swift-argument-parser (1.8.2) stores each positional value by merging the places of all the
/// values before it into the new one, so N paths take O(N²) to parse: 589 paths took 114 M
/// instructions (callgrind), 4,404 paths 0.5 s before the first file was opened. Paths are only
/// ever positional values, and an option takes one value, the argument right after it; so in
/// a run of consecutive values, all but the first two are positional whatever the options are.
/// Those are lifted out before parsing and put back in their places afterwards. Two of each
/// run stay, so that the parser still sees whether a run held a positional value (a run's first
/// may be an option's value): its own checks ("no input") judge the same.
///
/// A value is an argument that does not start with `-`, or `-` alone (standard input). Nothing
/// after `--` is lifted.
public struct CommandLineInputs: Sendable {
    public struct Placed: Sendable, Equatable {
        public let index: Int
        public let value: String
    }

    /// The arguments for the parser: the given ones without the lifted values.
    public let kept: [String]
    /// The values taken out, in order, with their places in the given arguments.
    public let lifted: [Placed]
    /// The values kept, each a positional value or an option's (all after `--` positional),
    /// with their places.
    let candidates: [Placed]

    /// Splits `arguments` from `start` (where the command's own arguments begin); nil when no
    /// run is longer than two values, so that nothing would be lifted.
    public init?(_ arguments: [String], from start: Int) {
        var kept = Array(arguments.prefix(start))
        var lifted: [Placed] = []
        var candidates: [Placed] = []
        var run = 0
        var index = start
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                // The rest are positional values, kept as they are.
                kept += arguments[index...]
                candidates += arguments.indices[(index + 1)...].map { Placed(index: $0, value: arguments[$0]) }
                break
            }
            if argument == "-" || !argument.hasPrefix("-") {
                run += 1
                if run > 2 {
                    lifted.append(Placed(index: index, value: argument))
                } else {
                    kept.append(argument)
                    candidates.append(Placed(index: index, value: argument))
                }
            } else {
                run = 0
                kept.append(argument)
            }
            index += 1
        }
        guard !lifted.isEmpty else { return nil }
        self.kept = kept
        self.lifted = lifted
        self.candidates = candidates
    }

    /// Every positional value in the given order, from the parser's (`parsed`, the positional
    /// values it found in `kept`) and the lifted ones; nil when `parsed` could sit at more
    /// than one set of places among the kept values (an option's value equal to a path beside
    /// it), or at none: then the caller parses the whole command line instead.
    public func inputs(parsed: [String]) -> [String]? {
        // The earliest and the latest places `parsed` can take among the candidates: if they
        // are the same, every value's place is forced.
        var earliest: [Int] = []
        earliest.reserveCapacity(parsed.count)
        for (position, candidate) in candidates.enumerated() where earliest.count < parsed.count {
            if candidate.value == parsed[earliest.count] { earliest.append(position) }
        }
        guard earliest.count == parsed.count else { return nil }
        var latest: [Int] = []
        latest.reserveCapacity(parsed.count)
        for position in candidates.indices.reversed() where latest.count < parsed.count {
            if candidates[position].value == parsed[parsed.count - 1 - latest.count] { latest.append(position) }
        }
        guard earliest == latest.reversed() else { return nil }
        var merged: [String] = []
        merged.reserveCapacity(parsed.count + lifted.count)
        var next = 0
        for position in earliest {
            let place = candidates[position]
            while next < lifted.count && lifted[next].index < place.index {
                merged.append(lifted[next].value)
                next += 1
            }
            merged.append(place.value)
        }
        merged += lifted[next...].map(\.value)
        return merged
    }
}
