"""The site's key pairs: Ed25519 to sign the bundles it writes, X25519 to open those for it.

Private keys are files in the data directory's `keys/` folder (mode 0600), never in the
database; the public keys and their short id sit on the `Site` rows.
"""

import base64
import hashlib
import os
from pathlib import Path

SIGN_FILE = "sign.key"
BOX_FILE = "box.key"


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def unb64(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


def raw_public(key):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _raw_private(key):
    return key.private_bytes_raw()


def key_id(sign_public_b64, box_public_b64):
    """A short, stable name for a site's pair of public keys."""
    digest = hashlib.sha256(unb64(sign_public_b64) + unb64(box_public_b64)).hexdigest()
    return digest[:16]


class KeyPair:
    """A site's two private keys, with their public halves in base64."""

    def __init__(self, sign, box):
        self.sign = sign
        self.box = box
        self.sign_public = b64(raw_public(sign))
        self.box_public = b64(raw_public(box))
        self.key_id = key_id(self.sign_public, self.box_public)

    @classmethod
    def generate(cls):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @classmethod
    def from_private(cls, sign_b64, box_b64):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        return cls(Ed25519PrivateKey.from_private_bytes(unb64(sign_b64)),
                   X25519PrivateKey.from_private_bytes(unb64(box_b64)))

    def private(self):
        """The private keys in base64, for a registration file."""
        return {"sign": b64(_raw_private(self.sign)), "box": b64(_raw_private(self.box))}

    def public(self):
        return {"sign_key": self.sign_public, "box_key": self.box_public, "key_id": self.key_id}


def keys_dir(data_dir):
    return Path(data_dir) / "keys"


def write_private(path, raw):
    """Write a secret file readable by its owner only, replacing it atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save(data_dir, pair):
    folder = keys_dir(data_dir)
    private = pair.private()
    write_private(folder / SIGN_FILE, private["sign"].encode("ascii"))
    write_private(folder / BOX_FILE, private["box"].encode("ascii"))


def load(data_dir):
    """This site's key pair, or None when it has none yet."""
    folder = keys_dir(data_dir)
    try:
        sign = (folder / SIGN_FILE).read_text("ascii").strip()
        box = (folder / BOX_FILE).read_text("ascii").strip()
    except FileNotFoundError:
        return None
    return KeyPair.from_private(sign, box)


def sign_public(b64_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    return Ed25519PublicKey.from_public_bytes(unb64(b64_key))


def box_public(b64_key):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    return X25519PublicKey.from_public_bytes(unb64(b64_key))
