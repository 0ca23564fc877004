/// Why a state folder cannot be used; `description` is one precise line naming the file.
///
/// Every failure of this module is one of these, so the command line prints one kind of
/// message and can tell "someone else is running" (`busy`) from "this folder holds something
/// that is not ours" (`notAuthstats`) from "our file is broken" (`damaged`).
public enum StateError: Error, CustomStringConvertible, Equatable {
    /// Another authstats holds the state: the PID read from the lock file, or nil when SQLite
    /// itself reported the file busy or locked (then `lockPath` is the database's path).
    case busy(lockPath: String, pid: Int32?)
    /// A file that is not an authstats state: another SQLite application's database, or not
    /// SQLite at all. It is left as it was.
    case notAuthstats(path: String)
    /// A file that claimed to be ours but cannot be read as such: SQLite found it corrupt
    /// (`SQLITE_CORRUPT`, `SQLITE_NOTADB`), it is shorter than its header says, a table is
    /// missing, or `quickCheck` failed.
    case damaged(path: String, reason: String)
    /// Written by a later authstats, whose schema this one does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// Anything else: `operation` is a verb phrase whose object is the path ("append a chunk
    /// to"), `message` is `sqlite3_errmsg`, or the system's reason for the lock file and for
    /// inputs read by `ContentHash`.
    case sqlite(path: String, operation: String, message: String)

    public var description: String {
        switch self {
        case .busy(let lockPath, let pid?):
            return "Unable to lock \(lockPath): another authstats (PID \(pid)) is using this state; "
                + "run again when it has finished"
        case .busy(let lockPath, nil):
            return "Unable to use \(lockPath): another process is using it; run again when it has finished"
        case .notAuthstats(let path):
            return "Unable to open \(path): not an authstats state (another program's SQLite database, "
                + "or not SQLite); it was left as it is, choose another state folder or move it away"
        case .damaged(let path, let reason):
            return "Unable to use \(path): the state is damaged (\(reason)); "
                + "restore a backup, or remove the file to start again from the inputs"
        case .newerSchema(let path, let found, let supported):
            return "Unable to open \(path): written by a newer authstats (schema version \(found), "
                + "this one reads up to \(supported)); upgrade authstats"
        case .sqlite(let path, let operation, let message):
            return "Unable to \(operation) \(path): \(message)"
        }
    }
}
