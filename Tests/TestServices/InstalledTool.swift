import Foundation

/// The Debian tools some tests run (coturn, redis-server, haproxy), found on `PATH` or in the
/// usual folders.
package enum InstalledTool {
    /// A tool that is not installed, with the package that brings it.
    package struct Missing: Error, CustomStringConvertible {
        /// The executable looked for.
        package let tool: String
        /// The Debian package that installs it.
        package let package: String

        package var description: String {
            "\(tool) is not installed: these tests need Debian's \(package) (apt-get install \(package); scripts/test installs it)"
        }
    }

    /// The absolute path of `tool`, or a failure that names the package to install.
    package static func path(_ tool: String, package: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        guard let found = folders.map({ "\($0)/\(tool)" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw Missing(tool: tool, package: package)
        }
        return found
    }
}
