"""Function 4.2.3 (认证): verify the client's identity and permissions (身份和权限).

The gateway reads the ``Authorization`` header of a request, verifies the JSON Web Token
(JWT, RFC 7519) it carries with PyJWT, and answers with a :class:`Decision`:

* **200**, allowed: the token is genuine, current, meant for this audience and issuer,
  and grants what the route requires;
* **401**, *who are you?*: no credentials, or a token that is malformed, forged,
  expired, not yet valid or meant for someone else. ``reason`` is the
  ``WWW-Authenticate`` challenge of RFC 6750 §3: bare ``Bearer`` when the request
  carries no Bearer credentials, ``Bearer error="invalid_token", ...`` otherwise;
* **403**, *not allowed*: a valid token that lacks a scope or role the route requires
  (:class:`Permission`), with ``error="insufficient_scope"``.

It follows the JWT best current practices of RFC 8725:

* the accepted algorithms are pinned by the :class:`TokenPolicy`, never read from the
  token (§2.1, §3.1); ``none`` can never be pinned;
* one policy never mixes an HMAC algorithm (HS*) with a public-key one (RS*, PS*, ES*,
  EdDSA), and its key must suit every algorithm it pins, so an RSA public key can never
  be used as an HMAC secret (the key-confusion attack of §2.1); keys shorter than
  RFC 7518 allows (an HMAC secret shorter than its hash, an RSA key under 2048 bits)
  are refused when the policy is built;
* ``exp``, ``nbf`` and ``iat`` are checked against ``now`` with the policy's leeway,
  ``aud`` and ``iss`` against the policy, and the claims it requires must be present
  (§3.8, §3.9);
* the token must be one JWS in compact serialization: three non-empty segments of
  canonical base64url (RFC 7515 §3.1, §2). Canonical matters: base64url's last character
  may carry unused bits, and a decoder that ignores them accepts several spellings of
  one signature, so a denylist or cache keyed by the token string could be evaded.
  PyJWT checks this itself only from 2.14 (jpadilla/pyjwt#1209); the check here holds
  whatever PyJWT version is installed.

Time is a parameter. PyJWT's ``decode`` has no ``now`` argument: it reads the wall clock
(``datetime.now`` in ``PyJWT._validate_claims``). So :func:`authenticate` lets PyJWT
verify the signature, the algorithm, the required claims, ``aud``, ``iss``, ``sub`` and
``jti``, with its checks of ``exp``, ``nbf`` and ``iat`` turned off, and then checks those
three against ``now`` itself, with PyJWT's own comparisons (:func:`check_times`).

The module stops at one request and one key: no key sets (JWKS) or ``kid`` selection,
no token revocation, no encrypted tokens (JWE), no explicit typing (RFC 8725 §3.11).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import jwt
from jwt.algorithms import get_default_algorithms

from msatheory.errors import TheoryError, require_names, require_number

__all__ = [
    "MAX_HEADER",
    "Decision",
    "Permission",
    "TokenPolicy",
    "authenticate",
    "authorize",
    "check_times",
]

MAX_HEADER = 8192
"""The longest ``Authorization`` header read, in characters (nginx's default header
buffer is 8 KiB; Apache's ``LimitRequestFieldSize`` is 8190 bytes)."""

_HMAC = frozenset({"HS256", "HS384", "HS512"})
_KNOWN = tuple(sorted(name for name in get_default_algorithms() if name != "none"))
# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_SEGMENT = re.compile(r"[A-Za-z0-9\-_]+")
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


@dataclass(frozen=True)
class Decision:
    """What Function 4.2.3 (认证) decides about one request.

    ``allowed`` holds exactly when ``status`` is 200. For 401 and 403, ``reason`` is the
    ``WWW-Authenticate`` header value the gateway sends back (RFC 6750 §3); for 200 it
    says whom the token names. ``claims`` holds the verified claims of an allowed request
    (None otherwise); it takes no part in equality or the repr.
    """

    allowed: bool
    status: int
    reason: str
    claims: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


def _challenge(error: str | None = None, description: str = "", scope: str = "") -> str:
    """The ``WWW-Authenticate`` value: ``Bearer`` alone, or with RFC 6750's attributes.

    RFC 6750 §3 allows only %x20-21, %x23-5B and %x5D-7E in a description, so anything
    else (a quote, a backslash, non-ASCII) that reaches one is written ``?``.
    """
    if error is None:
        return "Bearer"
    safe = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in description)
    parts = [f'error="{error}"', f'error_description="{safe}"']
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def _refuse(description: str) -> Decision:
    return Decision(False, 401, _challenge("invalid_token", description))


