"""Cross-cutting pages: health, readiness and the language switch."""
