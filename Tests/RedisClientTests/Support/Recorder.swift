import TestServices
import NIOConcurrencyHelpers

/// Collects what a callback reports (connection states, messages), from any thread, in order,
/// and lets a test await the first so many.
final class Recorder<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<[Element], Never>)] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Everything recorded so far.
    var items: [Element] { state.withLockedValue { $0.items } }

    /// Records `item`; a callback to hand to the client.
    func record(_ item: Element) {
        let ready = state.withLockedValue { state in
            state.items.append(item)
            let items = state.items
            let (ready, waiting) = (state.waiters.filter { $0.count <= items.count }, state.waiters.filter { $0.count > items.count })
            state.waiters = waiting
            return ready.map { ($0.continuation, Array(items.prefix($0.count))) }
        }
        for (continuation, items) in ready { continuation.resume(returning: items) }
    }

    /// The first `count` items once they are there; fails after `seconds`.
    func first(_ count: Int, within seconds: Double = 10, _ what: String) async throws -> [Element] {
        try await withDeadline(seconds: seconds, "\(what) (\(count) recorded)") { [self] in
            await withCheckedContinuation { continuation in
                let items = state.withLockedValue { state -> [Element]? in
                    guard state.items.count >= count else {
                        state.waiters.append((count, continuation))
                        return nil
                    }
                    return Array(state.items.prefix(count))
                }
                if let items { continuation.resume(returning: items) }
            }
        }
    }
}
