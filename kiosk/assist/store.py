"""The store's side of the assist channel: its CA, certificates, broker users, ACLs and mosquitto config.

``kiosk store init DIR --store ID --lane L1 --lane L2 --broker-host H`` calls :func:`init_store` and prints
:func:`describe`. Everything is made here with the ``cryptography`` package (no openssl, no mosquitto_passwd), in
one directory that stays on the store server::

    DIR/store.json               the store id, host names, broker port and broker user (a rerun keeps them)
    DIR/ca.key, ca.crt           the store CA (EC P-256, 10 years): signs the broker's and the console's certificate
    DIR/broker.key, broker.crt   the broker's TLS certificate, its host names and addresses as SANs
    DIR/console.key, console.crt the console's TLS certificate (https for the attendants' phones and tablets)
    DIR/command.key              32 random bytes, hex: consoles sign attendants' commands with it, lanes check them
    DIR/lanes/<lane>.password    one broker user per lane (user name = lane id)
    DIR/consoles/<name>.password one broker user per console
    DIR/mosquitto/mosquitto.conf the broker's config: TLS listener, no anonymous users, password file, ACL, persistence
    DIR/mosquitto/passwd         mosquitto's own PBKDF2-SHA512 format (``$7$``), as mosquitto_passwd writes it
    DIR/mosquitto/acl            each lane writes only its own state/alert/ack and reads only its own commands;
                                 consoles read every lane's state/alert/ack and write commands
    DIR/mosquitto/data/          mosquitto's persistence (retained lane states, sessions) across broker restarts

Keys, passwords and the command key are created with mode 0600 and never overwritten. Running init again is safe:
it keeps the CA, the keys and every password, adds what is missing (new lanes and consoles join the ones already
there), issues a certificate again only when its host names changed or it expires within 60 days, and rewrites
the mosquitto files. To remove a lane, delete its password file and run init again. The paths in mosquitto.conf
are absolute: after moving the directory, run init again. Mosquitto started as root (Debian's service) drops to the
user ``mosquitto`` before it reads its password file and key and writes its persistence: ``broker_user`` hands
those files to that user (init then needs root).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import pwd
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kiosk.assist.protocol import PREFIX, valid_name

DEFAULT_HOSTS = ("localhost", "127.0.0.1")
DEFAULT_PORT = 8883
CA_DAYS = 3652                 # ten years
LEAF_DAYS = 825                # the longest Apple devices accept for a TLS server certificate from a private CA
RENEW_DAYS = 60                # a rerun issues a certificate again when it expires within this many days
PBKDF2_ITERATIONS = 1000       # mosquitto_passwd writes 101; the passwords are random, the count is for form
LANE_TOPICS_WRITE = ("state", "alert", "ack")
CONSOLE_TOPICS_READ = ("state", "alert", "ack")

_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)*\.?$")


@dataclass(frozen=True)
class StoreFiles:
    """Where :func:`init_store` put everything, and what it did this time (for :func:`describe`)."""

    directory: Path
    store: str
    lanes: tuple[str, ...]
    consoles: tuple[str, ...]
    broker_hosts: tuple[str, ...]
    console_hosts: tuple[str, ...]
    port: int
    plain_port: int | None = None
    broker_user: str | None = None     # who owns the broker's files (the user mosquitto runs as)
    created: tuple[Path, ...] = ()     # made by this run (keys, certificates, passwords)
    reissued: tuple[Path, ...] = ()    # certificates issued again by this run (host names changed, or expiring)

    def path(self, name: str) -> Path:
        return self.directory / name

    ca_key = property(lambda self: self.path("ca.key"))
    ca_cert = property(lambda self: self.path("ca.crt"))
    broker_key = property(lambda self: self.path("broker.key"))
    broker_cert = property(lambda self: self.path("broker.crt"))
    console_key = property(lambda self: self.path("console.key"))
    console_cert = property(lambda self: self.path("console.crt"))
    command_key = property(lambda self: self.path("command.key"))
    store_json = property(lambda self: self.path("store.json"))
    mosquitto_dir = property(lambda self: self.path("mosquitto"))
    mosquitto_conf = property(lambda self: self.path("mosquitto/mosquitto.conf"))
    passwd = property(lambda self: self.path("mosquitto/passwd"))
    acl = property(lambda self: self.path("mosquitto/acl"))
    persistence_dir = property(lambda self: self.path("mosquitto/data"))

    def lane_password(self, lane: str) -> Path:
        return self.directory / "lanes" / f"{lane}.password"

    def console_password(self, name: str) -> Path:
        return self.directory / "consoles" / f"{name}.password"

    def password(self, user: str) -> str:
        """The broker password of a lane or a console."""
        path = self.lane_password(user) if user in self.lanes else self.console_password(user)
        return path.read_text(encoding="utf-8").strip()

    @property
    def broker_url(self) -> str:
        """``mqtts://<first broker host>:<port>``: where lanes and consoles reach the broker."""
        host = self.broker_hosts[0]
        return f"mqtts://[{host}]:{self.port}" if ":" in host else f"mqtts://{host}:{self.port}"


