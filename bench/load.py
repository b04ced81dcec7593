"""Aquifer's default parallelism against one forced thread, with 0 to 3 busy processes beside it.

For each level of competition (that many processes spinning on a core each), every workload runs
with the default settings (`--threads auto`) and with `--threads 1`, in pairs run back to back
(which one goes first alternates, so that drift cancels). The table gives the median throughput
of each, and the median and quartiles of the per-pair ratios default / one thread: a ratio below
1 means the default settings are slower than one thread. Standard library only.

    python3 bench/load.py --aquifer target/release/aquifer [--quick]
"""

import argparse
import statistics
import subprocess
import sys
import time

BUSY = "while True: pass"


def workloads(quick):
    steps = 2000 if quick else 20000
    rows = [
        (f"harvest N={n}, T={steps}", ["bench", "harvest", "--units", str(n), "--steps", str(steps)])
        for n in (500, 1000, 2000)
    ]
    rows.append(
        (
            "run_many N=500, 16 x 1000",
            ["bench", "run-many", "--units", "500", "--series", "16", "--steps", "1000"],
        )
    )
    rows.append(
        (
            f"sweep: {10 if quick else 20} ESN fits N=300 on NARMA-10",
            ["bench", "sweep", "--units", "300", "--configs", "10" if quick else "20", "--steps", "2000"],
        )
    )
    return rows


def throughput(aquifer, args, threads):
    out = subprocess.run(
        [aquifer, "--threads", threads, "-q", *args, "--repeat", "1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip().splitlines()[-1].split(":")[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aquifer", required=True, help="path of the aquifer binary")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    runs = 2 if args.quick else args.runs
    print("| workload | busy processes | default | 1 thread | default / 1 thread (median of pairs) | quartiles |")
    print("|---|---|---|---|---|---|")
    for busy in range(4):
        procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(busy)]
        try:
            time.sleep(0.5)
            for name, cmd in workloads(args.quick):
                auto, one = [], []
                for k in range(runs):
                    for threads in ("auto", "1") if k % 2 == 0 else ("1", "auto"):
                        t = throughput(args.aquifer, cmd, threads)
                        (auto if threads == "auto" else one).append(t)
                a, o = statistics.median(auto), statistics.median(one)
                ratios = [x / y for x, y in zip(auto, one)]
                q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
                print(
                    f"| {name} | {busy} | {a:,.1f} | {o:,.1f} | {statistics.median(ratios):.2f} "
                    f"| {q[0]:.2f}-{q[2]:.2f} |",
                    flush=True,
                )
        finally:
            for p in procs:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
