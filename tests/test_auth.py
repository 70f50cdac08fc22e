"""Function 4.2.3 (msatheory.gateway.auth): token policies, the attack battery of RFC 8725,
leeway boundaries, permissions, and PyJWT's own time checks as the differential oracle.

Keys. RSA key generation is random, and a private key stored in the repository would be
flagged by secret scanners; so the RSA keys are built from primes drawn by a seeded
``random.Random`` and proved prime by sympy (about half a second at import), and the
ECDSA key is derived from a fixed scalar. Every HS256 and RS256 token below is therefore
the same on every run (ECDSA signatures are random, so the ES256 token is only judged).
No key or token is ever printed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from datetime import UTC, datetime
from unittest import mock

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import isprime

from msatheory.errors import TheoryError
from msatheory.gateway.auth import (
    MAX_HEADER,
    Decision,
    Permission,
    TokenPolicy,
    authenticate,
    authorize,
    check_times,
)

# ---------------------------------------------------------------------------------- keys


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if candidate % 65537 != 1 and isprime(candidate):
            return candidate


def seeded_rsa(seed: int, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key of exactly ``bits`` bits, the same for the same seed."""
    rng = random.Random(seed)
    p, q = _prime(rng, bits // 2), _prime(rng, bits // 2)
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    return rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, p * q)).private_key()


RSA_PRIVATE = seeded_rsa(423)
RSA_PUBLIC_PEM = RSA_PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
EC_PRIVATE = ec.derive_private_key(4_2_3_4_2_3, ec.SECP256R1())
SECRET = b"gateway-test-secret-of-32-bytes!"
assert len(SECRET) == 32

NOW = 1_000_000
CLAIMS = {"sub": "ann", "aud": "shop", "iss": "idp", "iat": NOW - 10, "exp": NOW + 60,
          "scope": "orders:read profile", "roles": ["customer"]}
HS = TokenPolicy(SECRET, ["HS256"], audience="shop", issuer="idp")
RS = TokenPolicy(RSA_PUBLIC_PEM, ["RS256"], audience="shop", issuer="idp")
OK = Decision(True, 200, "valid token for subject 'ann'")
NO_CREDENTIALS = Decision(False, 401, "Bearer")


def hs(claims: dict | None = None, **changes: object) -> str:
    return jwt.encode({**(CLAIMS if claims is None else claims), **changes}, SECRET,
                      algorithm="HS256")


def rs(claims: dict | None = None, **changes: object) -> str:
    return jwt.encode({**(CLAIMS if claims is None else claims), **changes}, RSA_PRIVATE,
                      algorithm="RS256")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: object) -> str:
    return b64(json.dumps(obj).encode())


def invalid(description: str) -> Decision:
    return Decision(False, 401,
                    f'Bearer error="invalid_token", error_description="{description}"')


def bearer(token: str) -> str:
    return f"Bearer {token}"


# ------------------------------------------------------------------------ attack battery

def _forged_hs256_with_public_key() -> str:
    """RFC 8725 §2.1: an HS256 token whose HMAC secret is the server's RSA public key.
    PyJWT refuses to sign with a PEM as secret, so the attacker signs by hand."""
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(CLAIMS)}"
    mac = hmac.new(RSA_PUBLIC_PEM, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def _tampered_payload() -> str:
    header, _, signature = hs().split(".")
    return f"{header}.{segment({**CLAIMS, 'sub': 'root'})}.{signature}"


def _tampered_signature() -> str:
    header, payload, signature = hs().split(".")
    middle = len(signature) // 2
    flipped = "B" if signature[middle] == "A" else "A"
    return f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1:]}"


def _non_canonical_signature(token: str) -> str:
    """The same signature bytes, spelled with the unused low bits of the last base64url
    character set: a second spelling of one token."""
    header, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) ^ 1]
    return f"{header}.{payload}.{signature[:-1]}{last}"


def _alg_none(signature: str = "") -> str:
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(CLAIMS)}.{signature}"


