"""Find taxonomy nodes from the words people type: ids, titles, descriptions, and common synonyms.

Used by `longctx new` (the interactive tag search) and by the issue-form bot, which
answers words it cannot use as tags with the nodes that match them.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

# Words people type -> the words the taxonomy uses for the same thing.
ALIASES: dict[str, tuple[str, ...]] = {
    "benchmark": ("dataset", "evaluation", "benchmark"),
    "eval": ("evaluation", "dataset", "metric"),
    "evaluation": ("evaluation", "dataset", "metric", "benchmark"),
    "test": ("evaluation", "dataset"),
    "score": ("metric",),
    "kv": ("key-value", "cache"),
    "kvcache": ("key-value", "cache"),
    "key": ("key-value",),
    "cache": ("cache", "key-value"),
    "rotary": ("rope", "rotary"),
    "rope": ("rope", "rotary"),
    "position": ("position", "positional", "rope"),
    "positional": ("position", "positional", "rope"),
    "pe": ("position", "rope"),
    "alibi": ("attention-bias", "bias"),
    "interpolation": ("interpolating", "rope-scaling", "scaling"),
    "extrapolation": ("extrapolate", "extrapolative"),
    "rag": ("retrieval", "retrieved"),
    "retrieval": ("retrieval", "retrieved"),
    "compress": ("compression", "compressing", "compress"),
    "prompt": ("prompt", "compression"),
    "linear": ("linear", "kernel", "kernelized"),
    "survey": ("survey", "overview"),
    "review": ("survey", "overview"),
    "moe": ("mixture-of-experts", "expert"),
    "expert": ("mixture-of-experts", "expert"),
    "quantisation": ("quantization",),
    "quantize": ("quantization",),
    "finetune": ("training", "fine-tune"),
    "finetuning": ("training", "fine-tune"),
    "training": ("training",),
    "library": ("toolkit",),
    "framework": ("toolkit",),
    "tool": ("toolkit",),
    "flashattention": ("flash",),
    "recurrent": ("recurrence",),
    "recurrence": ("recurrence",),
    "memory": ("memory",),
    "window": ("window",),
    "agent": ("multi-agent", "agent"),
}
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _words(text: str) -> set[str]:
    """Lowercase words of ``text``, hyphenated ones also split, plurals made singular."""
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        for part in (word, *word.split("-")):
            out.add(part)
            if len(part) > 3 and part.endswith("s") and not part.endswith("ss"):
                out.add(part[:-1])
    return out


def _query_terms(query: str) -> list[set[str]]:
    """One set of acceptable words per word of the query ("KV cache" -> {kv, key-value, cache}, {cache, ...})."""
    terms = []
    for word in _WORD.findall(query.lower().replace("kv-cache", "kv cache")):
        singular = word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        accepted = {word, singular, *ALIASES.get(word, ()), *ALIASES.get(singular, ())}
        terms.append(accepted)
    return terms


def search_nodes(query: str, taxonomy: Any, limit: int = 8) -> list[Any]:
    """Taxonomy nodes best matching ``query``, best first, ties in tree order.

    Substring matches on a node's id or title come first (so "rope" finds every RoPE
    node), then nodes whose id, title or description hold the query's words or the
    words people use for them ("benchmark" finds Datasets, "KV cache" Paged Attention),
    then fuzzy matches (so "sliding windw" still finds sliding-window-attention).
    """
    q = query.strip().lower()
    if not q:
        return []
    terms = _query_terms(q)
    scored = []
    for order, node in enumerate(taxonomy.nodes.values()):
        haystacks = (node.id, node.title.lower())
        if any(q in h for h in haystacks):
            score = 4.0 + (1.0 if any(h.startswith(q) for h in haystacks) else 0.0)
        else:
            named = _words(f"{node.id} {node.title}")
            described = _words(node.description or "")
            hits = [2.0 if accepted & named else 1.0 if accepted & described else 0.0 for accepted in terms]
            if terms and all(hits):
                score = 2.0 + sum(hits) / (2 * len(hits))  # between 2.5 and 3
            else:
                score = max(difflib.SequenceMatcher(None, q, h).ratio() for h in haystacks)
        if score >= 0.6:
            scored.append((-score, order, node))
    return [node for _, _, node in sorted(scored, key=lambda t: (t[0], t[1]))[:limit]]
