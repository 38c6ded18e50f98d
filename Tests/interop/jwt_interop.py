#!/usr/bin/env python3
"""Independent EdDSA JWT implementation (joserfc) for the Swift interop tests.

  jwt_interop.py sign PRIVATE_JWK_JSON CLAIMS_JSON   -> compact JWS, header exactly {"alg":"EdDSA"}
  jwt_interop.py verify PUBLIC_JWK_JSON TOKEN        -> claims JSON on stdout; exit 1 on failure

Exit codes: 0 success, 1 verification failed, 2 usage error, 3 joserfc missing.
"""
import json
import sys
import warnings

# joserfc flags "EdDSA" as deprecated by RFC 9864; it is still the algorithm the JS server uses.
warnings.simplefilter("ignore")

try:
    from joserfc import jws, jwt
    from joserfc.jwk import OKPKey
except ImportError as error:  # pragma: no cover - reported to the Swift test as a failure
    print(f"joserfc is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def sign(private_jwk: str, claims_json: str) -> str:
    key = OKPKey.import_key(json.loads(private_jwk))
    claims = json.loads(claims_json)
    if not isinstance(claims, dict):
        raise ValueError("claims must be a JSON object")
    payload = json.dumps(claims, separators=(",", ":")).encode()
    # jws (not jwt.encode) so the header is exactly {"alg":"EdDSA"}, like the JS server's tokens.
    return jws.serialize_compact({"alg": "EdDSA"}, payload, key, algorithms=["EdDSA"])


def verify(public_jwk: str, token: str) -> str:
    key = OKPKey.import_key(json.loads(public_jwk))
    decoded = jwt.decode(token, key, algorithms=["EdDSA"])
    if decoded.header.get("alg") != "EdDSA":
        raise ValueError("alg is not EdDSA")
    # exp must be present and in the future, checked by joserfc rather than by us.
    jwt.JWTClaimsRegistry(exp={"essential": True}).validate(decoded.claims)
    return json.dumps(decoded.claims, sort_keys=True, separators=(",", ":"))


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("sign", "verify"):
        print(__doc__, file=sys.stderr)
        return 2
    command, key, value = argv[1:]
    try:
        output = sign(key, value) if command == "sign" else verify(key, value)
    except Exception as error:  # any failure is a refusal, reported on stderr
        print(f"{command} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
