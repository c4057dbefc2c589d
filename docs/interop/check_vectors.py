#!/usr/bin/env python3
"""Independent check of the test vectors in docs/protocol.md.

Written from docs/protocol.md alone, with Python 3 and the `cryptography` package, to show that the
spec is enough to interoperate. It recomputes every vector (keys, frames, envelopes, hashes,
seed-cbc) and also opens every frame and envelope. Exit status 0 when all vectors match.

Usage: python3 docs/interop/check_vectors.py [path/to/protocol.md]
"""
import base64
import hashlib
import re
import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def read_vectors(path):
    text = Path(path).read_text(encoding="utf-8")
    vectors = []
    for block in re.findall(r"```vector\n(.*?)```", text, re.S):
        fields = {}
        for line in block.splitlines():
            key, sep, value = line.partition(": ")
            if not sep:
                key, value = line.rstrip(":"), ""
            fields[key] = value
        vectors.append(fields)
    return vectors


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=salt, info=info).derive(ikm)


def check_symbol(data):
    total, factor = 0, 2
    for symbol in reversed(data):
        addend = factor * ALPHABET.index(symbol)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def canonical_setup_code(text):
    symbols = "".join(c for c in text.upper() if c not in " -")
    symbols = symbols.replace("O", "0").replace("I", "1").replace("L", "1")
    assert len(symbols) == 18 and all(c in ALPHABET for c in symbols), "bad setup code"
    assert check_symbol(symbols[:17]) == symbols[17], "bad check symbol"
    return symbols


def setup_secret(display):
    return hashlib.sha256(canonical_setup_code(display).encode("ascii")).digest()


def public_key(private_hex):
    key = ec.derive_private_key(int(private_hex, 16), ec.SECP256R1())
    return key, key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def nonce(channel, direction, counter):
    return bytes([0, 0, channel, direction]) + struct.pack(">Q", counter)


def check_setup_code(v):
    data = v["data_symbols"]
    canonical = data + check_symbol(data)
    assert canonical == v["canonical"], "canonical"
    assert f"{canonical[:6]}-{canonical[6:12]}-{canonical[12:]}" == v["display"], "display"
    assert hashlib.sha256(canonical.encode()).hexdigest() == v["secret"], "secret"
    # Any single mistyped symbol is caught.
    for i in range(18):
        for c in ALPHABET:
            if c != canonical[i]:
                typo = canonical[:i] + c + canonical[i + 1:]
                assert check_symbol(typo[:17]) != typo[17], "typo not caught"


def check_agreekey(v):
    app_key, app_pub = public_key(v["app_private"])
    gw_key, gw_pub = public_key(v["gateway_private"])
    assert app_pub.hex() == v["app_public"] and gw_pub.hex() == v["gateway_public"], "public keys"
    shared = app_key.exchange(ec.ECDH(), gw_key.public_key())
    assert shared == gw_key.exchange(ec.ECDH(), app_key.public_key())
    assert shared.hex() == v["shared_secret"], "shared secret"
    info = b"pi-gateway/v2 agreekey" + app_pub + gw_pub
    assert hkdf(shared, setup_secret(v["setup_code"]), info).hex() == v["agreekey"], "agreekey"
    assert hkdf(shared, b"", info).hex() == v["agreekey_open_mode"], "agreekey (open mode)"


def check_searchkey(v):
    app_pub = bytes.fromhex(v["app_public"])
    assert hkdf(app_pub, setup_secret(v["setup_code"]), b"pi-gateway/v2 searchkey").hex() == v["searchkey"]
    assert hkdf(app_pub, b"", b"pi-gateway/v2 searchkey").hex() == v["searchkey_open_mode"]


def check_frame(v):
    key = bytes.fromhex(v["key"])
    stream = v["transport"] == "stream"
    sender = {"app": 1, "gateway": 2}[v["sender"]]
    sequence = int(v["sequence"])
    payload = bytes.fromhex(v["public_key"])
    plaintext = v["plaintext_text"].encode("utf-8")
    header = b"PG" + bytes([2, int(v["frame_type"]), int(v["flags"]), sender])
    header += struct.pack(">QHH", sequence, len(payload), len(plaintext) + 16)
    n = nonce(2 if stream else 1, sender, sequence)
    assert n.hex() == v["nonce"], "nonce"
    aad = header + payload
    frame = aad + AESGCM(key).encrypt(n, plaintext, aad)
    wire = struct.pack(">I", len(frame)) + frame if stream else frame
    assert wire.hex() == v["wire"], "wire"
    # And the receiving side: parse the wire bytes, open them.
    got = bytes.fromhex(v["wire"])
    if stream:
        (length,) = struct.unpack(">I", got[:4])
        got = got[4:4 + length]
    assert got[:2] == b"PG" and got[2] == 2
    p_len, d_len = struct.unpack(">HH", got[14:18])
    assert len(got) == 18 + p_len + d_len
    seq = struct.unpack(">Q", got[6:14])[0]
    opened = AESGCM(key).decrypt(nonce(2 if stream else 1, got[5], seq), got[18 + p_len:], got[:18 + p_len])
    assert opened == plaintext, "open"


