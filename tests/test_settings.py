"""Settings and the public surface."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

import assistant
from assistant.errors import SettingsError
from assistant.settings import ENV_PREFIX, PROJECT_ROOT, Settings


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [ENV_PREFIX + f.name.upper() for f in fields(Settings) if ENV_PREFIX + f.name.upper() not in readme]
    assert missing == []


def test_settings_come_from_the_environment():
    s = Settings.from_env({"ASSISTANT_CORPUS_DIR": "/tmp/c", "ASSISTANT_CHUNK_CHARS": "300",
                           "ASSISTANT_BM25_WEIGHT": "0.5", "ASSISTANT_MODEL_PATH": ""})
    assert s.corpus_dir == Path("/tmp/c") and s.chunk_chars == 300 and s.bm25_weight == 0.5
    assert s.model_path == "" and s.resolved_model_path().is_dir()


@pytest.mark.parametrize("env,message", [
    ({"ASSISTANT_CHUNK_CHARS": "big"}, "ASSISTANT_CHUNK_CHARS='big' is not a valid int"),
    ({"ASSISTANT_CHUNK_CHARS": "10"}, "chunk_chars=10 is too small"),
    ({"ASSISTANT_CANDIDATES": "0"}, "at least 1"),
])
def test_bad_settings_say_which_and_why(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_public_api_is_explicit():
    assert sorted(assistant.__all__) == sorted(set(assistant.__all__))
    for name in assistant.__all__:
        assert hasattr(assistant, name)


def test_importing_the_package_does_not_load_torch_or_faiss():
    code = "import sys, assistant; print('torch' in sys.modules, 'faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PROJECT_ROOT).stdout
    assert out.strip() == "False False"
