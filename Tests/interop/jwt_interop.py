#!/usr/bin/env python3
"""Independent JWT implementation (joserfc) for the Swift interop tests.

Room tokens (EdDSA):
  jwt_interop.py sign PRIVATE_JWK_JSON CLAIMS_JSON   -> compact JWS, header exactly {"alg":"EdDSA"}
  jwt_interop.py verify PUBLIC_JWK_JSON TOKEN        -> claims JSON on stdout; exit 1 on failure

Consumer tokens (an identity provider's ES256 / RS256 / PS256, and the attacks on them):
  jwt_interop.py generate EC|RSA KID                 -> {"private":JWK,"public":JWK}: P-256 or RSA-2048
  jwt_interop.py sign-jws KEY HEADER_JSON CLAIMS_JSON -> compact JWS with exactly HEADER_JSON; KEY is
      a private JWK for ES*/RS*/PS*, any text (its UTF-8 bytes are the secret) for HS*, and ignored
      for "none"

Exit codes: 0 success, 1 the command failed (a refused token, a bad key), 2 usage error, 3 joserfc missing.
"""
import json
import sys
import warnings

# joserfc flags "EdDSA" as deprecated by RFC 9864; it is still the algorithm the JS server uses.
warnings.simplefilter("ignore")

try:
    from joserfc import jws, jwt
    from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
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


def generate(key_type: str, kid: str) -> str:
    if key_type == "EC":
        key = ECKey.generate_key("P-256", parameters={"kid": kid}, private=True)
    elif key_type == "RSA":
        key = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)
    else:
        raise ValueError("key type must be EC or RSA")
    return json.dumps({"private": key.as_dict(private=True), "public": key.as_dict(private=False)})


def sign_jws(key_text: str, header_json: str, claims_json: str) -> str:
    header = json.loads(header_json)
    alg = header["alg"]
    payload = json.dumps(json.loads(claims_json), separators=(",", ":")).encode()
    if alg == "none":
        key = None
    elif alg.startswith("HS"):
        key = OctKey.import_key(key_text.encode())
    elif alg.startswith("ES"):
        key = ECKey.import_key(json.loads(key_text))
    else:
        key = RSAKey.import_key(json.loads(key_text))
    return jws.serialize_compact(header, payload, key, algorithms=[alg])


COMMANDS = {"sign": sign, "verify": verify, "generate": generate, "sign-jws": sign_jws}


def main(argv: list[str]) -> int:
    command = COMMANDS.get(argv[1]) if len(argv) > 1 else None
    if command is None or len(argv) - 2 != command.__code__.co_argcount:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        output = command(*argv[2:])
    except Exception as error:  # any failure is a refusal, reported on stderr
        print(f"{argv[1]} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
