/// Decodes client frames: validates the JSON once, reads `type` and `to` from the bytes, and
/// builds typed values only for the rare frames (`register`, `heartbeat`) that need them.
public enum ClientFrameDecoder {
    /// Decodes one complete text message.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ClientFrameError) -> ClientFrame {
        var type: JSONScanner.Member?
        var target: JSONScanner.Member?
        var carriesSenderFields = false
        let isObject: Bool
        do throws(JSONScanner.Failure) {
            isObject = try JSONScanner.scanTopLevel(bytes) { member in
                // Later duplicates win, as with JSON.parse on the receiving side.
                switch TopLevelKey.of(member, in: bytes) {
                case .type: type = member
                case .to: target = member
                case .from, .fromRole: carriesSenderFields = true
                case nil: break
                }
            }
        } catch {
            switch error {
            case .invalidUTF8: throw .invalidUTF8
            case .syntax: throw UTF8Validation.isValid(bytes) ? .badMessage("message is not valid JSON") : .invalidUTF8
            }
        }
        guard isObject else { throw .badMessage("message must be a JSON object") }
        guard let type, let typeName = JSONText.string(of: type, in: bytes) else {
            throw .badMessage("\"type\" must be a string")
        }

        switch typeName {
        case "register":
            return .register(try registration(in: try members(of: bytes)))
        case "heartbeat":
            return .heartbeat(try heartbeat(in: try members(of: bytes)))
        default:
            guard let kind = RelayEnvelope.Kind(rawValue: typeName) else {
                throw .badMessage("unknown message type")
            }
            guard let target, let targetID = JSONText.string(of: target, in: bytes) else {
                throw .badMessage("\"to\" must be a string")
            }
            return .relay(RelayEnvelope(kind: kind, target: targetID, carriesSenderFields: carriesSenderFields))
        }
    }

    /// The members of a frame the scanner has already accepted as a JSON object.
    ///
    /// Foundation still refuses a number no `Double` can hold (`1e999999`); such a frame is a
    /// `BAD_MESSAGE`, never a `register` or `heartbeat` read as if it had no fields.
    private static func members(of bytes: UnsafeRawBufferPointer) throws(ClientFrameError) -> [String: JSONValue] {
        guard let members = JSONValue(parsing: bytes)?.objectValue else {
            throw .badMessage("message holds a number out of range")
        }
        return members
    }

    private static func registration(in members: [String: JSONValue]) throws(ClientFrameError) -> Registration {
        var registration = Registration()
        switch members["role"] {
        case nil, .null?: break
        case .string(let name)?:
            guard let role = PeerRole(rawValue: name) else { throw .badMessage("\"role\" must be \"normal\" or \"consumer\"") }
            registration.role = role
        default: throw .badMessage("\"role\" must be \"normal\" or \"consumer\"")
        }
        registration.serveConsumers = try optionalBool(members["serveConsumers"], "serveConsumers") ?? true
        registration.capacity = try optionalCount(members["capacity"], "capacity")
        switch members["token"] {
        case nil, .null?: break
        case .string(let token)?: registration.token = token
        default: throw .badMessage("\"token\" must be a string")
        }
        return registration
    }

    private static func heartbeat(in members: [String: JSONValue]) throws(ClientFrameError) -> Heartbeat {
        var heartbeat = Heartbeat()
        switch members["load"] {
        case nil, .null?: break
        case .object(let load)?: heartbeat.sessions = try optionalCount(load["sessions"], "load.sessions")
        default: throw .badMessage("\"load\" must be an object")
        }
        heartbeat.serveConsumers = try optionalBool(members["serveConsumers"], "serveConsumers")
        heartbeat.capacity = try optionalCount(members["capacity"], "capacity")
        return heartbeat
    }

    private static func optionalBool(_ value: JSONValue?, _ name: String) throws(ClientFrameError) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .badMessage("\"\(name)\" must be a boolean")
        }
    }

    private static func optionalCount(_ value: JSONValue?, _ name: String) throws(ClientFrameError) -> Double? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)? where number >= 0 && number.isFinite: return number
        default: throw .badMessage("\"\(name)\" must be a non-negative number")
        }
    }
}
