import ArgumentParser
import Signaling

/// `signal-server keygen`: a fresh Ed25519 key pair for room tokens.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a room-token key pair as PRIVATE_KEY_JWK=... and PUBLIC_KEY_JWK=... lines.",
        discussion: """
            Without --env-file the two lines are printed, ready to paste into .env. With --env-file \
            they are written into that file (created if missing, mode 0600), replacing earlier key \
            lines, adding a random ADMIN_SECRET when the file has none, and leaving every other line as it is.
            """)

    @Option(help: ArgumentHelp("Write the keys into this .env file instead of printing them.", valueName: "path"))
    var envFile: String?

    func run() throws {
        let keys = SigningKeyPair.generate()
        guard let envFile else {
            keys.environmentLines.forEach { print($0) }
            return
        }
        var file = try EnvironmentFile(path: envFile)
        for line in keys.environmentLines {
            let parts = line.split(separator: "=", maxSplits: 1)
            file.set(String(parts[0]), String(parts[1]))
        }
        if !file.contains("ADMIN_SECRET") {
            file.set("ADMIN_SECRET", AdminSecret.generate())
        }
        try file.write()
        print("Wrote PRIVATE_KEY_JWK and PUBLIC_KEY_JWK (key id \(keys.keyID)) to \(envFile)")
    }
}
