"""Benchmark: the contract's read documents uncached, compiled plans on against off (issue 11).

`CatalogPage` (default variables; a price range with in-stock and a price ordering; and
signed in, where `isFavorite` is per viewer and the response cache never applies),
`ProductDetail` (the slug of the most reviewed product of the first page) and
`CategoryTree`, each sent as a client sends it (the operation printed alone with its
fragments, from `contract/operations/storefront.graphql`), to two servers of ours with the
response cache off: `GRAPHQL_COMPILED_PLANS` on and off. Before the rounds, each
document's two answers are checked to be the same JSON (but for the port in image URLs).
Rounds alternate all contenders; medians are reported.

    .venv/bin/python -m bench.contract_read [--rounds 3] [--duration 10] [--connections 8]

The signed-in reader is the demo customer, given favourites on the first page (toggled on
when missing, so that `isFavorite` answers both ways). Needs PostgreSQL (DATABASE_URL,
default postgresql://postgres@127.0.0.1:5432/shop_bench); installs `wrk` when missing.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

from graphql import DocumentNode, FragmentSpreadNode, Visitor, parse, print_ast, visit

from bench.catalog_read import arguments, ours_server, prepare
from bench.harness import CUSTOMER, ROOT, daphne_env, sign_in
from bench.rounds import Contender, medians, ms, ratio, run_rounds, save

STOREFRONT = ROOT / "contract" / "operations" / "storefront.graphql"
FILTERED = {
    "filters": {"price": {"range": {"start": "10", "end": "200"}}, "inStock": True},
    "ordering": [{"price": "ASC"}],
}
FAVORITE_TOGGLE = (
    "mutation ($id: ID!) { favoriteToggle(productId: $id) { product { isFavorite } "
    "errors { code } } }"
)


def operation_alone(name: str) -> str:
    """Operation `name` of the storefront file with the fragments it uses, printed alone."""
    document = parse(STOREFRONT.read_text())
    definitions = {d.name.value: d for d in document.definitions}
    used: list[str] = []

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            if node.name.value not in used:
                used.append(node.name.value)
                visit(definitions[node.name.value], self)

    visit(definitions[name], Spreads())
    return print_ast(DocumentNode(definitions=(definitions[name], *(definitions[u] for u in used))))


def body(operation: str, variables: dict[str, Any] | None = None) -> bytes:
    payload = {"query": operation_alone(operation), "operationName": operation}
    return json.dumps({**payload, "variables": variables or {}}).encode()


def _data(contender: Contender) -> dict[str, Any]:
    answer = contender.answer()
    assert "errors" not in answer, (contender.name, answer["errors"])
    return answer["data"]


def ensure_favorites(url: str, token: dict[str, str]) -> None:
    """The customer's favourites: the 1st, 3rd and 6th products of the first page."""
    page = _data(Contender("page", url, body("CatalogPage"), token))["products"]["edges"]
    for edge in (page[0], page[2], page[5]):
        if not edge["node"]["isFavorite"]:
            toggle = {"query": FAVORITE_TOGGLE, "variables": {"id": edge["node"]["id"]}}
            _data(Contender("toggle", url, json.dumps(toggle).encode(), token))


def contract_contenders(stack: ExitStack, database_url: str, plans_on: str) -> list[Contender]:
    """Each document against `plans_on` (our server, cache off) and a plans-off twin
    started in `stack`, both answers checked equal."""
    env = daphne_env(database_url, RESPONSE_CACHE_TTL="0", GRAPHQL_COMPILED_PLANS="0")
    plans_off = stack.enter_context(ours_server(env, 8107))
    token = {"Authorization": f"Bearer {sign_in(plans_on, *CUSTOMER)}"}
    ensure_favorites(plans_on, token)
    page = _data(Contender("page", plans_on, body("CatalogPage")))["products"]["edges"]
    slug = max(page, key=lambda edge: edge["node"]["reviewCount"])["node"]["slug"]
    documents = [
        ("CatalogPage", "anonymous", body("CatalogPage"), {}),
        ("CatalogPage (filter, ordering)", "anonymous", body("CatalogPage", FILTERED), {}),
        ("CatalogPage", "signed in", body("CatalogPage"), token),
        ("ProductDetail", "anonymous", body("ProductDetail", {"slug": slug}), {}),
        ("CategoryTree", "anonymous", body("CategoryTree"), {}),
    ]
    contenders = []
    for document, reader, request, headers in documents:
        pair = [
            Contender(f"{document}, {reader}, plans {state}", url, request, headers)
            for state, url in (("on", plans_on), ("off", plans_off))
        ]
        on, off = (json.dumps(_data(c)).replace(c.url.split("/")[2], "HOST") for c in pair)
        assert on == off, f"{document} ({reader}): plans on and off answer differently"
        contenders.extend(pair)
    print(f"answers checked: {len(documents)} documents, plans on = plans off", flush=True)
    return contenders


def contract_table(summary: dict[str, dict[str, float]]) -> list[str]:
    """Plans on against off per document, as Markdown lines."""
    lines = [
        "| document | reader | plans on: req/s | p50 | plans off: req/s | p50 | on / off |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, on in summary.items():
        if not name.endswith("plans on"):
            continue
        off = summary[name.removesuffix("on") + "off"]
        document, reader, _ = name.rsplit(", ", 2)
        lines.append(
            f"| {document} | {reader} | {on['rps']:,.1f} | {ms(on['p50_ms'])} "
            f"| {off['rps']:,.1f} | {ms(off['p50_ms'])} | {ratio(on['rps'], off['rps'])} |"
        )
    return lines


def main() -> None:
    args = arguments("The contract's read documents, compiled plans on against off.").parse_args()
    database_url = prepare(args.products)
    with ExitStack() as stack:
        env = daphne_env(database_url, RESPONSE_CACHE_TTL="0")
        plans_on = stack.enter_context(ours_server(env, 8101))
        contenders = contract_contenders(stack, database_url, plans_on)
        results = run_rounds(
            contenders, rounds=args.rounds, duration=args.duration, connections=args.connections
        )
    summary = medians(results)
    print("\nmedians:")
    print("\n".join(contract_table(summary)))
    print(save("contract_read", {"args": vars(args), "rounds": results, "medians": summary}))


if __name__ == "__main__":
    main()
