#!/usr/bin/env python3
"""A Pi Gateway sub-device written from docs/protocol.md alone (sections 2, 3.5, 3.7, 7, 9, 10).

Nothing here comes from the C# code: Python 3's standard library and `cryptography` for the
keys and AES-GCM, and Debian's mosquitto_sub and mosquitto_pub for MQTT. mosquitto_sub keeps one
connection open (client id "<did>.sub") that holds the subscriptions to welcome and down;
mosquitto_pub makes short connections ("<did>.pub") for the hello and the up-packets. Both are
connections of the same did, so they share its link (section 10.1).

    python3 subdevice.py --port 1883 --did sd-7 --local-key <Base64> --telemetry 21.5 --commands 1

prints "linked" once the link key is agreed, sends one telemetry request, answers --commands
commands from the cloud (switch.set / switch.get; anything else: unknown_command), and exits 0.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SUB_TO_GATEWAY, GATEWAY_TO_SUB = 5, 6


def hkdf(ikm, salt, info):
    """Section 2: HKDF-SHA256, L = 16."""
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=salt, info=info).derive(ikm)


def lan_password(local_key, did):
    """Section 3.7: hex(HKDF(localkey, empty salt, "pi-gateway/v2 lanpassword" || did))."""
    return hkdf(local_key, None, b"pi-gateway/v2 lanpassword" + did.encode("ascii")).hex()


def link_key(local_key, device_nonce, gateway_nonce, did):
    """Section 3.5."""
    return hkdf(local_key, device_nonce + gateway_nonce, b"pi-gateway/v2 linkkey" + did.encode("ascii"))


def header(direction, key_id, counter, did):
    """Section 7: magic, version, direction, flags, key id, counter, tid (absent), did."""
    d = did.encode("ascii")
    return (b"PE" + bytes([2, direction, 0]) + key_id.to_bytes(4, "big") + counter.to_bytes(8, "big")
            + bytes([0]) + bytes([len(d)]) + d)


def nonce(direction, counter):
    """Section 2.1: 00 00 03 || direction || counter."""
    return bytes([0, 0, 3, direction]) + counter.to_bytes(8, "big")


def seal(key, key_id, counter, did, message):
    head = header(SUB_TO_GATEWAY, key_id, counter, did)
    plaintext = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return head + AESGCM(key).encrypt(nonce(SUB_TO_GATEWAY, counter), plaintext, head)


def open_down(key, key_id, did, envelope, seen):
    """Section 7's receiver checks for a down-packet, then the tag; returns the JSON message."""
    if envelope[:3] != b"PE\x02" or envelope[3] != GATEWAY_TO_SUB or envelope[4] != 0:
        raise ValueError("not a down envelope")
    if int.from_bytes(envelope[5:9], "big") != key_id:
        raise ValueError("key_id_mismatch")
    counter = int.from_bytes(envelope[9:17], "big")
    tid_length = envelope[17]
    did_length = envelope[18 + tid_length]
    start = 19 + tid_length
    if tid_length != 0 or envelope[start:start + did_length] != did.encode("ascii"):
        raise ValueError("id_mismatch")
    if counter in seen:
        raise ValueError("replayed")
    head_length = start + did_length
    plaintext = AESGCM(key).decrypt(nonce(GATEWAY_TO_SUB, counter), envelope[head_length:], envelope[:head_length])
    seen.add(counter)
    return json.loads(plaintext)


class Device:
    def __init__(self, host, port, did, local_key):
        self.host, self.port, self.did, self.local_key = host, port, did, local_key
        self.password = lan_password(local_key, did)
        self.counter = 0
        self.seen = set()
        self.key = None
        self.key_id = None
        self.sub = None

    def topic(self, leaf):
        return f"pi/v2/dev/{self.did}/{leaf}"

    def credentials(self, suffix):
        return ["-h", self.host, "-p", str(self.port), "-V", "5", "-q", "1",
                "-i", f"{self.did}.{suffix}", "-u", self.did, "-P", self.password]

    def subscribe(self):
        # -d prints the SUBACK, so we know the subscriptions exist before the hello goes out;
        # stdbuf makes mosquitto_sub write each line at once into the pipe.
        self.sub = subprocess.Popen(
            ["stdbuf", "-oL", "mosquitto_sub", *self.credentials("sub"), "-d", "-t", self.topic("welcome"), "-t", self.topic("down"),
             "-F", "MSG %t %x", "--will-topic", self.topic("availability"), "--will-payload", "offline",
             "--will-retain", "--will-qos", "1"],
            stdout=subprocess.PIPE, text=True, bufsize=1)
        for line in self.lines():
            if "SUBACK" in line:
                return
        raise RuntimeError("mosquitto_sub ended before subscribing")

    def lines(self):
        for line in self.sub.stdout:
            yield line.rstrip("\n")

    def next_message(self, topic):
        for line in self.lines():
            if line.startswith("MSG "):
                _, got, payload = line.split(" ", 2)
                if got == topic:
                    return bytes.fromhex(payload)
        raise RuntimeError("mosquitto_sub ended")

    def publish(self, leaf, payload, retain=False):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(payload)
            path = f.name
        try:
            command = ["mosquitto_pub", *self.credentials("pub"), "-t", self.topic(leaf), "-f", path]
            if retain:
                command.append("-r")
            subprocess.run(command, check=True)
        finally:
            os.unlink(path)

    def link(self):
        """Section 10: hello with a fresh nonce, welcome, link key; counters start at 0."""
        device_nonce = os.urandom(16)
        self.publish("hello", json.dumps({"nonce": base64.b64encode(device_nonce).decode("ascii")}).encode("utf-8"))
        welcome = json.loads(self.next_message(self.topic("welcome")))
        self.key = link_key(self.local_key, device_nonce, base64.b64decode(welcome["nonce"]), self.did)
        self.key_id = welcome["keyId"]
        self.counter = 0
        self.publish("availability", b"online", retain=True)

    def send(self, message):
        self.publish("up", seal(self.key, self.key_id, self.counter, self.did, message))
        self.counter += 1

    def answer_command(self):
        request = open_down(self.key, self.key_id, self.did, self.next_message(self.topic("down")), self.seen)
        if request.get("type") != "request":
            return
        if request["command"] == "switch.set":
            reply = {"type": "response", "txn": request["txn"], "ok": True, "result": {"on": bool(request["args"]["on"])}}
        elif request["command"] == "switch.get":
            reply = {"type": "response", "txn": request["txn"], "ok": True, "result": {"on": False}}
        else:
            reply = {"type": "error", "txn": request["txn"], "code": "unknown_command", "message": "no such command"}
        self.send(reply)

    def close(self):
        if self.sub is not None:
            self.sub.terminate()
            self.sub.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--did", required=True)
    parser.add_argument("--local-key", required=True, help="the localkey, Base64")
    parser.add_argument("--telemetry", type=float, help="send one telemetry request with this temperature")
    parser.add_argument("--commands", type=int, default=0, help="answer this many commands, then exit")
    args = parser.parse_args()
    device = Device(args.host, args.port, args.did, base64.b64decode(args.local_key))
    try:
        device.subscribe()
        device.link()
        print("linked", flush=True)
        if args.telemetry is not None:
            device.send({"type": "request", "txn": "py-1", "command": "telemetry", "args": {"temperature": args.telemetry}})
            print("sent", flush=True)
        for _ in range(args.commands):
            device.answer_command()
            print("answered", flush=True)
    finally:
        device.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
