import Signaling
import Testing

@Suite struct AdminSecretTests {
    let secret = AdminSecret("correct horse battery staple")

    @Test func matchesOnlyTheExactSecret() {
        #expect(secret.matches("correct horse battery staple"))
        for candidate in ["", "correct horse battery stapl", "correct horse battery staple ", "Correct horse battery staple", "correct"] {
            #expect(!secret.matches(candidate), "\(candidate)")
        }
    }

    @Test func generatesDistinct43CharacterBase64URLSecrets() {
        let first = AdminSecret.generate()
        let second = AdminSecret.generate()
        #expect(first != second)
        #expect(first.count == 43)
        #expect(first.count >= AdminSecret.minimumLength)
        #expect(Base64.decode(first)?.count == 32)
        #expect(AdminSecret(first).matches(first))
        #expect(!AdminSecret(first).matches(second))
    }

    @Test func requiresSixteenCharacters() {
        #expect(AdminSecret.minimumLength == 16)
    }
}