# --------------------------------------------------------------------------------------------------------- init

def init_store(directory: str | os.PathLike, store_id: str, lanes: Iterable[str], *,
               broker_hosts: Sequence[str] | None = None, console_hosts: Sequence[str] | None = None,
               consoles: Iterable[str] = ("console",), port: int | None = None, plain_port: int | None = None,
               broker_user: str | None = None, now: dt.datetime | None = None) -> StoreFiles:
    """Create (or complete) the store's assist files in ``directory``; see the module docstring for what and where.

    ``broker_hosts`` / ``console_hosts``: the names and addresses lanes and attendants' devices use to reach the
    broker and the console (the certificates' SANs; the first broker host goes into the lanes' ``bus``). ``None``
    keeps those of an earlier run, else ``localhost`` and ``127.0.0.1``; the same for ``port`` (else 8883).
    ``lanes`` and ``consoles`` are added to those already there. ``plain_port`` adds a plain MQTT listener on
    127.0.0.1 for tests (users and ACL apply there too). ``broker_user`` (needs root; ``None`` keeps an earlier
    run's): the user mosquitto runs as (Debian's service starts as root and drops to ``mosquitto``, then reads its
    password file and key and writes its persistence); the broker's files are handed to that user.
    ValueError says what is wrong with an argument.
    """
    root = Path(directory).expanduser().resolve()
    now = now or dt.datetime.now(dt.timezone.utc)
    if not valid_name(store_id):
        raise ValueError(f"store id {store_id!r} is not usable: letters, digits, '_', '.' or '-' (at most 64, "
                         "not starting with a sign)")
    lanes, consoles = _names(lanes, "lane"), _names(consoles, "console")
    previous = _read_json(root / "store.json")
    if previous and previous.get("store") != store_id:
        raise ValueError(f"{root} holds the files of store {previous.get('store')!r}, not {store_id!r} "
                         "(use another directory)")
    broker_hosts = _hosts(broker_hosts if broker_hosts is not None else previous.get("broker_hosts", DEFAULT_HOSTS),
                          "broker")
    console_hosts = _hosts(console_hosts if console_hosts is not None
                           else previous.get("console_hosts", DEFAULT_HOSTS), "console")
    port = port if port is not None else previous.get("port", DEFAULT_PORT)
    broker_user = broker_user if broker_user is not None else previous.get("broker_user")
    owner = _user(broker_user) if broker_user else None
    if owner is not None and os.geteuid() not in (0, owner[0]):
        raise ValueError(f"handing the broker's files to user {broker_user!r} needs root: run `kiosk store init` "
                         "with sudo")
    for what, value in (("port", port), ("plain port", plain_port)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536):
            raise ValueError(f"the broker's {what} must be a number from 1 to 65535, not {value!r}")
    if plain_port == port:
        raise ValueError(f"the plain test listener cannot share the TLS port {port}")

    if not root.exists():
        root.mkdir(parents=True)
        os.chmod(root, 0o755)    # the secrets inside are 0600 each; the broker's user must pass through
    (root / "lanes").mkdir(exist_ok=True)
    (root / "consoles").mkdir(exist_ok=True)
    (root / "mosquitto" / "data").mkdir(parents=True, exist_ok=True)
    lanes = _merge(lanes, _existing(root / "lanes"))
    consoles = _merge(consoles, _existing(root / "consoles"))
    both = sorted(set(lanes) & set(consoles))
    if both:
        raise ValueError(f"{both[0]!r} is both a lane and a console: each needs its own broker user")

    created: list[Path] = []
    reissued: list[Path] = []
    ca_key, ca_cert = _ca(root, store_id, now, created)
    for name, hosts in (("broker", broker_hosts), ("console", console_hosts)):
        _leaf(root, name, f"{name} of store {store_id}", hosts, ca_key, ca_cert, now, created, reissued)
    if _write_new(root / "command.key", secrets.token_bytes(32).hex() + "\n", 0o600):
        created.append(root / "command.key")
    for folder, names in (("lanes", lanes), ("consoles", consoles)):
        for name in names:
            path = root / folder / f"{name}.password"
            if _write_new(path, secrets.token_urlsafe(32) + "\n", 0o600):
                created.append(path)

    files = StoreFiles(directory=root, store=store_id, lanes=lanes, consoles=consoles, broker_hosts=broker_hosts,
                       console_hosts=console_hosts, port=port, plain_port=plain_port,
                       broker_user=broker_user, created=tuple(created),
                       reissued=tuple(reissued))
    _write(files.store_json, json.dumps({"store": store_id, "broker_hosts": list(broker_hosts),
                                         "console_hosts": list(console_hosts), "port": port,
                                         "broker_user": broker_user}, indent=2) + "\n", 0o644)
    _write(files.passwd, _passwd_text(files), 0o600)
    _write(files.acl, acl_text(files.store, files.lanes, files.consoles), 0o644)
    _write(files.mosquitto_conf, mosquitto_conf_text(files), 0o644)
    if owner is not None:
        _hand_over(files, broker_user, owner)
    return files


