"""Issue 11's whole table in one run: the heavy read against its peers, and the contract's
read documents with compiled plans on and off.

    .venv/bin/python -m bench.issue11 [--rounds 3] [--duration 10] [--connections 8]

Contenders of `bench.catalog_read` (ours signed in without cache, ours anonymous cached,
graphene-django, PostGraphile v5, the json_agg floor) and of `bench.contract_read`
(CatalogPage three ways, ProductDetail, CategoryTree; plans on and off), every answer
checked first, all of them alternated in each round so that one round's noise falls on
all. Prints both tables (Markdown) and the targets' ratios and writes the raw figures to
bench/results/issue11-*.json. With the defaults (3 rounds of 10 s, 15 contenders) it runs
for about 10 minutes, set-up included, on a database already seeded.
"""

from __future__ import annotations

from contextlib import ExitStack

from bench.catalog_read import arguments, heavy_contenders, heavy_table, prepare
from bench.contract_read import contract_contenders, contract_table
from bench.rounds import medians, run_rounds, save


def targets(summary: dict[str, dict[str, float]]) -> list[str]:
    ours = summary["ours (signed in, no cache)"]
    cached = summary["ours+cache (anonymous)"]
    graphene = summary["graphene"]["rps"]
    postgraphile = summary["postgraphile"]["rps"]
    checks = [
        ("uncached >= 5x graphene", ours["rps"] / max(graphene, 1e-9), 5.0),
        ("uncached >= 0.8x PostGraphile (moonshot)", ours["rps"] / max(postgraphile, 1e-9), 0.8),
        ("cached >= 2x PostGraphile", cached["rps"] / max(postgraphile, 1e-9), 2.0),
    ]
    lines = [
        f"- {label}: {value:.2f}x, {'met' if value >= bound else 'NOT met'}"
        for label, value, bound in checks
    ]
    ratio = cached["p99_ms"] / max(cached["p50_ms"], 1e-9)
    verdict = "met" if ratio < 3 else "NOT met"
    lines.append(f"- cached p99 < 3x p50: p99/p50 = {ratio:.1f}, {verdict}")
    return lines


def main() -> None:
    args = arguments("Issue 11's benchmark table in one run.").parse_args()
    database_url = prepare(args.products)
    with ExitStack() as stack:
        heavy, plans_on = heavy_contenders(stack, database_url)
        contract = contract_contenders(stack, database_url, plans_on)
        results = run_rounds(
            heavy + contract,
            rounds=args.rounds,
            duration=args.duration,
            connections=args.connections,
        )
    summary = medians(results)
    heavy_names = {c.name for c in heavy}
    print(f"\nHeavy read (medians of {args.rounds} rounds of {args.duration} s):\n")
    print("\n".join(heavy_table({k: v for k, v in summary.items() if k in heavy_names})))
    print()
    print("\n".join(targets(summary)))
    print("\nContract documents, uncached:\n")
    print("\n".join(contract_table({k: v for k, v in summary.items() if k not in heavy_names})))
    print(save("issue11", {"args": vars(args), "rounds": results, "medians": summary}))


if __name__ == "__main__":
    main()
