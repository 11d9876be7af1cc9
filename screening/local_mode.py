"""Whether local mode may sign anyone in, given where the server listens.

Local mode (no OpenID Connect sign-in configured) takes a typed name on trust, a psychiatrist's
included. That is acceptable only at the computer the app runs on: so local sign-in is offered
only while the server listens on a loopback address (`.streamlit/config.toml` sets
``server.address = "127.0.0.1"``). An app that listens on the network needs real sign-in; a clinic
that decides otherwise says so in its clinic file with `allow_unauthenticated_network_access`.

The decision is a pure function of the server address, the clinic settings and whether OpenID
Connect is configured, so it is tested without Streamlit; the sign-in screen (`ui.auth`) asks it.
"""

from __future__ import annotations

import ipaddress

from screening.config import ClinicSettings

LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})
"""Host names that mean this computer only (besides loopback addresses such as 127.0.0.1, ::1)."""


def is_loopback(address: str | None) -> bool:
    """Whether a server listening on `address` is reachable from this computer only.

    None or an empty address is every network interface (Streamlit's default), as are 0.0.0.0 and
    ::. A host name other than localhost, or a Unix socket (which a web server in front of it
    usually serves to the network), is not known to be local and counts as reachable from outside.
    """
    if address is None:
        return False
    host = address.strip()
    if host.casefold() in LOOPBACK_NAMES:
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def _shown(address: str | None) -> str:
    if address is None or not address.strip():
        return "every network interface (no server address is set)"
    return f"the address {address.strip()}"


def local_sign_in_refusal(address: str | None, clinic: ClinicSettings, oidc: bool) -> str | None:
    """Why local sign-in is refused on a server listening on `address`, in words for the person at
    the sign-in screen and the administrator; None when it is allowed.

    Allowed when OpenID Connect is configured (local mode is not used then), when the address is a
    loopback address, or when the clinic file sets `allow_unauthenticated_network_access`.
    """
    if oidc or is_loopback(address) or clinic.allow_unauthenticated_network_access:
        return None
    return (
        f"This app listens on {_shown(address)}, so other computers on the network can reach it,"
        " and no sign-in is configured: anyone could type any name and act as a psychiatrist. Local"
        " sign-in is therefore switched off. The administrator either configures OpenID Connect"
        " sign-in in .streamlit/secrets.toml (see README, Configuration), or runs the app for this"
        ' computer only (server.address = "127.0.0.1" in .streamlit/config.toml, as shipped).'
    )