def _user(name: str) -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"broker user {name!r} does not exist on this machine (Debian's mosquitto runs as "
                         "'mosquitto')") from None
    return entry.pw_uid, entry.pw_gid


def _hand_over(files: StoreFiles, name: str, owner: tuple[int, int]) -> None:
    """Give the broker's own files to the user mosquitto runs as (its key, passwords, ACL, persistence)."""
    paths = [files.broker_key, files.broker_cert, files.mosquitto_dir, files.mosquitto_conf, files.passwd,
             files.acl, files.persistence_dir, *files.persistence_dir.iterdir()]
    try:
        for path in paths:
            os.chown(path, *owner)
    except PermissionError:
        raise ValueError(f"handing the broker's files to user {name!r} needs root: run `kiosk store init` with "
                         "sudo") from None


def _names(names: Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for name in names:
        if not valid_name(name):
            raise ValueError(f"{what} id {name!r} is not usable: letters, digits, '_', '.' or '-' (at most 64, "
                             "not starting with a sign)")
        if name not in out:
            out.append(name)
    return tuple(out)


def _existing(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix(".password") for p in folder.glob("*.password")
                        if valid_name(p.name.removesuffix(".password"))))


def _merge(given: tuple[str, ...], existing: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(given) | set(existing)))


def _hosts(hosts: Sequence[str] | str, what: str) -> tuple[str, ...]:
    if isinstance(hosts, str):
        hosts = [hosts]
    out: list[str] = []
    for host in hosts:
        if not isinstance(host, str) or not (_is_ip(host) or _HOST.match(host)):
            raise ValueError(f"{what} host {host!r} is neither a host name nor an IP address")
        if host not in out:
            out.append(host)
    if not out:
        raise ValueError(f"at least one {what} host is needed (a name or an address lanes can reach)")
    return tuple(out)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise ValueError(f"{path} is damaged ({exc}); fix it or remove it") from None
    return data if isinstance(data, dict) else {}


