import Foundation

/// Files of this repository as they lie in the source tree, for tests that compare what the
/// server serves with what is checked in.
enum SourceTree {
    /// The repository's root: `Tests/SignalServerTests/Support/` is where this file lies.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The bytes of `path`, relative to the root.
    static func contents(of path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }
}
