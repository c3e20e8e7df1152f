"""One module per `aivet` verb; each defines `register(subparsers)` and sets `handler`."""