def check_envelope(v):
    key = bytes.fromhex(v["key"])
    direction, counter = int(v["direction"]), int(v["counter"])
    tid, did = v["tid"].encode("ascii"), v["did"].encode("ascii")
    header = b"PE" + bytes([2, direction, 0]) + struct.pack(">IQ", int(v["key_id"]), counter)
    header += bytes([len(tid)]) + tid + bytes([len(did)]) + did
    n = nonce(3, direction, counter)
    assert n.hex() == v["nonce"], "nonce"
    envelope = header + AESGCM(key).encrypt(n, v["plaintext_text"].encode("utf-8"), header)
    assert envelope.hex() == v["envelope"], "envelope"
    got = bytes.fromhex(v["envelope"])
    t = got[17]
    d = got[18 + t]
    header_length = 19 + t + d
    got_counter = struct.unpack(">Q", got[9:17])[0]
    opened = AESGCM(key).decrypt(nonce(3, got[3], got_counter), got[header_length:], got[:header_length])
    assert opened.decode("utf-8") == v["plaintext_text"], "open"


def check_loginkey(v):
    info = b"pi-gateway/v2 loginkey" + v["tid"].encode("ascii")
    assert hkdf(bytes.fromhex(v["access_key"]), bytes.fromhex(v["challenge"]), info).hex() == v["login_key"]


def check_linkkey(v):
    salt = bytes.fromhex(v["subdevice_nonce"]) + bytes.fromhex(v["gateway_nonce"])
    info = b"pi-gateway/v2 linkkey" + v["did"].encode("ascii")
    assert hkdf(bytes.fromhex(v["local_key"]), salt, info).hex() == v["link_key"]


def check_lanpassword(v):
    # salt = empty: HKDF then uses 32 zero bytes (RFC 5869), which is what salt=None means here
    info = b"pi-gateway/v2 lanpassword" + v["did"].encode("ascii")
    assert hkdf(bytes.fromhex(v["local_key"]), None, info).hex() == v["lan_password"]


def check_bind_hash(v):
    data = b"pi-gateway/v2 bind" + b"\0" + v["verification_code"].encode("utf-8") + b"\0" + bytes.fromhex(v["nonce"])
    assert hashlib.sha256(data).hexdigest() == v["hash"]


def check_seed_cbc(v):
    key = v["key_text"].encode("ascii")
    aes_key, iv = key[:16], key[16:]
    text = v["plaintext_text"].encode("utf-8")
    zero_padded = text + b"\0" * (-len(text) % 16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(zero_padded) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    assert base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode() == v["ciphertext_base64"], "encrypt"
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
    raw = decryptor.update(base64.b64decode(v["ciphertext_base64"])) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    plain = (unpadder.update(raw) + unpadder.finalize()).rstrip(b"\0")
    assert plain == text, "decrypt"


CHECKS = {
    "setup-code": check_setup_code,
    "agreekey": check_agreekey,
    "searchkey": check_searchkey,
    "frame": check_frame,
    "envelope": check_envelope,
    "loginkey": check_loginkey,
    "linkkey": check_linkkey,
    "lanpassword": check_lanpassword,
    "bind-hash": check_bind_hash,
    "seed-cbc": check_seed_cbc,
}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "protocol.md"
    vectors = read_vectors(path)
    failures = 0
    for v in vectors:
        try:
            CHECKS[v["kind"]](v)
            print(f"ok      {v['name']}")
        except Exception as error:  # report every vector, then fail
            failures += 1
            print(f"FAILED  {v['name']}: {type(error).__name__} {error}")
    print(f"{len(vectors) - failures} of {len(vectors)} vectors match")
    return 1 if failures or not vectors else 0


if __name__ == "__main__":
    sys.exit(main())
