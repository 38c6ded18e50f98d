import CPlatform
import NIOCore

/// How many event loops to run: one per CPU this process may run on.
///
/// SwiftNIO's `System.coreCount` reads the cgroup quota, not the affinity mask, so under
/// `taskset -c 1` it still starts two loops on one core and they fight (measured −35% in
/// small rooms, `PERFORMANCE.md`). `sched_getaffinity` counts the CPUs actually allowed.
enum EventLoopCount {
    static func forThisProcess() -> Int {
        let allowed = Int(cplatform_cpu_count())
        return allowed > 0 ? allowed : System.coreCount
    }
}
