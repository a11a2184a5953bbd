"""CPU per feed of Python feedparser (the parser LinuxReport uses) on a folder of feeds.

Usage: bench_feedparser.py DIR ROUNDS. Only feedparser.parse is timed, no normalizing, merging
or rendering, so the comparison with newsdesk's full path is in Python's favour.
Prints a summary line and `python_us_per_feed=<median>`.
"""

import pathlib
import statistics
import sys
import time

import feedparser


def main() -> None:
    folder, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
    feeds = [p.read_bytes() for p in sorted(folder.iterdir())]
    per_round = []
    entries = 0
    for _ in range(rounds):
        start = time.process_time_ns()
        for body in feeds:
            entries += len(feedparser.parse(body).entries)
        per_round.append(time.process_time_ns() - start)
    assert entries == rounds * 40 * len(feeds), "feedparser read every entry"
    median = statistics.median(per_round)
    us = median / 1e3 / len(feeds)
    print(f"python feedparser {feedparser.__version__} parse only: {len(feeds)} feeds, {rounds} rounds, "
          f"median {median / 1e6:.1f} ms/round, {us:.1f} us CPU per feed")
    print(f"python_us_per_feed={us:.2f}")


if __name__ == "__main__":
    main()
