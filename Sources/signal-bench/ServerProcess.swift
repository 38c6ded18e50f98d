import Foundation

/// CPU time and memory of a process under test (a server instance, Redis), read from `/proc/PID`.
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

/// Server CPU used over a measured window: of one server, or summed over every process of a
/// cluster (its instances and Redis).
struct CPUWindow {
    let processes: [ServerProcess]
    private let startCPU: Double
    private let startTime: ContinuousClock.Instant

    init(server: ServerProcess?) {
        self.init(processes: server.map { [$0] } ?? [])
    }

    init(processes: [ServerProcess]) {
        self.processes = processes
        self.startCPU = processes.reduce(0) { $0 + $1.cpuSeconds() }
        self.startTime = .now
    }

    /// Elapsed wall seconds and the processes' CPU seconds since the window opened (`nil` when
    /// no process is watched).
    func close() -> (wall: Double, serverCPU: Double?) {
        let elapsed = ContinuousClock.now - startTime
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard !processes.isEmpty else { return (wall, nil) }
        return (wall, processes.reduce(0) { $0 + $1.cpuSeconds() } - startCPU)
    }
}