def _shown(value: object, limit: int = 32) -> str:
    """``value`` for a description: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass(frozen=True, init=False)
class TokenPolicy:
    """How Function 4.2.3 (认证) verifies a token: the key and what the token must say.

    Parameters
    ----------
    key : str, bytes or a cryptography key
        The HMAC secret for HS* algorithms; the public key (PEM, or a ``cryptography``
        key object) for the others. It is never shown in the repr.
    algorithms : list of str
        The algorithms accepted (RFC 8725 §3.1: pinned, never read from the token):
        non-empty, distinct, known to PyJWT, never ``none``, and either all HMAC
        (HS256, HS384, HS512) or all public-key, since one key cannot serve both.
    audience : str, list of str or None, default None
        The token's ``aud`` must name one of these. With None, a token that carries an
        ``aud`` is refused (RFC 7519 §4.1.3: the gateway cannot identify itself in it).
    issuer : str, list of str or None, default None
        The token's ``iss`` must be one of these; None does not check ``iss``.
    leeway : number, default 0
        Seconds of clock skew allowed on ``exp``, ``nbf`` and ``iat``.
    required : list of str, default ("exp",)
        Claims every token must carry.

    Raises
    ------
    TheoryError
        Naming the algorithm that is unknown, ``none``, repeated or of the other family;
        a key that does not suit an algorithm or is too short for it (RFC 7518 §3.2:
        an HMAC secret at least as long as the hash; §3.3: RSA keys of 2048 bits or
        more); or a leeway, audience, issuer or claim name that is not valid.

    Examples
    --------
    >>> policy = TokenPolicy(b"k" * 32, ["HS256"], audience="shop", issuer="idp")
    >>> policy
    TokenPolicy(algorithms=('HS256',), audience=('shop',), issuer=('idp',), leeway=0, \
required=('exp',))
    >>> TokenPolicy(b"k" * 32, ["HS256", "RS256"])
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: TokenPolicy: algorithms must not mix HMAC and public-key
    algorithms (RFC 8725 §2.1, key confusion), not ['HS256', 'RS256']

    References
    ----------
    .. [1] Function 4.2.3 of the theory (认证): verify the client's identity and
       permissions.
    .. [2] RFC 8725, JSON Web Token Best Current Practices, §2.1 and §3.1.
    .. [3] RFC 7518, JSON Web Algorithms, §3.2 and §3.3 (key sizes).
    """

    key: Any = field(repr=False)
    algorithms: tuple[str, ...]
    audience: tuple[str, ...] | None
    issuer: tuple[str, ...] | None
    leeway: int | float
    required: tuple[str, ...]

    def __init__(self, key: Any, algorithms: Iterable[str], audience: str | Iterable[str]
                 | None = None, issuer: str | Iterable[str] | None = None,
                 leeway: int | float = 0, required: Iterable[str] = ("exp",)) -> None:
        owner = "TokenPolicy"
        if isinstance(algorithms, str) or not isinstance(algorithms, Iterable):
            raise TheoryError(f"{owner}: algorithms must be a list of algorithm names "
                              f"such as ['RS256'], not {algorithms!r}")
        algs = tuple(algorithms)
        if not algs:
            raise TheoryError(f"{owner}: algorithms must name at least one algorithm, "
                              f"not {algorithms!r}")
        for alg in algs:
            if isinstance(alg, str) and alg.lower() == "none":
                raise TheoryError(f"{owner}: algorithms must never include {alg!r}: an "
                                  "unsigned token proves nothing (RFC 8725 §3.1)")
            if alg not in _KNOWN:
                raise TheoryError(f"{owner}: algorithms holds {alg!r}, which is not one "
                                  f"of {', '.join(_KNOWN)}")
        require_names(owner, "algorithms", algs)
        if len({alg in _HMAC for alg in algs}) > 1:
            raise TheoryError(f"{owner}: algorithms must not mix HMAC and public-key "
                              f"algorithms (RFC 8725 §2.1, key confusion), not {list(algs)!r}")
        for alg in algs:
            _check_key(owner, alg, key)
        require_number(owner, "leeway", leeway, unit="seconds")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "algorithms", algs)
        object.__setattr__(self, "audience", _optional_names(owner, "audience", audience))
        object.__setattr__(self, "issuer", _optional_names(owner, "issuer", issuer))
        object.__setattr__(self, "leeway", leeway)
        object.__setattr__(self, "required", require_names(owner, "required", required))


def _check_key(owner: str, alg: str, key: object) -> None:
    """Refuse a key that PyJWT cannot use for ``alg``, or one too short for it."""
    algorithm = jwt.get_algorithm_by_name(alg)
    try:
        prepared = algorithm.prepare_key(key)
    except (jwt.InvalidKeyError, TypeError, ValueError) as error:
        kind = "an HMAC secret (str or bytes)" if alg in _HMAC else "a public key"
        raise TheoryError(f"{owner}: key must be {kind} usable with {alg}, not a key "
                          f"PyJWT refuses ({error})") from None
    short = algorithm.check_key_length(prepared)
    if short:
        raise TheoryError(f"{owner}: key is too short for {alg}: {short}")


def _optional_names(owner: str, what: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    return require_names(owner, what, (value,) if isinstance(value, str) else value)


@dataclass(frozen=True, init=False)
class Permission:
    """What a route requires of a verified token (the 权限 of Function 4.2.3, 认证).

    A token holds a scope when its ``scope`` claim, a space-separated string
    (RFC 8693 §4.2, RFC 9068 §2.2.3), lists it; it holds a role when its ``roles`` claim,
    a list of strings (RFC 9068 §2.2.3.1), does. The token must hold **every** scope
    listed and, when roles are listed, **at least one** of them (as ``@RolesAllowed``
    and Spring's ``hasAnyRole`` read a list of roles). ``Permission()`` requires nothing.

    Parameters
    ----------
    scopes : list of str
        Scopes the token must all hold; each an RFC 6749 §3.3 scope-token.
    roles : list of str
        Roles of which the token must hold one.

    Raises
    ------
    TheoryError
        When a scope or role is not a name, a scope holds a space, quote or backslash,
        or a name is listed twice.

    Examples
    --------
    >>> Permission(scopes=["orders:read"])
    Permission(scopes=('orders:read',), roles=())
    >>> authorize({"scope": "orders:read"}, Permission(scopes=["orders:read"])).status
    200

    References
    ----------
    .. [1] Function 4.2.3 of the theory (认证): identity and permissions (身份和权限).
    .. [2] RFC 6750 §3.1 (``insufficient_scope``); RFC 9068 §2.2.3 (scope and roles).
    """

    scopes: tuple[str, ...]
    roles: tuple[str, ...]

    def __init__(self, scopes: Iterable[str] = (), roles: Iterable[str] = ()) -> None:
        owner = "Permission"
        names = require_names(owner, "scopes", scopes)
        for scope in names:
            if not _SCOPE_TOKEN.fullmatch(scope):
                raise TheoryError(f"{owner}: scopes holds {scope!r}, which is not a scope "
                                  "(printable ASCII without spaces, quotes or backslashes)")
        object.__setattr__(self, "scopes", names)
        object.__setattr__(self, "roles", require_names(owner, "roles", roles))


def authorize(claims: Mapping[str, Any], permission: Permission) -> Decision:
    """Function 4.2.3 (认证), the permission half: do verified claims grant ``permission``?

    Parameters
    ----------
    claims : mapping
        The claims of a token already verified (:func:`authenticate` calls this).
    permission : Permission
        What the route requires.

    Returns
    -------
    Decision
        200 when every scope and one of the roles (if any) are held; otherwise 403 with
        ``error="insufficient_scope"``, a description naming what is missing, and the
        ``scope`` attribute listing the scopes the route requires (RFC 6750 §3). A
        ``scope`` claim that is not a string, or a ``roles`` claim that is not a list
        of strings, is a malformed token: 401 ``invalid_token``.

    Raises
    ------
    TheoryError
        When ``claims`` is not a mapping or ``permission`` not a Permission.

    Examples
    --------
    >>> need = Permission(scopes=["orders:read", "orders:write"])
    >>> authorize({"sub": "ann", "scope": "orders:read"}, need).reason
    'Bearer error="insufficient_scope", error_description="missing scope \
\\'orders:write\\'", scope="orders:read orders:write"'

    References
    ----------
    .. [1] RFC 6750, The OAuth 2.0 Authorization Framework: Bearer Token Usage, §3.
    """
    if not isinstance(claims, Mapping):
        raise TheoryError(f"authorize: claims must be a mapping, not {claims!r}")
    if not isinstance(permission, Permission):
        raise TheoryError(f"authorize: permission must be a Permission, not {permission!r}")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        return _refuse(f"the scope claim must be a string, not {_shown(scope)}")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        return _refuse(f"the roles claim must be a list of strings, not {_shown(roles)}")
    held = set(scope.split(" "))
    missing = [s for s in permission.scopes if s not in held]
    need = " ".join(permission.scopes)
    if missing:
        noun = "scope" if len(missing) == 1 else "scopes"
        listed = ", ".join(repr(s) for s in missing)
        return Decision(False, 403, _challenge("insufficient_scope",
                                               f"missing {noun} {listed}", need))
    if permission.roles and not set(roles) & set(permission.roles):
        listed = ", ".join(repr(r) for r in permission.roles)
        return Decision(False, 403, _challenge("insufficient_scope",
                                               f"requires one of the roles {listed}", need))
    subject = claims.get("sub")
    who = f" for subject {subject!r}" if isinstance(subject, str) else ""
    return Decision(True, 200, f"valid token{who}", dict(claims))


def _is_numeric_date(value: object) -> bool:
    """RFC 7519 §2: a NumericDate is a JSON number (not a bool, not NaN or infinite)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def check_times(claims: Mapping[str, Any], now: int | float, leeway: int | float = 0
                ) -> str | None:
    """Check ``exp``, ``nbf`` and ``iat`` against ``now``: None if they pass, else why not.

    The comparisons are PyJWT's, made exactly (on fractions, so no float rounding moves
    a boundary), with ``L`` the leeway:

    * ``exp``: refused when ``exp <= now - L``; the last accepted instant is just before
      ``exp + L`` (RFC 7519 §4.1.4: the current time MUST be before ``exp``);
    * ``nbf``: refused when ``nbf > now + L``; accepted from ``nbf - L`` on
      (RFC 7519 §4.1.5: the current time MUST be after or equal to ``nbf``);
    * ``iat``: refused when ``iat > now + L``, a token issued in the future.

    One departure: PyJWT truncates a claim with ``int()`` (so ``exp = 10.9`` acts as 10,
    and the string ``"10"`` passes); here a claim must be a finite JSON number and is
    compared as it is.

    Examples
    --------
    >>> check_times({"exp": 100}, now=99), check_times({"exp": 100}, now=100)
    (None, 'the token has expired')
    >>> check_times({"exp": 100}, now=104, leeway=5)
    """
    exact_now, slack = Fraction(now), Fraction(leeway)
    for claim in ("exp", "nbf", "iat"):
        if claim in claims and not _is_numeric_date(claims[claim]):
            return f"the {claim} claim must be a NumericDate, not {_shown(claims[claim])}"
    if "iat" in claims and Fraction(claims["iat"]) > exact_now + slack:
        return "the token was issued in the future (iat)"
    if "nbf" in claims and Fraction(claims["nbf"]) > exact_now + slack:
        return "the token is not yet valid (nbf)"
    if "exp" in claims and Fraction(claims["exp"]) <= exact_now - slack:
        return "the token has expired"
    return None


def _bearer_token(header: str) -> str | Decision:
    """The token of ``Bearer <token>``, or the decision that refuses the header."""
    if len(header) > MAX_HEADER:
        return _refuse(f"the Authorization header is longer than {MAX_HEADER} characters")
    scheme, space, rest = header.partition(" ")
    if not (scheme.isascii() and scheme.lower() == "bearer"):
        return Decision(False, 401, _challenge())
    if not space or not rest:
        return _refuse("no token follows the Bearer scheme")
    if rest.startswith(" "):
        return _refuse("exactly one space must separate Bearer and the token")
    if not _B64TOKEN.fullmatch(rest):
        if " " in rest.strip(" "):
            return _refuse("more than one token follows the Bearer scheme")
        return _refuse("the token holds characters outside the b64token set (RFC 6750 section 2.1)")
    return rest


def _canonical(segment: str) -> bytes | None:
    """The bytes of a base64url segment, or None unless it is their canonical spelling."""
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if base64.urlsafe_b64encode(data).rstrip(b"=").decode() == segment else None


def _refuse_structure(token: str, policy: TokenPolicy) -> Decision | None:
    """A refusal for a token that is not one compact JWS under the pinned algorithms."""
    segments = token.split(".")
    if len(segments) != 3:
        return _refuse(f"a JWT has 3 dot-separated segments, not {len(segments)}")
    raw = _canonical(segments[0])
    if raw is None:
        return _refuse("the header is not canonical base64url")
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError):
        return _refuse("the header is not JSON")
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return _refuse("the header must be a JSON object with an alg")
    alg = header["alg"]
    if alg.lower() == "none":
        return _refuse("alg none is refused: an unsigned token proves nothing")
    if alg not in policy.algorithms:
        return _refuse(f"alg {_shown(alg)} is not one of the pinned algorithms "
                       f"{', '.join(policy.algorithms)}")
    for name, segment in (("payload", segments[1]), ("signature", segments[2])):
        if _canonical(segment) is None:
            return _refuse(f"the {name} is not canonical base64url")
    return None


