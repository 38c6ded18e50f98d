import Foundation

/// CPU time and memory of the server under test, read from `/proc/PID`.
struct ServerProcess {
    let pid: Int32

    /// User plus system CPU seconds the process has used so far.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident set size in KiB (`VmRSS`).
    func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }
}

/// Server CPU used over a measured window.
struct CPUWindow {
    let server: ServerProcess?
    private let startCPU: Double
    private let startTime: ContinuousClock.Instant

    init(server: ServerProcess?) {
        self.server = server
        self.startCPU = server?.cpuSeconds() ?? 0
        self.startTime = .now
    }

    /// Elapsed wall seconds and the server's CPU seconds since the window opened.
    func close() -> (wall: Double, serverCPU: Double?) {
        let elapsed = ContinuousClock.now - startTime
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (wall, server.map { $0.cpuSeconds() - startCPU })
    }
}
