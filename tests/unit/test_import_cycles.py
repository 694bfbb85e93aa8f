"""No import cycles among ndop's modules (import-linter's contracts cannot say this generically).

A cycle is a strongly connected group of modules in grimp's import graph: every import counts,
inside functions and under TYPE_CHECKING too, because each is a dependency someone has to read.
"""

from __future__ import annotations

import sys

import grimp

# Known import cycles; this list may only shrink (the vocab branch removed engine <-> csv_format).
KNOWN: list[set[str]] = []


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (the graph is small, but recursion limits are not ours to raise)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph[node]:
                    groups.append(group)
    return groups


def ndop_import_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("ndop", cache_dir=None)
    return {module: {m for m in graph.find_modules_directly_imported_by(module) if m.startswith("ndop")}
            for module in graph.modules if module.startswith("ndop")}


def test_strongly_connected_finds_a_cycle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b", "c"], ["e"]]


def test_there_are_no_import_cycles_among_ndop_modules() -> None:
    cycles = strongly_connected(ndop_import_graph())
    unexpected = [group for group in cycles if group not in KNOWN]
    assert not unexpected, "import cycles: " + "; ".join(" <-> ".join(sorted(g)) for g in unexpected)
    gone = [group for group in KNOWN if group not in cycles]
    assert not gone, f"remove from KNOWN, they are fixed: {gone}"


if __name__ == "__main__":
    for group in strongly_connected(ndop_import_graph()):
        sys.stdout.write(" <-> ".join(sorted(group)) + "\n")