# ----------------------------------------------------------------------------------------------------- files

def _write(path: Path, text: str, mode: int) -> None:
    """Replace ``path`` atomically; the new file has ``mode`` from its first byte (no moment of a wider mode)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)              # the umask may have narrowed it
    os.replace(tmp, path)


def _write_new(path: Path, text: str, mode: int) -> bool:
    """Write ``path`` unless it exists (keys and passwords are never replaced); True if it was written."""
    if path.exists():
        return False
    _write(path, text, mode)
    return True


# ------------------------------------------------------------------------------------------------- certificates

def _ca(root: Path, store_id: str, now: dt.datetime, created: list[Path]):
    """The store CA's key and certificate: kept when there, made when not."""
    key_path, cert_path = root / "ca.key", root / "ca.crt"
    if cert_path.exists() and not key_path.exists():
        raise ValueError(f"{cert_path} exists but {key_path} is missing: restore ca.key from a backup, or remove "
                         "ca.crt to make a new CA (then every lane needs the new ca.crt)")
    key = _key(key_path, created)
    if cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.public_key().public_numbers() == key.public_key().public_numbers():
            return key, cert
        raise ValueError(f"{cert_path} does not belong to {key_path}: restore the pair from a backup")
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kiosk self-checkout"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"kiosk store {store_id} CA")])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(key, hashes.SHA256()))
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), 0o644)
    created.append(cert_path)
    return key, cert


def _key(path: Path, created: list[Path]) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC private key as `kiosk store init` makes them")
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write(path, pem.decode("ascii"), 0o600)
    created.append(path)
    return key


def _sans(hosts: Sequence[str]) -> list[x509.GeneralName]:
    return [x509.IPAddress(ipaddress.ip_address(h)) if _is_ip(h) else x509.DNSName(h) for h in hosts]


def cert_hosts(cert: x509.Certificate) -> set[str]:
    """The DNS names and IP addresses a certificate is valid for."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return set(san.get_values_for_type(x509.DNSName)) | {str(a) for a in san.get_values_for_type(x509.IPAddress)}


def _leaf(root: Path, name: str, title: str, hosts: Sequence[str], ca_key, ca_cert: x509.Certificate,
          now: dt.datetime, created: list[Path], reissued: list[Path]) -> None:
    """``<name>.key`` (kept) and ``<name>.crt``, issued again when missing, for other hosts, another CA, or expiring."""
    cert_path = root / f"{name}.crt"
    key = _key(root / f"{name}.key", created)
    if cert_path.exists():
        old = x509.load_pem_x509_certificate(cert_path.read_bytes())
        fine = (old.issuer == ca_cert.subject and _signed_by(old, ca_cert)
                and old.public_key().public_numbers() == key.public_key().public_numbers()
                and cert_hosts(old) == {str(ipaddress.ip_address(h)) if _is_ip(h) else h for h in hosts}
                and old.not_valid_after_utc - now > dt.timedelta(days=RENEW_DAYS))
        if fine:
            return
        reissued.append(cert_path)
    else:
        created.append(cert_path)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kiosk self-checkout"),
                         x509.NameAttribute(NameOID.COMMON_NAME, hosts[0][:64]),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, title[:64])])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(min(now + dt.timedelta(days=LEAF_DAYS), ca_cert.not_valid_after_utc))
            .add_extension(x509.SubjectAlternativeName(_sans(hosts)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_agreement=True, key_cert_sign=False,
                                         crl_sign=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), 0o644)


def _signed_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


# ---------------------------------------------------------------------------------------------------- mosquitto

def mosquitto_hash(password: str, *, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """``$7$<iterations>$<salt>$<hash>``: mosquitto's PBKDF2-SHA512 password hash (mosquitto_passwd's default
    since 2.0), salt 12 random bytes and hash 64 bytes, both base64."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode('ascii')}${base64.b64encode(digest).decode('ascii')}"


