import Foundation

/// A `.env` file edited line by line: keys are set in place, other lines are kept as they are.
struct EnvironmentFile {
    private(set) var lines: [String]
    let path: String

    /// Reads `path`, or starts empty when it does not exist.
    init(path: String) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
        } else {
            lines = []
        }
    }

    /// Whether a `KEY=` line exists.
    func contains(_ key: String) -> Bool {
        lines.contains { $0.hasPrefix(key + "=") }
    }

    /// Replaces the `KEY=` line, or appends one.
    mutating func set(_ key: String, _ value: String) {
        let line = "\(key)=\(value)"
        if let index = lines.firstIndex(where: { $0.hasPrefix(key + "=") }) {
            lines[index] = line
        } else {
            lines.append(line)
        }
    }

    /// Writes the file, readable by its owner only: it holds secrets.
    func write() throws {
        let text = lines.joined(separator: "\n") + "\n"
        // Created owner-only before the secrets are written, so they are never readable by others.
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}
