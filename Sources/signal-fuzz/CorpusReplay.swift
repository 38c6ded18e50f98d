#if !SIGNAL_FUZZ
import Foundation

/// Without libFuzzer (an ordinary `swift build`, which does not define `SIGNAL_FUZZ`), this
/// executable replays inputs instead: `signal-fuzz TARGET FILE_OR_DIRECTORY...` runs the parser
/// on each file, so the seed corpus and every saved crash stay regression inputs. A fuzzer build
/// defines `SIGNAL_FUZZ` and leaves `main` to libFuzzer.
@main
struct CorpusReplay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: signal-fuzz \(names) FILE_OR_DIRECTORY...\n".utf8))
            exit(64)
        }
        var replayed = 0
        for path in arguments.dropFirst() {
            for file in try inputFiles(at: path) {
                try Data(contentsOf: file).withUnsafeBytes { target.run($0) }
                replayed += 1
            }
        }
        print("signal-fuzz \(target.rawValue): replayed \(replayed) inputs")
    }

    /// `path` itself, or the regular files directly inside it when it is a directory.
    private static func inputFiles(at path: String) throws -> [URL] {
        let url = URL(fileURLWithPath: path)
        guard (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true else { return [url] }
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { !$0.hasDirectoryPath }
            .sorted { $0.path < $1.path }
    }
}
#endif