def mosquitto_check(password: str, hashed: str) -> bool:
    """True if ``hashed`` (a ``$7$`` entry) is the hash of ``password``."""
    try:
        _, kind, iterations, salt, digest = hashed.split("$")
        if kind != "7":
            return False
        expected = base64.b64decode(digest, validate=True)
        got = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), base64.b64decode(salt, validate=True),
                                  int(iterations), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _passwd_text(files: StoreFiles) -> str:
    """The password file; a user's line is kept when it still matches their password (no churn on reruns)."""
    old: dict[str, str] = {}
    if files.passwd.exists():
        for line in files.passwd.read_text(encoding="utf-8").splitlines():
            user, sep, hashed = line.partition(":")
            if sep:
                old[user] = hashed
    lines = []
    for user in (*files.lanes, *files.consoles):
        password = files.password(user)
        hashed = old.get(user, "")
        lines.append(f"{user}:{hashed if mosquitto_check(password, hashed) else mosquitto_hash(password)}")
    return "\n".join(lines) + ("\n" if lines else "")


def acl_text(store: str, lanes: Sequence[str], consoles: Sequence[str]) -> str:
    """mosquitto's ACL: every user gets exactly the topics the protocol gives its role, nothing else."""
    base = f"{PREFIX}/{store}"
    out = [f"# Assist channel of store {store}, written by `kiosk store init` (rewritten on every run).",
           "# A lane writes only its own state, alert and ack and reads only its own commands;",
           "# a console reads every lane's state, alert and ack and writes commands. Nothing else.", ""]
    for lane in lanes:
        out.append(f"user {lane}")
        out += [f"topic write {base}/{lane}/{kind}" for kind in LANE_TOPICS_WRITE]
        out += [f"topic read {base}/{lane}/command", ""]
    for console in consoles:
        out.append(f"user {console}")
        out += [f"topic read {base}/+/{kind}" for kind in CONSOLE_TOPICS_READ]
        out += [f"topic write {base}/+/command", ""]
    return "\n".join(out)