_PYJWT_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.InvalidSignatureError, "the signature does not verify"),
    (jwt.InvalidAudienceError, "the token is not meant for this audience (aud)"),
    (jwt.InvalidIssuerError, "the token was not issued by a trusted issuer (iss)"),
)


def authenticate(authorization_header: str | None, policy: TokenPolicy,
                 now: int | float, *, permission: Permission | None = None) -> Decision:
    """Function 4.2.3 (认证): verify a request's identity and permissions from its token.

    The header is read strictly as ``Bearer <token>``: the scheme case-insensitively
    (RFC 7235 §2.1: an auth-scheme is a case-insensitive token), then **exactly one**
    space (RFC 6750 §2.1 allows several; one is what every client sends, and anything
    else is refused rather than guessed at), then one b64token, nothing after it. A header
    longer than :data:`MAX_HEADER` is refused unread.

    The checks run in this order, and the first that fails gives the reason: the header;
    the token's structure (three canonical base64url segments, a JSON header with an
    ``alg`` that is not ``none`` and is pinned by the policy); then PyJWT's ``decode``
    (signature, required claims, ``iss``, ``aud``, ``sub`` and ``jti`` types); then
    :func:`check_times` against ``now``; then :func:`authorize` with ``permission``.

    Parameters
    ----------
    authorization_header : str or None
        The ``Authorization`` header's value; None or "" when the request has none.
    policy : TokenPolicy
        The pinned key, algorithms and expected claims.
    now : int or float
        The current time, in seconds since the epoch (no clock is read).
    permission : Permission, optional
        What the route requires of a valid token; None requires nothing.

    Returns
    -------
    Decision
        ``Decision(True, 200, "valid token for subject 'ann'")`` with the claims;
        ``Decision(False, 401, "Bearer")`` without Bearer credentials (RFC 6750 §3.1: no
        error code); ``Decision(False, 401, 'Bearer error="invalid_token",
        error_description="..."')`` for a token refused; 403 from :func:`authorize`.

    Raises
    ------
    TheoryError
        When the header is neither a string nor None, ``policy`` is not a TokenPolicy,
        ``now`` not a non-negative finite number, or ``permission`` not a Permission.

    Examples
    --------
    >>> policy = TokenPolicy(b"s" * 32, ["HS256"], audience="shop")
    >>> token = jwt.encode({"sub": "ann", "aud": "shop", "exp": 1_000}, b"s" * 32)
    >>> authenticate(f"Bearer {token}", policy, now=999)
    Decision(allowed=True, status=200, reason="valid token for subject 'ann'")
    >>> authenticate(f"Bearer {token}", policy, now=1_000).reason
    'Bearer error="invalid_token", error_description="the token has expired"'
    >>> authenticate("Basic YW5uOnB3", policy, now=999)
    Decision(allowed=False, status=401, reason='Bearer')

    References
    ----------
    .. [1] Function 4.2.3 of the theory (认证): verify the client's identity and
       permissions.
    .. [2] RFC 8725, JSON Web Token Best Current Practices.
    .. [3] RFC 6750, Bearer Token Usage, §2.1 (the header) and §3 (the challenge).
    .. [4] RFC 7519, JSON Web Token, §4.1 (exp, nbf, iat, aud, iss).
    """
    owner = "authenticate"
    if authorization_header is not None and not isinstance(authorization_header, str):
        raise TheoryError(f"{owner}: authorization_header must be a string or None, "
                          f"not {_shown(authorization_header)}")
    if not isinstance(policy, TokenPolicy):
        raise TheoryError(f"{owner}: policy must be a TokenPolicy, not {policy!r}")
    require_number(owner, "now", now, unit="seconds")
    if permission is not None and not isinstance(permission, Permission):
        raise TheoryError(f"{owner}: permission must be a Permission, not {permission!r}")
    if not authorization_header:
        return Decision(False, 401, _challenge())
    token = _bearer_token(authorization_header)
    if isinstance(token, Decision):
        return token
    refused = _refuse_structure(token, policy)
    if refused is not None:
        return refused
    try:
        claims = jwt.decode(
            token, policy.key, algorithms=list(policy.algorithms),
            audience=list(policy.audience) if policy.audience is not None else None,
            issuer=list(policy.issuer) if policy.issuer is not None else None,
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                     "require": list(policy.required)})
    except jwt.MissingRequiredClaimError as error:
        return _refuse(f"the token lacks the required claim {error.claim!r}")
    except jwt.InvalidTokenError as error:
        for kind, why in _PYJWT_REASONS:
            if isinstance(error, kind):
                return _refuse(why)
        return _refuse(f"the token is malformed ({error})")
    if not isinstance(claims, dict):
        return _refuse("the payload must be a JSON object")
    late = check_times(claims, now, policy.leeway)
    if late is not None:
        return _refuse(late)
    return authorize(claims, permission if permission is not None else Permission())
