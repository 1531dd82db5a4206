#!/bin/sh
# Records lo-record.pcap, the source of the "lo-record.pcap" frames in frames.ts.
# Not run by the tests. Needs root (a private network namespace), tcpdump and python3:
#   sudo sh test/parsers/decode/record-lo-frames.sh /tmp/lo-record.pcap
# In the namespace lo has MTU 1500, so 3 KB UDP datagrams fragment (IPv4 and IPv6).
set -e
OUT=${1:-/tmp/lo-record.pcap}
exec unshare -n sh -s "$OUT" <<'INNER'
set -e
ip link set lo up mtu 1500
tcpdump -i lo -w "$1" -U -s 0 2>/dev/null &
TP=$!
sleep 1
python3 - <<'PY'
import socket, time
# TCP handshake, data both ways, FIN close (Linux SYN: MSS, SACK_PERM, TS, WS)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', 8080)); srv.listen()
c = socket.create_connection(('127.0.0.1', 8080)); s, _ = srv.accept()
c.sendall(b'hello stateline\n'); s.recv(100); s.sendall(b'ok\n'); c.recv(100); c.close(); s.close()
time.sleep(0.05)
# UDP to closed ports: ICMP / ICMPv6 port unreachable
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b'knock-knock', ('127.0.0.1', 9999)); time.sleep(0.05)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.sendto(b'knock6', ('::1', 9998)); time.sleep(0.05)
# 3072-byte datagrams: 3 fragments each
r4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r4.bind(('127.0.0.1', 5353))
u.sendto(bytes(range(256)) * 12, ('127.0.0.1', 5353)); time.sleep(0.05)
r6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); r6.bind(('::1', 5354))
u6.sendto(bytes(range(256)) * 12, ('::1', 5354)); time.sleep(0.05)
# IPv6 hop-by-hop + destination options (sticky options, PadN only)
x = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
IPV6_HOPOPTS, IPV6_DSTOPTS = 54, 59
x.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
x.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, bytes([0, 1, 1, 12]) + bytes(12))
x.sendto(b'ext-headers', ('::1', 5354)); time.sleep(0.05)
PY
ping -R -c 1 127.0.0.1 >/dev/null
ping -s 3000 -c 1 127.0.0.1 >/dev/null
sleep 1
kill -INT $TP; wait $TP || true
INNER