ATTACKS = {
    "valid HS256": (HS, bearer(hs()), OK),
    "valid RS256": (RS, bearer(rs()), OK),
    "scheme lower case": (HS, f"bearer {hs()}", OK),
    "scheme upper case": (HS, f"BEARER {hs()}", OK),
    "no header": (HS, None, NO_CREDENTIALS),
    "empty header": (HS, "", NO_CREDENTIALS),
    "Basic credentials": (HS, "Basic YW5uOnB3", NO_CREDENTIALS),
    "token without scheme": (HS, hs(), NO_CREDENTIALS),
    "scheme with a Cyrillic e": (HS, f"B\u0435arer {hs()}", NO_CREDENTIALS),
    "Bearer alone": (HS, "Bearer", invalid("no token follows the Bearer scheme")),
    "Bearer and a space": (HS, "Bearer ", invalid("no token follows the Bearer scheme")),
    "two spaces": (HS, "Bearer  x",
                   invalid("exactly one space must separate Bearer and the token")),
    "two spaces, valid token": (HS, f"Bearer  {hs()}",
                                invalid("exactly one space must separate Bearer and the token")),
    "two tokens": (HS, f"Bearer {hs()} {hs()}",
                   invalid("more than one token follows the Bearer scheme")),
    "trailing space": (HS, f"Bearer {hs()} ",
                       invalid("the token holds characters outside the b64token set "
                               "(RFC 6750 section 2.1)")),
    "tab in token": (HS, f"Bearer {hs()}\t",
                     invalid("the token holds characters outside the b64token set "
                             "(RFC 6750 section 2.1)")),
    "oversized header": (HS, "Bearer " + "a" * MAX_HEADER,
                         invalid(f"the Authorization header is longer than {MAX_HEADER} "
                                 "characters")),
    "not a JWT": (HS, "Bearer x", invalid("a JWT has 3 dot-separated segments, not 1")),
    "extra segment": (HS, bearer(hs() + ".e30"),
                      invalid("a JWT has 3 dot-separated segments, not 4")),
    "JWE-shaped": (HS, bearer("a.b.c.d.e"),
                   invalid("a JWT has 3 dot-separated segments, not 5")),
    "padded segment": (HS, bearer(hs().replace(".", "=.", 1)),
                       invalid("the token holds characters outside the b64token set "
                               "(RFC 6750 section 2.1)")),
    "header not JSON": (HS, bearer(f"{b64(b'{alg')}.e30.AAAA"),
                        invalid("the header is not JSON")),
    "header without alg": (HS, bearer(f"{segment({'typ': 'JWT'})}.e30.AAAA"),
                           invalid("the header must be a JSON object with an alg")),
    "alg none, no signature": (HS, bearer(_alg_none()),
                               invalid("alg none is refused: an unsigned token proves nothing")),
    "alg none, a signature": (HS, bearer(_alg_none("AAAA")),
                              invalid("alg none is refused: an unsigned token proves nothing")),
    "alg NoNe": (HS, bearer(_alg_none().replace(segment({'alg': 'none', 'typ': 'JWT'}),
                                                segment({'alg': 'NoNe'}))),
                 invalid("alg none is refused: an unsigned token proves nothing")),
    "HS256 signed with the RSA public key": (
        RS, bearer(_forged_hs256_with_public_key()),
        invalid("alg 'HS256' is not one of the pinned algorithms RS256")),
    "RS256 token, HS256 policy": (
        HS, bearer(rs()), invalid("alg 'RS256' is not one of the pinned algorithms HS256")),
    "quote in alg": (HS, bearer(segment({"alg": 'x"y'}) + ".e30.AAAA"),
                     invalid("alg 'x?y' is not one of the pinned algorithms HS256")),
    "tampered payload": (HS, bearer(_tampered_payload()),
                         invalid("the signature does not verify")),
    "tampered signature": (HS, bearer(_tampered_signature()),
                           invalid("the signature does not verify")),
    "RS256 tampered payload": (
        RS, bearer(".".join([rs().split(".")[0], segment({**CLAIMS, "sub": "root"}),
                             rs().split(".")[2]])),
        invalid("the signature does not verify")),
    "signed with another secret": (
        HS, bearer(jwt.encode(CLAIMS, b"another-secret-also-of-32-bytes!", "HS256")),
        invalid("the signature does not verify")),
    "non-canonical signature": (HS, bearer(_non_canonical_signature(hs())),
                                invalid("the signature is not canonical base64url")),
    "expired": (HS, bearer(hs(exp=NOW)), invalid("the token has expired")),
    "not yet valid": (HS, bearer(hs(nbf=NOW + 1)), invalid("the token is not yet valid (nbf)")),
    "issued in the future": (HS, bearer(hs(iat=NOW + 1)),
                             invalid("the token was issued in the future (iat)")),
    "exp a string": (HS, bearer(hs(exp=str(NOW + 60))),
                     invalid(f"the exp claim must be a NumericDate, not '{NOW + 60}'")),
    "missing exp": (HS, bearer(hs({k: v for k, v in CLAIMS.items() if k != "exp"})),
                    invalid("the token lacks the required claim 'exp'")),
    "wrong audience": (HS, bearer(hs(aud="billing")),
                       invalid("the token is not meant for this audience (aud)")),
    "no audience": (HS, bearer(hs({k: v for k, v in CLAIMS.items() if k != "aud"})),
                    invalid("the token lacks the required claim 'aud'")),
    "wrong issuer": (HS, bearer(hs(iss="evil")),
                     invalid("the token was not issued by a trusted issuer (iss)")),
    "payload not an object": (
        HS, bearer(jwt.api_jws.encode(b"[1]", SECRET, "HS256")),
        invalid("the token is malformed (Invalid payload string: must be a json object)")),
}


