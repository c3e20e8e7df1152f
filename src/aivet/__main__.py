"""Allow `python -m aivet`."""

from aivet.cli import main

raise SystemExit(main())
