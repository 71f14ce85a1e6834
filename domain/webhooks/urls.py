"""Which URLs may receive webhooks (issue 16 point 5, "Bad input and denials").

In production a URL must be https and every address its host resolves to must be public: never
loopback, private (RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254),
unspecified, multicast or reserved, so a district administrator cannot aim Homeroom at its own
network. The check runs when an endpoint is saved and again before every send, and the send then
connects to the very address it checked (``Vetted.connect_url``): a host that resolves to a public
address at registration and to 127.0.0.1 later (DNS rebinding) is refused, not reached.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import urllib.parse

from domain.webhooks.config import UrlPolicy

MAX_URL_LENGTH = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(Exception):
    """The URL may not receive webhooks; the message says why (and never echoes a secret)."""


@dataclasses.dataclass(frozen=True)
class Vetted:
    """A URL that passed, with the address a send connects to."""

    url: str
    scheme: str
    host: str
    address: IpAddress

    @property
    def connect_url(self) -> str:
        """The URL with its host replaced by the checked address (the Host header and TLS SNI keep the name)."""
        parts = urllib.parse.urlsplit(self.url)
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))

    @property
    def host_header(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return parts.netloc.rsplit("@", 1)[-1]


#: IPv6 ranges that carry an IPv4 address inside (NAT64, 6to4, the deprecated IPv4-compatible
#: form): the address they wrap is checked instead, so a wrapped loopback or metadata address is refused.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _unwrapped(address: IpAddress) -> IpAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64 or address in _IPV4_COMPATIBLE:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_public(address: IpAddress) -> bool:
    """Globally routable unicast: what a production webhook may reach (an IPv4 address wrapped in
    IPv6 is judged as itself)."""
    address = _unwrapped(address)
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to (a literal address is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused("The host name does not resolve.") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))


def check_shape(url: str, policy: UrlPolicy) -> urllib.parse.SplitResult:
    """What can be said without the network: length, scheme, a host, no credentials or fragment."""
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise UrlRefused("The URL is not valid.") from None
    if parts.scheme not in ("https", "http"):
        raise UrlRefused("The URL must start with https://.")
    if parts.scheme == "http" and policy.require_https and not policy.allow_private:
        raise UrlRefused("The URL must use https.")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("The URL may not carry a user name or password; the signature authenticates Homeroom.")
    if parts.fragment:
        raise UrlRefused("The URL may not have a #fragment.")
    return parts


def vet(url: str, policy: UrlPolicy) -> Vetted:
    """The URL and the address to connect to, or UrlRefused: run when saving and before each send."""
    parts = check_shape(url, policy)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise UrlRefused("The host name does not resolve.")
    private = [address for address in addresses if not is_public(address)]
    if private and not policy.allow_private:
        raise UrlRefused("The URL points at a loopback, private, link-local or unspecified address.")
    if parts.scheme == "http" and policy.require_https and len(private) != len(addresses):
        raise UrlRefused("The URL must use https.")
    return Vetted(url=url, scheme=parts.scheme, host=parts.hostname, address=addresses[0])
