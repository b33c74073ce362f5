"""Plot ``marquee bench scale`` results from one or more JSON files into one PNG (latency and memory vs size).

    python benchmarks/plot_scale.py benchmarks/scale.png benchmarks/scale_10k_100k.json benchmarks/scale_1m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from marquee.bench.scale import plot


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, *inputs = (Path(a) for a in argv)
    plot([json.loads(p.read_text(encoding="utf-8")) for p in inputs], out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