@pytest.mark.parametrize("case", ATTACKS)
def test_attack_battery(case: str) -> None:
    policy, header, expected = ATTACKS[case]
    assert authenticate(header, policy, NOW) == expected


def test_alg_confusion_is_refused_by_pyjwt_and_by_the_policy() -> None:
    """The forged token is refused three ways: the pinned list refuses HS256 (above),
    a policy cannot pin HS256 beside RS256, and PyJWT will not use a PEM as a secret."""
    with pytest.raises(TheoryError, match="must not mix HMAC and public-key"):
        TokenPolicy(RSA_PUBLIC_PEM, ["RS256", "HS256"])
    with pytest.raises(TheoryError, match="key must be an HMAC secret"):
        TokenPolicy(RSA_PUBLIC_PEM, ["HS256"])
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(_forged_hs256_with_public_key(), RSA_PUBLIC_PEM,
                   algorithms=["RS256", "HS256"], audience="shop")


def test_a_second_spelling_of_a_signature_is_refused() -> None:
    """Why the canonical base64url check: both spellings decode to one signature, and
    PyJWT before 2.14 verified either (jpadilla/pyjwt#1209; the package allows 2.8)."""
    token = hs()
    other = _non_canonical_signature(token)
    assert other != token
    unpad = base64.urlsafe_b64decode
    assert unpad(other.split(".")[2] + "=") == unpad(token.split(".")[2] + "=")
    assert authenticate(bearer(other), HS, NOW) == invalid(
        "the signature is not canonical base64url")


def test_every_algorithm_family_verifies() -> None:
    es = TokenPolicy(EC_PRIVATE.public_key(), ["ES256"], audience="shop", issuer="idp")
    assert authenticate(bearer(jwt.encode(CLAIMS, EC_PRIVATE, "ES256")), es, NOW) == OK
    ps = TokenPolicy(RSA_PRIVATE.public_key(), ["RS256", "PS256"], audience="shop",
                     issuer="idp")
    assert authenticate(bearer(jwt.encode(CLAIMS, RSA_PRIVATE, "PS256")), ps, NOW) == OK
    assert authenticate(bearer(rs()), ps, NOW) == OK


# ----------------------------------------------------------------------- mutation property

