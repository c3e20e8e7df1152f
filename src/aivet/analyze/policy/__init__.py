"""Privacy-policy analysis: read a policy (HTML, PDF, text), split it into sentences, find
what it says it collects, where it keeps it and who receives it, and raise `policy.*` flags.

Pure like every analyzer: the document's bytes in, a `PolicyReport` and findings out.
`analyze.analyze_policy_document` is the entry point; docs/policy.md describes the flags.
This module imports nothing so that `aivet.policy_model` users do not load the analyzer.
"""
