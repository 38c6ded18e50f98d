import Signaling

extension CloseCode {
    /// The `code` label of `signal_sockets_closed_total`: the number for RFC 6455's codes and
    /// the server's own, `other` for the rest of what a client may send (3000–4999), so a
    /// client cannot make up new series.
    var metricLabel: String {
        switch code {
        case 1000...1015, 4001, 4002, 4003, 4400, 4409, 4429: String(code)
        default: "other"
        }
    }

    /// The `reason` label of `signal_admissions_refused_total` when this code is the server
    /// refusing a socket its room or role, `nil` for every other close.
    var admissionRefusalReason: String? {
        Self.admissionRefusals.first { $0.code == self }?.reason
    }

    private static let admissionRefusals: [(code: CloseCode, reason: String)] = [
        (.missingToken, "missing_token"),
        (.invalidToken, "invalid_token"),
        (.roomMismatch, "room_mismatch"),
        (.invalidRoomOrNodeId, "invalid_room_or_node_id"),
        (.nodeIdInUse, "node_id_in_use"),
        (.roomFull, "room_full"),
        (.normalRequiresToken, "normal_requires_token"),
        (.consumerAuthNotConfigured, "consumer_auth_not_configured"),
        (.missingConsumerToken, "missing_consumer_token"),
        (.invalidConsumerToken, "invalid_consumer_token"),
    ]
}
