"""The exposure collector: data services a vendor left open, probed within a checked scope.

`scope` expands and checks targets, `ports` plans which checks run where, `runner`
drives the probes through `limits` and `net` (bounded, recorded connections), and
`checks/` holds one module per service, each quoting the exact requests it sends.
"""
