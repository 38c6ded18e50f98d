import Foundation
import TestServices
import Testing

/// A real HAProxy on a free loopback port in front of server instances, configured with the
/// example of README § Running several instances (its `bind` and `server` lines pointed at
/// this test's ports), so that the example itself is what the tests run.
struct HAProxy: StoppableService {
    /// The port it listens on, on 127.0.0.1.
    let port: Int
    private let process: RunningProcess
    private let directory: URL

    /// Starts HAProxy round-robin over `backends` (loopback ports) and returns once a request
    /// through it is answered by one of them.
    static func start(backends: [Int]) async throws -> HAProxy {
        let executable = try InstalledTool.path("haproxy", package: "haproxy")
        let directory = try CommandLineTool.temporaryDirectory()
        let port = try await FreePort.tcp()
        let file = directory.appendingPathComponent("haproxy.cfg")
        try configuration(port: port, backends: backends).write(to: file, atomically: true, encoding: .utf8)
        // `-db`: in the foreground, logging to stderr; through `env --default-signal` so that it hears SIGTERM.
        let process = RunningProcess(
            ["--default-signal", executable, "-db", "-f", file.path], executable: "/usr/bin/env", in: directory,
            environment: CommandLineTool.environment())
        try process.start()
        let proxy = HAProxy(port: port, process: process, directory: directory)
        do {
            try await poll(within: 15, { "HAProxy on \(port) to answer: \(process.errors)" }) {
                (try? await HTTPClient.request(port: port, method: "GET", target: "/health", headers: [], body: nil))?.status == 200
            }
            return proxy
        } catch {
            await proxy.stop()
            throw error
        }
    }

    /// Runs `body` against a fresh HAProxy and always stops it.
    static func with<T>(backends: [Int], _ body: (HAProxy) async throws -> T) async throws -> T {
        try await start(backends: backends).stopping(after: body)
    }

    /// README's example with its `bind` on `127.0.0.1:port` and one `server` line per backend
    /// in place of the example's.
    static func configuration(port: Int, backends: [Int]) throws -> String {
        let readme = String(decoding: try SourceTree.contents(of: "README.md"), as: UTF8.self)
        let section = try #require(readme.components(separatedBy: "\n## Running several instances\n").dropFirst().first)
        let example = try #require(section.components(separatedBy: "```haproxy\n").dropFirst().first?.components(separatedBy: "```").first)
        var lines: [String] = []
        for line in example.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(separator: " ")
            if words.first == "bind" {
                lines.append("    bind 127.0.0.1:\(port)")
            } else if words.first == "server" {
                guard !lines.contains(where: { $0.hasPrefix("    server ") }) else { continue }
                // The example's options after the address (`check`, …), kept for every backend.
                let options = words.dropFirst(3).joined(separator: " ")
                for (index, backend) in backends.enumerated() {
                    lines.append("    server signal-\(index + 1) 127.0.0.1:\(backend) \(options)")
                }
            } else {
                lines.append(String(line))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// SIGTERM (killed if still running 10 s later); removes its folder.
    func stop() async {
        process.signal(SIGTERM)
        _ = try? await process.exitStatus(within: 10)
        try? FileManager.default.removeItem(at: directory)
    }
}