TOKENS = {"HS256": (HS, hs()), "RS256": (RS, rs())}


@settings(max_examples=400)
@given(which=st.sampled_from(sorted(TOKENS)), data=st.data())
def test_any_mutation_of_a_valid_token_is_refused(which: str, data: st.DataObject) -> None:
    """Property: replacing any one character of a valid token (header, payload or
    signature, by any byte 0-255 read as Latin-1) gives a 401, never a 200 or 403."""
    policy, token = TOKENS[which]
    at = data.draw(st.integers(0, len(token) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: chr(b) != token[at]), label="byte")
    mutated = token[:at] + chr(byte) + token[at + 1:]
    decision = authenticate(bearer(mutated), policy, NOW)
    assert (decision.allowed, decision.status) == (False, 401)


def test_every_one_character_mutation_of_an_hs256_token_is_refused() -> None:
    """The property above, exhausted on the HS256 token: every position, every byte
    (about 60,000 tokens). The last signature character is where a second spelling of
    the same signature hides."""
    policy, token = TOKENS["HS256"]
    for at in range(len(token)):
        for byte in range(256):
            if chr(byte) != token[at]:
                mutated = token[:at] + chr(byte) + token[at + 1:]
                assert authenticate(bearer(mutated), policy, NOW).status == 401, (at, byte)


# ---------------------------------------------------------------------- leeway boundaries

@pytest.mark.parametrize(("claims", "leeway", "allowed"), [
    # exp is refused when exp <= now - leeway: exp == now - leeway is the first refused.
    ({"exp": NOW - 5}, 5, False),
    ({"exp": NOW - 4}, 5, True),
    ({"exp": NOW}, 0, False),
    ({"exp": NOW + 1}, 0, True),
    # nbf and iat are refused when > now + leeway: nbf == now + leeway is the last accepted.
    ({"nbf": NOW + 5}, 5, True),
    ({"nbf": NOW + 6}, 5, False),
    ({"iat": NOW + 5}, 5, True),
    ({"iat": NOW + 6}, 5, False),
    ({"nbf": NOW}, 0, True),
    # fractional claims are compared exactly (PyJWT would truncate 999_999.5 to 999_999).
    ({"exp": NOW + 0.5}, 0, True),
    ({"nbf": NOW + 0.5}, 0, False),
])
def test_leeway_boundaries(claims: dict, leeway: int, allowed: bool) -> None:
    policy = TokenPolicy(SECRET, ["HS256"], leeway=leeway, required=())
    assert authenticate(bearer(hs(claims)), policy, NOW).allowed is allowed


def test_check_times_reads_no_clock_and_compares_exactly() -> None:
    assert check_times({"exp": 1}, now=1.1, leeway=0.1) == "the token has expired"
    assert check_times({"exp": 2}, now=1.1, leeway=0.1) is None
    assert check_times({"exp": float("nan")}, now=0) == (
        "the exp claim must be a NumericDate, not nan")
    assert check_times({"exp": True}, now=0) == (
        "the exp claim must be a NumericDate, not True")


class _Frozen(datetime):
    """``datetime`` whose ``now`` is pinned at ``_Frozen.at`` (PyJWT reads it)."""

    at = 0

    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(cls.at, tz=UTC)


TIMES = st.one_of(st.none(), st.integers(NOW - 8, NOW + 8))


@settings(max_examples=300)
@given(exp=TIMES, nbf=TIMES, iat=TIMES, leeway=st.integers(0, 4),
       now=st.integers(NOW - 4, NOW + 4))
def test_time_checks_agree_with_pyjwt_at_a_pinned_clock(exp, nbf, iat, leeway, now) -> None:
    """Differential: on integer claims, our exp/nbf/iat verdict at ``now`` is PyJWT's
    with its clock pinned to ``now``."""
    claims = {k: v for k, v in {"exp": exp, "nbf": nbf, "iat": iat}.items() if v is not None}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    ours = authenticate(bearer(token), TokenPolicy(SECRET, ["HS256"], leeway=leeway,
                                                   required=()), now)
    _Frozen.at = now
    with mock.patch.object(jwt.api_jwt, "datetime", _Frozen):
        try:
            jwt.decode(token, SECRET, algorithms=["HS256"], leeway=leeway)
            theirs = True
        except jwt.InvalidTokenError:
            theirs = False
    assert ours.allowed is theirs


