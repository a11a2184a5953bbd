#!/usr/bin/env python3
"""Draws assets/favicon.ico (32x32, one PNG inside an ICO) from the shapes of
assets/favicon.svg: a red rounded square with a white N. Pure Python, so anyone can
rebuild it: python3 scripts/make-favicon.py > assets/favicon.ico"""
import struct, sys, zlib

SIZE, SS = 32, 4  # pixels, supersampling per axis
RED, WHITE = (0xB3, 0x26, 0x1E), (0xFF, 0xFF, 0xFF)
# The N of favicon.svg: M8 24V8h4l8 10V8h4v16h-4l-8-10v10z
N = [(8, 24), (8, 8), (12, 8), (20, 18), (20, 8), (24, 8), (24, 24), (20, 24), (12, 14), (12, 24)]


def inside(poly, x, y):
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def in_rounded_square(x, y, r=6):
    cx, cy = min(max(x, r), SIZE - r), min(max(y, r), SIZE - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


rows = []
for py in range(SIZE):
    row = bytearray([0])  # PNG filter: none
    for px in range(SIZE):
        acc, cover = [0, 0, 0], 0
        for sy in range(SS):
            for sx in range(SS):
                x, y = px + (sx + 0.5) / SS, py + (sy + 0.5) / SS
                if not in_rounded_square(x, y):
                    continue
                colour = WHITE if inside(N, x, y) else RED
                cover += 1
                for i in range(3):
                    acc[i] += colour[i]
        n = SS * SS
        if cover:
            row += bytes(round(a / cover) for a in acc) + bytes([round(255 * cover / n)])
        else:
            row += bytes(4)
    rows.append(bytes(row))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


png = (b"\x89PNG\r\n\x1a\n"
       + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
       + chunk(b"IEND", b""))
ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(png), 22) + png
sys.stdout.buffer.write(ico)
