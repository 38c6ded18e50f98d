import NIOCore

/// The deadline for Redis's replies on one connection: once the oldest command still waiting
/// for its reply has waited longer than ``timeout``, Redis counts as gone. A frozen Redis
/// (`SIGSTOP`, a stuck host) or a network black hole keeps the TCP connection open and answers
/// nothing, so only a deadline notices it.
///
/// One timer per connection, not one per command: it is armed when a command is sent while it
/// is off, and when it fires it either finds the oldest command overdue, or is armed again for
/// that command's own deadline, or (nothing waiting) stays off. A command costs its handler one
/// timestamp. Time comes in as a value, so the decision is tested without waiting.
struct ReplyDeadline {
    /// How long a command may wait for its reply.
    let timeout: Duration
    private let amount: TimeAmount
    /// The armed timer, if any.
    private var timer: Scheduled<Void>?

    /// A deadline of `timeout` per reply.
    init(timeout: Duration) {
        self.timeout = timeout
        self.amount = TimeAmount(timeout)
    }

    /// A command sent at `sentAt` waits for its reply: arms the timer (to run `check` on
    /// `eventLoop` when that reply is due) unless it is armed already, for an older command.
    mutating func commandSent(at sentAt: NIODeadline, on eventLoop: NIOIsolatedEventLoop, check: @escaping () -> Void) {
        guard timer == nil else { return }
        timer = eventLoop.scheduleTask(deadline: sentAt + amount, check)
    }

    /// The timer ran `check`: whether the oldest command still waiting (sent at `oldestSentAt`,
    /// `nil` when none waits) is overdue at `now`. When it is not, the timer is armed again for
    /// its deadline.
    mutating func timerFired(
        oldestSentAt: NIODeadline?, now: NIODeadline, on eventLoop: NIOIsolatedEventLoop, check: @escaping () -> Void
    ) -> Bool {
        timer = nil
        guard let oldestSentAt else { return false }
        if now - oldestSentAt >= amount { return true }
        commandSent(at: oldestSentAt, on: eventLoop, check: check)
        return false
    }

    /// Turns the timer off, once the channel is gone.
    mutating func stop() {
        timer?.cancel()
        timer = nil
    }
}
