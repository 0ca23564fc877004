/// Fuzz target: the user-directory readers (`--users`): `aws cognito-idp list-users` JSON
/// pages and the Cognito user CSV, chosen by the content as on the command line.
///
/// Properties, besides no crash, no memory error and no hang: a file that loads gives the
/// same users and problems when loaded again; every problem names the file.
import AuthStatsCore
import FuzzSupport

FuzzDriver.run { bytes in
    let data = Array(bytes)
    func load() -> Result<(UserDirectory, [String]), UserDirectory.Failure> {
        var directory = UserDirectory()
        do {
            let problems = try directory.load(data, name: "users.fuzz")
            return .success((directory, problems))
        } catch let failure as UserDirectory.Failure {
            return .failure(failure)
        } catch {
            check(false, "load threw \(error), not a UserDirectory.Failure")
            fatalError()
        }
    }
    switch (load(), load()) {
    case (.success(let a), .success(let b)):
        check(a.0.users == b.0.users && a.1 == b.1, "two loads of one file differ")
        for problem in a.1 { check(problem.contains("users.fuzz"), "a problem that does not name the file: \(problem)") }
        for (sub, user) in a.0.users { check(sub == user.sub && !sub.isEmpty, "user keyed \(sub.debugDescription) has sub \(user.sub.debugDescription)") }
    case (.failure(let a), .failure(let b)):
        check(a.description == b.description && !a.description.isEmpty, "two failures differ or are empty")
    default:
        check(false, "one load failed, the other did not")
    }
}
