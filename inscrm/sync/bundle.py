"""The bundle container: one zip holding `manifest.json`, `signature` and `payload.bin`.

The payload (JSON lines, zlib-compressed) is encrypted with a fresh AES-256-GCM key in chunks of
1 MiB; each chunk's nonce is its index, and its associated data binds the bundle id, the index
and a last-chunk flag, so a truncated, reordered or spliced payload fails to decrypt. The key is
wrapped for the addressee: X25519 between a fresh ephemeral key and the addressee's key, HKDF
(SHA-256) to a wrapping key, AES-GCM. The sender signs the canonical manifest bytes with
Ed25519; the manifest names the addressee's key id, carries the wrapped key and the ephemeral
public key and the SHA-256 of the encrypted member, so nothing in the file can change, and a
signed payload cannot be re-encrypted for someone else, without the signature failing.

Reading checks the zip's members (names, sizes, compression ratio), then the manifest (format,
addressee, sender, signature, schema) and the hash of the encrypted member (`check_payload`)
before a byte is decrypted; the plaintext goes to a temporary file, never whole into memory.
"""

import hashlib
import json
import os
import secrets
import tempfile
import zipfile
import zlib
from pathlib import Path

from inscrm.i18n import N_
from inscrm.sync import keys

FORMAT = 1
CHUNK = 1 << 20  # plaintext bytes per encrypted chunk
TAG = 16
MANIFEST, SIGNATURE, PAYLOAD = "manifest.json", "signature", "payload.bin"
MEMBERS = {MANIFEST: 1 << 20, SIGNATURE: 1024, PAYLOAD: 16 << 30}  # name: largest size
MAX_RATIO = 50  # a member deflated more than this is a zip bomb (ours are stored)
MAX_PLAIN = 64 << 30  # uncompressed payload, whatever the manifest says
SIGN_CONTEXT = b"inscrm-bundle-v1\n"
WRAP_INFO = b"inscrm-bundle-key-v1"


