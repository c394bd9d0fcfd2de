"""`python -m benchmarks [--record docs/benchmarks.md]`: run every benchmark, print markdown.

Numbers on shared machines are noisy: each result stands beside the raw limits of the machine
measured in the same run (OpenSSL RSA-2048 verify rate, SHA-256 rate), and the ratios are what
to compare between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from . import edxml_bench, machine


def run() -> str:
    rsa_verify = machine.rsa2048_verify_rate()
    rsa_sign = machine.rsa2048_sign_rate()
    sha = machine.sha256_mb_per_s()
    key, policy = edxml_bench.make_keys()
    rows = edxml_bench.throughput(key, policy)
    signing = edxml_bench.signing(key, policy)
    memory = edxml_bench.large_message_memory(key, policy)

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now} — {machine.describe()}",
        "",
        "Raw limits of this machine, same run: "
        f"OpenSSL RSA-2048 verify {rsa_verify:,.0f}/s, sign {rsa_sign:,.0f}/s; "
        f"SHA-256 {sha:,.0f} MB/s. One process, one core.",
        "",
        "**edXML parse + validate + verify** (signed RSA-SHA256, one attachment, streaming read):",
        "",
        "| message | bytes | verified/s | MB/s | of SHA-256 rate | of RSA verify rate |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        per_second = float(str(row["verified_per_s"]))
        mb = float(str(row["mb_per_s"]))
        lines.append(
            f"| {row['message']} | {row['bytes']:,} | {per_second:,.1f} | {mb:,.1f} | "
            f"{mb / sha:.1%} | {per_second / rsa_verify:.1%} |"
        )
    lines += [
        "",
        f"**XML-DSig on a 100 KB edXML**: sign {signing['sign_per_s']:,.1f}/s "
        f"({signing['sign_per_s'] / rsa_sign:.1%} of raw RSA sign), verify "
        f"{signing['verify_per_s']:,.1f}/s ({signing['verify_per_s'] / rsa_verify:.1%} of raw "
        "RSA verify; verify includes reading the whole message; the signer's certificate "
        "verdict comes from the hub's verdict cache). Without the cache — path building and "
        f"revocation policy for every message — verify {signing['cold_verify_per_s']:,.1f}/s.",
        "",
        f"**Peak memory, {memory['attachment_bytes'] // (1024 * 1024)} MB attachment** "
        f"(message {memory['message_bytes']:,} bytes; verify + read + validate in a fresh "
        "process, attachment contents measured and checked, not kept):",
        "",
        f"* peak RSS {memory['peak_rss_mb']} MB = **{memory['peak_over_attachment']}×** the "
        f"attachment (process baseline after imports {memory['process_baseline_mb']} MB); "
        "target below 1.5×",
        f"* verify + read + validate {memory['verify_read_validate_seconds']} s; "
        f"streaming sign {memory['sign_stream_seconds']} s",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", type=Path, help="append the results to this markdown file")
    args = parser.parse_args()
    report = run()
    print(report)
    if args.record:
        with args.record.open("a", encoding="utf-8") as out:
            out.write("\n" + report)


main()
