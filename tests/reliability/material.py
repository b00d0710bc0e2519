"""Credentials the tests make for themselves: nkeys, an operator/account/user JWT chain, a CA and certificates.

JWTs are built by hand as the NATS JWT v2 format defines them: a header
``{"typ": "JWT", "alg": "ed25519-nkey"}``, claims with ``iss`` (the issuer's
public nkey), ``sub`` (the subject's public nkey), ``jti`` (a hash of the
claims) and ``nats`` (the claim type and its limits), signed with the
issuer's ed25519 nkey; base64url without padding throughout.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nkeys

UNLIMITED = -1


def new_keypair(prefix: int) -> nkeys.KeyPair:
    return nkeys.from_seed(nkeys.encode_seed(os.urandom(32), prefix))


def user_nkey() -> tuple[str, str]:
    """(seed, public key) of a new user nkey."""
    kp = new_keypair(nkeys.PREFIX_BYTE_USER)
    return kp.seed.decode(), kp.public_key.decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_jwt(claims: dict[str, Any], issuer: nkeys.KeyPair) -> str:
    claims = dict(claims, iat=int(time.time()), iss=issuer.public_key.decode())
    claims["jti"] = (
        base64.b32encode(hashlib.sha256(json.dumps(claims, sort_keys=True).encode()).digest()).decode().rstrip("=")
    )
    header = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = issuer.sign(f"{header}.{body}".encode())
    return f"{header}.{body}.{_b64(signature)}"


def account_limits(jetstream: bool) -> dict[str, Any]:
    limits: dict[str, Any] = {
        "subs": UNLIMITED,
        "data": UNLIMITED,
        "payload": UNLIMITED,
        "imports": UNLIMITED,
        "exports": UNLIMITED,
        "wildcards": True,
        "conn": UNLIMITED,
        "leaf": UNLIMITED,
    }
    if jetstream:
        limits.update(
            {"mem_storage": UNLIMITED, "disk_storage": UNLIMITED, "streams": UNLIMITED, "consumer": UNLIMITED}
        )
    return limits


@dataclass
class Operator:
    """An operator with a system account and one account for users; ``server_config`` trusts it."""

    operator: nkeys.KeyPair
    operator_jwt: str
    system: nkeys.KeyPair
    system_jwt: str
    account: nkeys.KeyPair
    account_jwt: str

    @classmethod
    def create(cls, jetstream: bool = True) -> Operator:
        op = new_keypair(nkeys.PREFIX_BYTE_OPERATOR)
        op_jwt = encode_jwt(
            {"sub": op.public_key.decode(), "name": "natstui-op", "nats": {"type": "operator", "version": 2}}, op
        )
        sys_kp = new_keypair(nkeys.PREFIX_BYTE_ACCOUNT)
        sys_jwt = encode_jwt(
            {
                "sub": sys_kp.public_key.decode(),
                "name": "SYS",
                "nats": {"type": "account", "version": 2, "limits": account_limits(False)},
            },
            op,
        )
        acct = new_keypair(nkeys.PREFIX_BYTE_ACCOUNT)
        acct_jwt = encode_jwt(
            {
                "sub": acct.public_key.decode(),
                "name": "APP",
                "nats": {"type": "account", "version": 2, "limits": account_limits(jetstream)},
            },
            op,
        )
        return cls(op, op_jwt, sys_kp, sys_jwt, acct, acct_jwt)

    def server_config(self) -> str:
        return (
            f"operator: {self.operator_jwt}\n"
            f"system_account: {self.system.public_key.decode()}\n"
            "resolver: MEMORY\n"
            "resolver_preload: {\n"
            f"  {self.system.public_key.decode()}: {self.system_jwt}\n"
            f"  {self.account.public_key.decode()}: {self.account_jwt}\n"
            "}\n"
        )

    def user_creds(self, name: str = "natstui-user", signer: nkeys.KeyPair | None = None) -> str:
        """The text of a ``.creds`` file for a new user of the account (signed by ``signer`` if given)."""
        user = new_keypair(nkeys.PREFIX_BYTE_USER)
        jwt = encode_jwt(
            {
                "sub": user.public_key.decode(),
                "name": name,
                "nats": {
                    "type": "user",
                    "version": 2,
                    "pub": {},
                    "sub": {},
                    "subs": UNLIMITED,
                    "data": UNLIMITED,
                    "payload": UNLIMITED,
                },
            },
            signer or self.account,
        )
        return (
            "-----BEGIN NATS USER JWT-----\n"
            f"{jwt}\n"
            "------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            "-----BEGIN USER NKEY SEED-----\n"
            f"{user.seed.decode()}\n"
            "------END USER NKEY SEED------\n\n"
            "*************************************************************\n"
        )


@dataclass
class Certificates:
    """Paths of a CA, a server certificate for 127.0.0.1/localhost, and a client certificate, all PEM."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed none of them

    def server_tls(self, verify: bool = False) -> str:
        lines = [
            f"  cert_file: {json.dumps(str(self.server_cert))}",
            f"  key_file: {json.dumps(str(self.server_key))}",
            f"  ca_file: {json.dumps(str(self.ca))}",
            "  timeout: 2",
        ]
        if verify:
            lines.append("  verify: true")
        return "tls {\n" + "\n".join(lines) + "\n}\n"


def make_certificates(directory: Path) -> Certificates:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write_key(path: Path, k) -> Path:
        path.write_bytes(
            k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        return path

    def write_cert(path: Path, cert) -> Path:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path

    def make_ca(cn: str):
        k = key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(name(cn))
            .public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()), critical=False)
            .sign(k, hashes.SHA256())
        )
        return k, cert

    def leaf(cn: str, ca_key, ca_cert, usage, sans=None):
        k = key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(ca_cert.subject)
            .public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return k, builder.sign(ca_key, hashes.SHA256())

    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = make_ca("natstui test CA")
    other_key, other_cert = make_ca("natstui unrelated CA")
    s_key, s_cert = leaf(
        "127.0.0.1",
        ca_key,
        ca_cert,
        ExtendedKeyUsageOID.SERVER_AUTH,
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )
    c_key, c_cert = leaf("natstui client", ca_key, ca_cert, ExtendedKeyUsageOID.CLIENT_AUTH)
    return Certificates(
        ca=write_cert(directory / "ca.pem", ca_cert),
        server_cert=write_cert(directory / "server.pem", s_cert),
        server_key=write_key(directory / "server-key.pem", s_key),
        client_cert=write_cert(directory / "client.pem", c_cert),
        client_key=write_key(directory / "client-key.pem", c_key),
        other_ca=write_cert(directory / "other-ca.pem", other_cert),
    )
