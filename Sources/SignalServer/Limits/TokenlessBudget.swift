import NIOConcurrencyHelpers
import Synchronization

/// The places for sockets admitted without a token (auth on, the consumer path): at most
/// `MAX_TOKENLESS_SOCKETS` in all and `MAX_TOKENLESS_PER_IP` per client address, so a
/// client with no credential cannot hold the server at its socket limit.
///
/// A place is taken before the upgrade happens, under one lock, and given back through the
/// ``TokenlessPlace`` that took it: when the socket closes, or when it registers as a consumer
/// with a valid consumer token (it has proven something then).
final class TokenlessBudget: Sendable {
    /// Why a place was refused.
    enum Refusal: Error {
        /// Every place is taken (503).
        case full
        /// This address holds its share (429).
        case addressFull
    }

    private struct State {
        var total = 0
        var perAddress: [IPAddress: Int] = [:]
    }

    /// The most places in all.
    let capacity: Int
    /// The most places one address holds.
    let perAddressCapacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int, perAddressCapacity: Int) {
        self.capacity = capacity
        self.perAddressCapacity = perAddressCapacity
    }

    /// Takes a place for `address`.
    func take(for address: IPAddress) -> Result<TokenlessPlace, Refusal> {
        let refusal: Refusal? = state.withLockedValue { state in
            guard state.total < capacity else { return .full }
            guard state.perAddress[address, default: 0] < perAddressCapacity else { return .addressFull }
            state.total += 1
            state.perAddress[address, default: 0] += 1
            return nil
        }
        if let refusal { return .failure(refusal) }
        return .success(TokenlessPlace(budget: self, address: address))
    }

    /// Places taken now.
    var taken: Int { state.withLockedValue { $0.total } }

    fileprivate func giveBack(_ address: IPAddress) {
        state.withLockedValue { state in
            state.total -= 1
            let count = state.perAddress[address, default: 1]
            state.perAddress[address] = count > 1 ? count - 1 : nil
        }
    }
}

/// One place of the ``TokenlessBudget``, given back exactly once: by the socket's session
/// when it closes or its consumer registration is verified, or by the upgrade when it fails
/// before there is a session.
final class TokenlessPlace: Sendable {
    private let budget: TokenlessBudget
    private let address: IPAddress
    private let released = Atomic<Bool>(false)

    fileprivate init(budget: TokenlessBudget, address: IPAddress) {
        self.budget = budget
        self.address = address
    }

    /// Gives the place back, the first time only.
    func release() {
        if !released.exchange(true, ordering: .relaxed) { budget.giveBack(address) }
    }
}
