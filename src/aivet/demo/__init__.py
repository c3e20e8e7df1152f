"""aivet's demo: a fictional AI chat service ("DemoSeek") that behaves like the reference case.

`DemoServer` serves every host the demo pages use (the vendor's own hosts and
the real third-party names they talk to) from 127.0.0.1; a browser reaches it
through a host-resolver rule (`resolver_rule(port)`). `demo_intel_path()` is
the intel overlay that names the fictional vendor. See docs/demo.md.
"""

from aivet.demo.server import (
    DEMO_CHAT_URL,
    DEMO_HOSTS,
    DEMO_PRIVACY_URL,
    DEMO_START_URL,
    DemoServer,
    ReceivedRequest,
    demo_app_paths,
    demo_intel_path,
    resolver_rule,
)

__all__ = [
    "DEMO_CHAT_URL",
    "DEMO_HOSTS",
    "DEMO_PRIVACY_URL",
    "DEMO_START_URL",
    "DemoServer",
    "ReceivedRequest",
    "demo_app_paths",
    "demo_intel_path",
    "resolver_rule",
]
