"""Model behaviour on sensitive topics: classification rules, statistics, findings.

`classify` labels one answer, `stats` gives Wilson and Newcombe intervals,
`analysis` turns a stored run into an audit and `findings` states the gaps.
"""