def mosquitto_conf_text(files: StoreFiles) -> str:
    """The broker's configuration (absolute paths into the store directory)."""
    m = files.mosquitto_dir
    lines = [
        f"# mosquitto for the assist channel of store {files.store}, written by `kiosk store init`.",
        "# Rewritten on every run: change init's options rather than this file. Paths are absolute;",
        "# after moving the directory, run `kiosk store init` again. Run: mosquitto -c <this file>",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {m / 'passwd'}",
        f"acl_file {m / 'acl'}",
        "",
        "# retained lane states and the consoles' sessions survive a broker restart",
        "persistence true",
        f"persistence_location {files.persistence_dir}/",
        "autosave_interval 60",
        "persistent_client_expiration 14d",
        "# a state or an alert with its camera still stays well below (kiosk/assist/protocol.py MAX_MESSAGE)",
        "max_packet_size 1048576",
        "# small messages that must arrive at once: no Nagle delay (it cost ~50 ms per command in bench_assist)",
        "set_tcp_nodelay true",
        "# a console that stalls for a while must not lose alerts (the default, 1000, is a few seconds of 64 lanes)",
        "max_queued_messages 20000",
        "",
        "# lanes and consoles: MQTT over TLS, the broker's certificate signed by the store CA",
        f"listener {files.port}",
        f"cafile {files.ca_cert}",
        f"certfile {files.broker_cert}",
        f"keyfile {files.broker_key}",
    ]
    if files.plain_port is not None:
        lines += ["", "# plain MQTT on the loopback interface only, for tests (the same users and ACL)",
                  f"listener {files.plain_port} 127.0.0.1"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------- for people

def lane_assist_snippet(files: StoreFiles, lane: str) -> str:
    """The ``[assist]`` section a technician pastes into ``lane``'s kiosk.toml."""
    if lane not in files.lanes:
        raise ValueError(f"lane {lane!r} is not one of store {files.store}'s lanes ({', '.join(files.lanes)})")
    return "\n".join([
        f"# Lane {lane} of store {files.store}: the store's broker. Copy these files from the store server into",
        "# an assist/ folder next to this kiosk.toml (paths here are relative to it), readable by the kiosk user only:",
        f"#   {files.ca_cert}  ->  assist/ca.crt",
        f"#   {files.command_key}  ->  assist/command.key",
        f"#   {files.lane_password(lane)}  ->  assist/{lane}.password",
        f"# and check [store] id = \"{files.store}\" and [lane] id = \"{lane}\".",
        "[assist]",
        f"bus = \"{files.broker_url}\"",
        f"username = \"{lane}\"",
        f"password_file = \"assist/{lane}.password\"",
        "ca_file = \"assist/ca.crt\"",
        "command_key_file = \"assist/command.key\"",
        "",
    ])


def console_assist_snippet(files: StoreFiles, console: str | None = None) -> str:
    """The ``[assist]`` section of the config ``kiosk console`` runs with on the store server (absolute paths)."""
    console = console or files.consoles[0]
    if console not in files.consoles:
        raise ValueError(f"console {console!r} is not one of store {files.store}'s consoles")
    return "\n".join([
        f"# The attendant console {console!r} of store {files.store} (runs on the store server, files in place).",
        "[assist]",
        f"bus = \"{files.broker_url}\"",
        f"username = \"{console}\"",
        "console = \"0.0.0.0:8443\"           # https for the attendants' phones and tablets on the store's network",
        f"password_file = \"{files.console_password(console)}\"",
        f"ca_file = \"{files.ca_cert}\"",
        f"cert_file = \"{files.console_cert}\"",
        f"key_file = \"{files.console_key}\"",
        f"command_key_file = \"{files.command_key}\"",
        "",
    ])


def _owner_lines(files: StoreFiles) -> list[str]:
    if files.broker_user:
        return [f"  The broker's key, password file, ACL and persistence belong to user {files.broker_user!r}."]
    return ["  Started as root, mosquitto runs as user 'mosquitto', which must read broker.key and mosquitto/passwd",
            f"  and write mosquitto/data: sudo chown -R mosquitto: {files.mosquitto_dir} {files.broker_key}"]


def describe(files: StoreFiles) -> str:
    """What :func:`init_store` made, where, and what goes to the store server and to each lane."""
    rel = lambda p: str(Path(p).relative_to(files.directory))  # noqa: E731
    out = [f"Store {files.store}: assist channel files in {files.directory}", ""]
    if files.created:
        out.append("Created now: " + ", ".join(rel(p) for p in files.created))
    if files.reissued:
        out.append("Certificates issued again (host names changed or expiring): "
                   + ", ".join(rel(p) for p in files.reissued))
    if not files.created and not files.reissued:
        out.append("Nothing new: the CA, keys, certificates and passwords were all there and are kept.")
    out += ["Rewritten: mosquitto/mosquitto.conf, mosquitto/passwd, mosquitto/acl", "",
            f"Broker: {files.broker_url} (certificate for {', '.join(files.broker_hosts)}), "
            f"users: {', '.join(files.lanes) or '(no lanes yet)'}; consoles: {', '.join(files.consoles)}",
            f"Console certificate for: {', '.join(files.console_hosts)}",
            "",
            "On the store server:",
            f"  mosquitto -c {files.mosquitto_conf}",
            "  (for the Debian service, a systemd drop-in with that ExecStart)",
            *_owner_lines(files),
            "  kiosk console with this [assist] section:",
            *("    " + line for line in console_assist_snippet(files).splitlines()),
            "  Install ca.crt on the attendants' phones and tablets so they trust the console's https.",
            "",
            "Keep ca.key secret (it makes certificates every lane trusts) and back the whole directory up.",
            "Each lane needs ca.crt, command.key and its own lanes/<lane>.password, and this [assist] section:"]
    for lane in files.lanes:
        out += ["", *("  " + line if line else "" for line in lane_assist_snippet(files, lane).splitlines())]
    return "\n".join(out).rstrip() + "\n"
