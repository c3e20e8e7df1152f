"""Verdicts: an organisation's policy applied to audits, a vendor registry, allowlist exports.

- `policy`: the policy file (YAML), validated with errors that name the line.
- `evaluate`: policy + audits → a `Verdict` (allow / review / deny) that explains itself.
- `registry`: vendors, their audits and verdicts over time, and when a verdict expires.
- `exporters`: the registry's decisions compiled for gateways and proxies.
- `render`: a verdict for people (terminal), CI (Markdown, SARIF) and machines (JSON).
"""
