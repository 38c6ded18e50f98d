import Foundation
import NIOCore
import Signaling

/// A `POST /revoke` as instances pass it to each other on ``ClusterKeys/revocations``:
/// `J<jti>`, or `S<issuedBefore as seconds since 1970>\n<subject>`.
enum ClusterRevocation {
    /// The message for `revocation`.
    static func message(_ revocation: RevocationList.Revocation) -> ByteBuffer {
        switch revocation {
        case .tokenID(let id):
            ByteBuffer(string: "J" + id)
        case .subject(let subject, let issuedBefore):
            ByteBuffer(string: "S\(issuedBefore.timeIntervalSince1970)\n\(subject)")
        }
    }

    /// The revocation a message carries; `nil` when it is not one.
    static func revocation(_ message: ByteBuffer) -> RevocationList.Revocation? {
        let text = String(buffer: message)
        switch text.first {
        case "J":
            return .tokenID(String(text.dropFirst()))
        case "S":
            guard let newline = text.firstIndex(of: "\n"), let seconds = Double(text[text.index(after: text.startIndex)..<newline])
            else { return nil }
            return .subject(String(text[text.index(after: newline)...]), issuedBefore: Date(timeIntervalSince1970: seconds))
        default:
            return nil
        }
    }
}