class Refused(Exception):
    """Why a file is not a bundle this site may apply (a message with %(…)s parameters)."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def canonical(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _aad(bundle_id, index, last):
    return bundle_id.encode("ascii") + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def _nonce(index):
    return index.to_bytes(12, "big")


def _wrapping_key(shared, bundle_id, ephemeral_public, addressee_public):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bundle_id.encode("ascii"),
                info=WRAP_INFO + ephemeral_public + addressee_public).derive(shared)


class _PayloadWriter:
    """Compresses and encrypts what is written to it into a zip member, hashing both sides."""

    def __init__(self, member, bundle_id, content_key):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        self.member = member
        self.bundle_id = bundle_id
        self.aead = AESGCM(content_key)
        self.compressor = zlib.compressobj(6)
        self.buffer = bytearray()
        self.index = 0
        self.plain_size = 0
        self.payload_hash = hashlib.sha256()  # of the compressed payload
        self.size = 0
        self.member_hash = hashlib.sha256()  # of the encrypted member

    def write(self, data):
        self.plain_size += len(data)
        self._add(self.compressor.compress(data))

    def _add(self, compressed):
        self.payload_hash.update(compressed)
        self.buffer += compressed
        while len(self.buffer) > CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]

    def _emit(self, chunk, last):
        sealed = self.aead.encrypt(_nonce(self.index), chunk, _aad(self.bundle_id, self.index,
                                                                   last))
        self.index += 1
        self.size += len(sealed)
        self.member_hash.update(sealed)
        self.member.write(sealed)

    def close(self):
        self._add(self.compressor.flush())
        self._emit(bytes(self.buffer), last=True)
        self.buffer = bytearray()


def write(path, manifest, sender, addressee_box_key, fill):
    """Write a bundle to `path`: `fill(write)` streams the plaintext payload (bytes).

    `manifest` holds the facts of the bundle; the crypto fields and hashes are added here.
    Written to a temporary file beside `path`, flushed, fsynced and renamed into place.
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    path = Path(path)
    content_key = AESGCM.generate_key(bit_length=256)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = keys.raw_public(ephemeral)
    addressee_public = keys.unb64(addressee_box_key)
    shared = ephemeral.exchange(keys.box_public(addressee_box_key))
    wrap_nonce = secrets.token_bytes(12)
    bundle_id = manifest["bundle_id"]
    wrapped = AESGCM(_wrapping_key(shared, bundle_id, ephemeral_public, addressee_public)).encrypt(
        wrap_nonce, content_key, bundle_id.encode("ascii"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
                with zf.open(PAYLOAD, "w", force_zip64=True) as member:
                    writer = _PayloadWriter(member, bundle_id, content_key)
                    fill(writer.write)
                    writer.close()
                manifest = {
                    **manifest,
                    "format": FORMAT,
                    "from_key": sender.key_id,
                    "payload": {"sha256": writer.payload_hash.hexdigest(),
                                "plain_size": writer.plain_size},
                    "members": {PAYLOAD: {"sha256": writer.member_hash.hexdigest(),
                                          "size": writer.size}},
                    "crypto": {"cipher": "AES-256-GCM", "chunk": CHUNK,
                               "ephemeral_key": keys.b64(ephemeral_public),
                               "wrapped_key": keys.b64(wrapped),
                               "wrap_nonce": keys.b64(wrap_nonce)},
                }
                body = canonical(manifest)
                zf.writestr(MANIFEST, body)
                zf.writestr(SIGNATURE, sender.sign.sign(SIGN_CONTEXT + body))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


# --- reading ------------------------------------------------------------------------------


def _open_zip(path):
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise Refused(N_("cannot be read (%(error)s)"), error=exc.strerror or exc) from None
    if head[:2] != b"PK":
        raise Refused(N_("not a sync bundle"))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise Refused(N_("truncated or damaged: the file is not a whole bundle")) from None
    return zf


def _check_members(zf):
    names = set()
    for info in zf.infolist():
        name = info.filename
        if ".." in name.replace("\\", "/").split("/") or name.startswith(("/", "\\")) or (
                len(name) > 1 and name[1] == ":"):
            raise Refused(N_("unsafe member path %(name)s"), name=name)
        if name not in MEMBERS or name in names:
            raise Refused(N_("unexpected member %(name)s"), name=name)
        names.add(name)
        if info.compress_type != zipfile.ZIP_STORED and (
                info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise Refused(N_("member %(name)s is compressed suspiciously well (a zip bomb)"),
                          name=name)
        if info.file_size > MEMBERS[name]:
            raise Refused(N_("member %(name)s is too large"), name=name)
    if names != set(MEMBERS):
        raise Refused(N_("not a sync bundle: members are missing"))


def _read_member(zf, name):
    limit = MEMBERS[name]
    try:
        with zf.open(name) as member:
            data = member.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise Refused(N_("truncated or damaged: member %(name)s cannot be read"),
                      name=name) from None
    if len(data) > limit:
        raise Refused(N_("member %(name)s is too large"), name=name)
    return data


def read_manifest(path):
    """The zip, the manifest bytes, the manifest and its signature, checked for shape only."""
    zf = _open_zip(path)
    try:
        _check_members(zf)
        body = _read_member(zf, MANIFEST)
        signature = _read_member(zf, SIGNATURE)
        try:
            manifest = json.loads(body)
        except ValueError:
            raise Refused(N_("the manifest is not valid (altered or damaged)")) from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
            raise Refused(N_("the manifest is not valid (altered or damaged)"))
    except BaseException:
        zf.close()
        raise
    return zf, body, manifest, signature


def verify(body, manifest, signature, sign_key):
    """Raise Refused unless the manifest was signed by the holder of `sign_key` (base64)."""
    from cryptography.exceptions import InvalidSignature
    try:
        keys.sign_public(sign_key).verify(signature, SIGN_CONTEXT + body)
    except (InvalidSignature, ValueError):
        raise Refused(N_("the signature does not match %(site)s's key: the bundle was altered, "
                         "or made by someone else"), site=manifest.get("from")) from None


def _hash_member(zf, name):
    digest = hashlib.sha256()
    size = 0
    try:
        with zf.open(name) as member:
            while block := member.read(CHUNK):
                digest.update(block)
                size += len(block)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise Refused(N_("truncated or damaged: member %(name)s cannot be read"),
                      name=name) from None
    return digest.hexdigest(), size


def check_payload(zf, manifest):
    """Raise Refused unless the encrypted member is the one the signed manifest names (its
    SHA-256 and size): an altered copy of a bundle is refused, never taken for the bundle."""
    try:
        declared = manifest["members"][PAYLOAD]
        expected = (declared["sha256"], declared["size"])
    except (KeyError, TypeError):
        raise Refused(N_("the manifest is not valid (altered or damaged)")) from None
    if expected != _hash_member(zf, PAYLOAD):
        raise Refused(N_("the payload does not match the manifest (altered or truncated)"))


def decrypt(zf, manifest, box_private, out):
    """Decrypt and decompress the payload (checked with `check_payload` first) into the open
    file `out` (binary). Raises Refused on any mismatch."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    try:
        crypto = manifest["crypto"]
        bundle_id = manifest["bundle_id"]
        plain_size = int(manifest["payload"]["plain_size"])
        ephemeral_public = keys.unb64(crypto["ephemeral_key"])
        wrapped = keys.unb64(crypto["wrapped_key"])
        wrap_nonce = keys.unb64(crypto["wrap_nonce"])
    except (KeyError, TypeError, ValueError):
        raise Refused(N_("the manifest is not valid (altered or damaged)")) from None
    if plain_size > MAX_PLAIN:
        raise Refused(N_("the payload is too large"))
    own_public = keys.raw_public(box_private)
    try:
        shared = box_private.exchange(keys.box_public(crypto["ephemeral_key"]))
        content_key = AESGCM(_wrapping_key(shared, bundle_id, ephemeral_public, own_public)
                             ).decrypt(wrap_nonce, wrapped, bundle_id.encode("ascii"))
    except (InvalidTag, ValueError):
        raise Refused(N_("the bundle's key cannot be opened with this site's key")) from None
    aead = AESGCM(content_key)
    inflate = zlib.decompressobj()
    payload_hash = hashlib.sha256()
    written = 0
    with zf.open(PAYLOAD) as member:
        index, chunk = 0, member.read(CHUNK + TAG)
        while True:
            following = member.read(CHUNK + TAG)
            last = not following
            try:
                compressed = aead.decrypt(_nonce(index), chunk, _aad(bundle_id, index, last))
            except InvalidTag:
                raise Refused(N_("the payload cannot be decrypted (altered or truncated)")
                              ) from None
            payload_hash.update(compressed)
            try:
                data = inflate.decompress(compressed)
            except zlib.error:
                raise Refused(N_("the payload is damaged")) from None
            written += len(data)
            if written > plain_size:
                raise Refused(N_("the payload is larger than the manifest says"))
            out.write(data)
            if last:
                break
            index, chunk = index + 1, following
    if payload_hash.hexdigest() != manifest["payload"].get("sha256") or written != plain_size \
            or not inflate.eof:
        raise Refused(N_("the payload does not match the manifest (altered or truncated)"))
