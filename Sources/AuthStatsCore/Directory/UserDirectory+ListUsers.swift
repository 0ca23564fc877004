import Foundation

extension UserDirectory {
    /// `aws cognito-idp list-users` output: `{"Users":[…]}` pages, one or several back to back.
    mutating func loadListUsers(_ data: [UInt8], name: String) throws -> [String] {
        var problems: [String] = []
        let framer = RecordFramer(scanner: JSONScanner(schema: FieldSchema([])), maxRecordBytes: max(data.count, 1))
        data.withUnsafeBytes { framer.append($0) }
        framer.finish()
        var copies: [[UInt8]] = []
        while let item = framer.next() {
            switch item {
            case .record(let range, _):
                copies.append(Array(UnsafeRawBufferPointer(rebasing: framer.buffer[range])))
            case .invalid(_, let number, let reason):
                problems.append("\(name): page \(number): \(reason); skipped")
            case .oversize(_, let number, _):
                problems.append("\(name): page \(number): too long; skipped")
            case .padding: break
            }
        }
        var pagesRead = 0
        for (index, bytes) in copies.enumerated() {
            let page = index + 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                let list = object["Users"] as? [Any]
            else {
                problems.append("\(name): page \(page): not a list-users page (no \"Users\" array); skipped")
                continue
            }
            pagesRead += 1
            for (position, element) in list.enumerated() {
                let place = "\(name): page \(page), user \(position + 1)"
                guard let entry = element as? [String: Any] else {
                    problems.append("\(place): not an object; skipped")
                    continue
                }
                switch Self.user(fromListUsers: entry) {
                case .success(let user): add(user)
                case .failure(let failure): problems.append("\(place): \(failure.description); skipped")
                }
            }
        }
        if pagesRead == 0 {
            throw Failure(description: "Unable to read the user directory \(name): no list-users page (`{\"Users\": [...]}`) in it")
        }
        return problems
    }

    /// One `UserType` of list-users.
    static func user(fromListUsers entry: [String: Any]) -> Result<DirectoryUser, Failure> {
        guard let attributes = entry["Attributes"] as? [Any] else {
            return .failure(Failure(description: "no Attributes list"))
        }
        var values: [String: String] = [:]
        for attribute in attributes {
            guard let pair = attribute as? [String: Any], let name = pair["Name"] as? String else {
                return .failure(Failure(description: "an attribute without a Name"))
            }
            values[name] = pair["Value"] as? String ?? ""
        }
        guard let sub = values["sub"], !sub.isEmpty else {
            return .failure(Failure(description: "no sub attribute"))
        }
        return .success(
            DirectoryUser(
                sub: sub, username: entry["Username"] as? String, status: entry["UserStatus"] as? String,
                enabled: entry["Enabled"] as? Bool, attributes: values))
    }
}
