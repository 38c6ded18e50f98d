import RedisClient
import Testing

/// Parsing `REDIS_URL` into a ``RedisEndpoint``, and what its description shows.
@Suite struct RedisEndpointTests {
    @Test(arguments: [
        ("redis://localhost", RedisEndpoint(host: "localhost")),
        ("redis://127.0.0.1:6380", RedisEndpoint(host: "127.0.0.1", port: 6380)),
        ("REDIS://Example.com:1/", RedisEndpoint(host: "Example.com", port: 1)),
        ("redis://:secret@cache:6379/2", RedisEndpoint(host: "cache", password: "secret", database: 2)),
        ("redis://app:secret@cache/0", RedisEndpoint(host: "cache", user: "app", password: "secret", database: 0)),
        ("redis://app%40corp:p%3Ass%2F%25w%C3%B6rd@cache:65535/15",
         RedisEndpoint(host: "cache", port: 65535, user: "app@corp", password: "p:ss/%wörd", database: 15)),
        ("redis://:p@ss@cache", RedisEndpoint(host: "cache", password: "p@ss")),
        ("redis://:@cache", RedisEndpoint(host: "cache")),
        ("redis://app:@cache", RedisEndpoint(host: "cache", user: "app", password: "")),
        ("redis://[::1]:7000/3", RedisEndpoint(host: "::1", port: 7000, database: 3)),
        ("redis://[fe80::1]", RedisEndpoint(host: "fe80::1")),
    ])
    func parses(url: String, endpoint: RedisEndpoint) throws {
        #expect(try RedisEndpoint(url: url) == endpoint)
    }

    @Test(arguments: [
        "localhost:6379", "http://localhost", "redis:/localhost", "rediss://localhost", "redis://",
        "redis://:6379", "redis://host:", "redis://host:0", "redis://host:65536", "redis://host:99999999999999999999",
        "redis://host:abc", "redis://host:+6379", "redis://host:-1", "redis://host: 6379", "redis://host:６３７９",
        "redis://host/abc", "redis://host/-1", "redis://host/+1", "redis://host/-0", "redis://host/1/2", "redis://host/1?x=y",
        "redis://user@host", "redis://:p%zzw@host", "redis://:p%+fw@host", "redis://:p%4@host", "redis://:%FF@host",
        "redis://[::1", "redis://[::1]x", "redis://ho st", "redis://host#frag",
    ])
    func refuses(url: String) {
        #expect(throws: RedisEndpoint.InvalidURL.self) { try RedisEndpoint(url: url) }
    }

    @Test func refusalNeverShowsThePassword() {
        for url in ["redis://:hunter2@host:-1", "redis://u:hunter2@host/x", "rediss://:hunter2@host"] {
            #expect(throws: RedisEndpoint.InvalidURL.self) {
                do { _ = try RedisEndpoint(url: url) } catch {
                    #expect(!"\(error)".contains("hunter2"))
                    throw error
                }
            }
        }
    }

    @Test func descriptionHidesThePassword() throws {
        #expect(try RedisEndpoint(url: "redis://app:hunter2@cache:6380/4").description == "redis://app:***@cache:6380/4")
        #expect(try RedisEndpoint(url: "redis://:hunter2@cache").description == "redis://:***@cache:6379")
        #expect(try RedisEndpoint(url: "redis://[::1]:7000").description == "redis://[::1]:7000")
    }
}
