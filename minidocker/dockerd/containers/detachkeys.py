"""Detach keys: the key sequence that ends an attach or exec stream with a tty, leaving the process running (cf. moby/term ascii.go ToBytes, proxy.go escapeProxy; container/stream/attach.go copyEscapable).

"ctrl-p,ctrl-q" (the default) is the bytes 0x10 0x11. Bytes that begin the sequence are held back
until it is clear whether the sequence follows; on the whole sequence the stream ends.
"""

from __future__ import annotations

DEFAULT = b"\x10\x11"  # ctrl-p, ctrl-q
CTRL = ["ctrl-@"] + [f"ctrl-{c}" for c in "abcdefghijklmnopqrstuvwxyz"] + ["ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^",
                                                                          "ctrl-_"]


def parse(keys: str) -> bytes:
    """"ctrl-p,ctrl-q" -> b"\\x10\\x11"; a single character stands for itself, DEL is 127; ValueError otherwise."""
    if not keys:
        return DEFAULT
    out = bytearray()
    for key in keys.split(","):
        if len(key) == 1:
            out += key.encode()
        elif key in CTRL:
            out.append(CTRL.index(key))
        elif key == "DEL":
            out.append(127)
        else:
            raise ValueError(f"Unknown character: '{key}'")
    return bytes(out)


class EscapeProxy:
    """Feeds stdin through, watching for the sequence; `feed` returns what to forward and whether to detach."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self.matched = 0  # how many bytes of the sequence the input ended with (held back)

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        out = bytearray()
        for byte in data:
            if byte == self.keys[self.matched]:
                self.matched += 1
                if self.matched == len(self.keys):
                    return bytes(out), True
                continue
            if self.matched:  # a false start: the held bytes were input after all (this byte is not re-tried, as moby)
                out += self.keys[:self.matched]
                self.matched = 0
            out.append(byte)
        return bytes(out), False
