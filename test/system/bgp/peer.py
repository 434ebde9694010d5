#!/usr/bin/python3
# A scripted BGP peer for the RFC 7606 system test: connects from SRC (TTL 2) to DST:179 as AS
# ASN, exchanges OPEN/KEEPALIVE, then sends what stdin asks for, one word per line:
#   valid       UPDATE 10.77.0.0/16 (ORIGIN IGP, AS_PATH ASN, NEXT_HOP SRC)
#   bad-origin  the same with ORIGIN 5: RFC 7606 says treat-as-withdraw
#   bad-nlri    an NLRI of length 33: the session must be reset (NOTIFICATION 3/10)
#   keepalive   a KEEPALIVE
# and prints every message it receives: `recv OPEN`, `recv KEEPALIVE`, `recv UPDATE`,
# `recv NOTIFICATION 3/10`, `closed`. Plain sockets only (no scapy).
import select, socket, struct, sys

src, dst, asn = sys.argv[1], sys.argv[2], int(sys.argv[3])

def msg(t, body=b''):
    return b'\xff' * 16 + struct.pack('!HB', 19 + len(body), t) + body

def ip(a):
    return socket.inet_aton(a)

caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + struct.pack('!I', asn)
params = bytes([2, len(caps)]) + caps
open_msg = msg(1, struct.pack('!BHH4sB', 4, asn if asn < 65536 else 23456, 30, ip(src), len(params)) + params)

def update(origin, nlri):
    attrs = bytes([0x40, 1, 1, origin]) + bytes([0x40, 2, 6, 2, 1]) + struct.pack('!I', asn) + bytes([0x40, 3, 4]) + ip(src)
    return msg(2, struct.pack('!H', 0) + struct.pack('!H', len(attrs)) + attrs + nlri)

VALID = bytes([16, 10, 77])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
s.bind((src, 0))
s.settimeout(10)
s.connect((dst, 179))
s.settimeout(None)
s.sendall(open_msg)
print('connected', flush=True)
buf = b''
names = {1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH'}
while True:
    r, _, _ = select.select([s, sys.stdin], [], [], 1.0)
    if s in r:
        d = s.recv(65536)
        if not d:
            print('closed', flush=True)
            break
        buf += d
        while len(buf) >= 19:
            ln, t = struct.unpack('!HB', buf[16:19])
            if len(buf) < ln:
                break
            m, buf = buf[:ln], buf[ln:]
            if t == 3:
                print('recv NOTIFICATION %d/%d' % (m[19], m[20]), flush=True)
            else:
                print('recv ' + names.get(t, str(t)), flush=True)
            if t == 1:
                s.sendall(msg(4))
    if sys.stdin in r:
        line = sys.stdin.readline()
        if not line:
            break
        w = line.strip()
        if w == 'valid':
            s.sendall(update(0, VALID))
        elif w == 'bad-origin':
            s.sendall(update(5, VALID))
        elif w == 'bad-nlri':
            s.sendall(update(0, bytes([33, 1, 2, 3, 4, 5])))
        elif w == 'keepalive':
            s.sendall(msg(4))
        print('sent ' + w, flush=True)