# --------------------------------------------------------------------------- permissions

def test_a_missing_scope_is_403_naming_it() -> None:
    need = Permission(scopes=["orders:read", "orders:write"])
    assert authenticate(bearer(hs()), HS, NOW, permission=need) == Decision(
        False, 403, 'Bearer error="insufficient_scope", error_description="missing scope '
        "'orders:write'\", scope=\"orders:read orders:write\"")
    two = Permission(scopes=["a", "b"])
    assert authenticate(bearer(hs()), HS, NOW, permission=two).reason == (
        'Bearer error="insufficient_scope", error_description="missing scopes \'a\', '
        '\'b\'", scope="a b"')


def test_held_scopes_and_one_of_the_roles_allow() -> None:
    need = Permission(scopes=["profile", "orders:read"], roles=["admin", "customer"])
    decision = authenticate(bearer(hs()), HS, NOW, permission=need)
    assert decision == OK
    assert decision.claims == CLAIMS


def test_no_listed_role_is_403() -> None:
    need = Permission(roles=["admin"])
    assert authenticate(bearer(hs()), HS, NOW, permission=need) == Decision(
        False, 403, 'Bearer error="insufficient_scope", '
        'error_description="requires one of the roles \'admin\'"')


def test_an_invalid_token_is_401_whatever_the_permission() -> None:
    """401 before 403: a request that proves no identity is never told what it lacks."""
    need = Permission(scopes=["orders:write"])
    assert authenticate(bearer(hs(exp=NOW)), HS, NOW, permission=need) == invalid(
        "the token has expired")
    assert authenticate(None, HS, NOW, permission=need) == NO_CREDENTIALS


@pytest.mark.parametrize(("claims", "expected"), [
    ({"scope": ["a"]}, invalid("the scope claim must be a string, not ['a']")),
    ({"roles": "admin"}, invalid("the roles claim must be a list of strings, not 'admin'")),
    ({"scope": "a"}, Decision(True, 200, "valid token")),
    ({"sub": "ann"}, Decision(False, 403, 'Bearer error="insufficient_scope", '
                              'error_description="missing scope \'a\'", scope="a"')),
])
def test_authorize(claims: dict, expected: Decision) -> None:
    assert authorize(claims, Permission(scopes=["a"])) == expected


def test_scope_prefixes_are_not_scopes() -> None:
    assert not authorize({"scope": "orders:read"}, Permission(scopes=["orders"])).allowed
    assert not authorize({"scope": "orders"}, Permission(scopes=["orders:read"])).allowed


