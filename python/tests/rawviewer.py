"""A viewer written against PROTOCOL.md with a raw socket: it can complete the
handshake, ask for a batch and then never read again (a stalled viewer)."""

import socket
import struct

MAGIC = b"PLOTCAST"
VERSION = 4
TAG_HELLO = 0x01
TAG_READY = 0x20


def varint(n):
    """bincode 2 standard varint."""
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfb" + struct.pack("<H", n)
    if n < 1 << 32:
        return b"\xfc" + struct.pack("<I", n)
    return b"\xfd" + struct.pack("<Q", n)


def frame(tag, header):
    """Length prefix (u32 BE), tag, 3 zero bytes, header length (u32 LE),
    header, padding to an 8-aligned payload start."""
    body = bytes([tag, 0, 0, 0]) + struct.pack("<I", len(header)) + header
    payload_start = -(-(12 + len(header)) // 8) * 8 - 4
    body += b"\0" * (payload_start - len(body))
    return struct.pack(">I", len(body)) + body


def hello(peer_name="raw-test-viewer", token=None):
    header = MAGIC + struct.pack("<H", VERSION)
    if token is None:
        header += b"\x00"
    else:
        t = token.encode()
        header += b"\x01" + varint(len(t)) + t
    name = peer_name.encode()
    header += varint(len(name)) + name
    header += b"\x00"  # codecs: uncompressed data only
    header += b"\x00"  # overview: none (batch 1 waits for a Ready)
    return frame(TAG_HELLO, header)


def ready(batch, interval_us=0):
    """Ready for batches up to `batch` (a cumulative grant), at most one
    every `interval_us` microseconds."""
    return frame(TAG_READY, varint(batch) + varint(interval_us))


class RawViewer:
    """A TCP connection to a plotcast server with a tiny receive buffer."""

    def __init__(self, address, rcvbuf=4096, timeout=10.0):
        host, port = address.rsplit(":", 1)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect, so the window the server sees stays small.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, int(port)))

    def handshake(self, read_welcome=True):
        """Sends Hello; reads the start of the Welcome when asked (proof
        that the server accepted us), then never reads again."""
        self.sock.sendall(hello())
        if read_welcome:
            head = self.sock.recv(5, socket.MSG_WAITALL)
            assert len(head) == 5 and head[4] == 0x02, f"expected a Welcome frame, got {head!r}"

    def request_batch(self, batch=1):
        self.sock.sendall(ready(batch))

    def close(self):
        self.sock.close()
