"""longctx-catalog: a validated, generated catalogue of long-context LLM research."""

__version__ = "0.1.0"