# -------------------------------------------------------------------------- validation

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"algorithms": []}, "TokenPolicy: algorithms must name at least one algorithm, not []"),
    ({"algorithms": "HS256"}, "TokenPolicy: algorithms must be a list of algorithm names "
                              "such as ['RS256'], not 'HS256'"),
    ({"algorithms": ["none"]}, "TokenPolicy: algorithms must never include 'none': an "
                               "unsigned token proves nothing (RFC 8725 §3.1)"),
    ({"algorithms": ["HS256", "None"]}, "TokenPolicy: algorithms must never include 'None'"),
    ({"algorithms": ["HS999"]}, "TokenPolicy: algorithms holds 'HS999', which is not one of "
                                "ES256, ES256K"),
    ({"algorithms": ["HS256", "HS256"]}, "TokenPolicy: algorithms lists 'HS256' twice"),
    ({"algorithms": ["HS256", "ES256"]}, "TokenPolicy: algorithms must not mix HMAC and "
                                         "public-key algorithms"),
    ({"algorithms": ["HS256"], "key": b"short"}, "TokenPolicy: key is too short for HS256: "
                                                 "The HMAC key is 5 bytes long"),
    ({"algorithms": ["HS512"]}, "TokenPolicy: key is too short for HS512: The HMAC key is "
                                "32 bytes long, which is below the minimum recommended "
                                "length of 64 bytes"),
    ({"algorithms": ["HS256"], "key": b""}, "TokenPolicy: key must be an HMAC secret"),
    ({"algorithms": ["RS256"]}, "TokenPolicy: key must be a public key usable with RS256"),
    ({"algorithms": ["ES256"], "key": RSA_PUBLIC_PEM}, "TokenPolicy: key must be a public "
                                                       "key usable with ES256"),
    ({"algorithms": ["RS256"], "key": seeded_rsa(1, bits=1024).public_key()},
     "TokenPolicy: key is too short for RS256: The RSA key is 1024 bits long"),
    ({"algorithms": ["HS256"], "leeway": -1}, "TokenPolicy: leeway must be a non-negative "
                                              "finite number of seconds, not -1"),
    ({"algorithms": ["HS256"], "audience": [""]}, "TokenPolicy: audience holds ''"),
    ({"algorithms": ["HS256"], "required": "exp"}, "TokenPolicy: required must be a list "
                                                "of names, not 'exp'"),
])
def test_policy_validation(kwargs: dict, message: str) -> None:
    kwargs = {"key": SECRET, **kwargs}
    with pytest.raises(TheoryError) as raised:
        TokenPolicy(**kwargs)
    assert str(raised.value).startswith(message)


def test_policy_is_frozen_and_its_repr_hides_the_key() -> None:
    assert repr(HS) == ("TokenPolicy(algorithms=('HS256',), audience=('shop',), "
                        "issuer=('idp',), leeway=0, required=('exp',))")
    assert "BEGIN" not in repr(RS) and "secret" not in repr(HS)
    with pytest.raises(AttributeError):
        HS.leeway = 5  # type: ignore[misc]
    assert TokenPolicy(SECRET * 2, ("HS256", "HS384"), audience=["a", "b"]).audience == ("a", "b")


@pytest.mark.parametrize(("args", "message"), [
    ((b"Bearer x", HS, NOW), "authenticate: authorization_header must be a string or "
                             "None, not b'Bearer x'"),
    (("Bearer x", "policy", NOW), "authenticate: policy must be a TokenPolicy, not 'policy'"),
    (("Bearer x", HS, -1), "authenticate: now must be a non-negative finite number of "
                           "seconds, not -1"),
    (("Bearer x", HS, float("inf")), "authenticate: now must be a non-negative finite"),
])
def test_authenticate_validation(args: tuple, message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        authenticate(*args)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scopes": "orders"}, "Permission: scopes must be a list of names, not 'orders'"),
    ({"scopes": ["two words"]}, "Permission: scopes holds 'two words', which is not a scope"),
    ({"scopes": ['q"uote']}, "Permission: scopes holds 'q\"uote', which is not a scope"),
    ({"roles": [""]}, "Permission: roles holds ''"),
])
def test_permission_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        Permission(**kwargs)
    assert str(raised.value).startswith(message)


def test_authenticate_refuses_a_permission_that_is_not_one() -> None:
    with pytest.raises(TheoryError, match="permission must be a Permission, not"):
        authenticate(bearer(hs()), HS, NOW, permission=["orders:read"])  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="authorize: claims must be a mapping"):
        authorize(["scope"], Permission())  # type: ignore[arg-type]


def test_a_challenge_never_carries_a_quote_or_backslash() -> None:
    """RFC 6750 §3: error_description holds %x20-21 / %x23-5B / %x5D-7E only."""
    token = segment({"alg": 'a\\b"c\u00e9'}) + ".e30.AAAA"
    reason = authenticate(bearer(token), HS, NOW).reason
    description = reason.split('error_description="', 1)[1][:-1]
    assert all(" " <= c <= "~" and c not in '"\\' for c in description)
