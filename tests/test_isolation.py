"""Tests run in an environment of their own: the user's home, XDG folders and TAILORMED_* settings are not read."""

from __future__ import annotations

import os
import pwd
import shutil
from datetime import UTC, datetime
from pathlib import Path

from tailormed.knowledge.bundle import BUNDLE_FORMAT_VERSION, MANIFEST_FILE, default_bundle_dir, load_bundle
from tailormed.knowledge.manifest import Manifest
from tailormed.version import __version__


def test_home_and_data_folders_are_the_runs_own() -> None:
    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    assert Path.home() != real_home
    assert Path.home().name.startswith("tailormed-test-home-")
    assert default_bundle_dir().is_relative_to(Path.home())
    kept = ("TAILORMED_SHARED_DATA", "TAILORMED_TEST_POSTGRES_URL")
    assert not [name for name in os.environ if name.startswith("TAILORMED_") and name not in kept]


def test_a_bundle_in_the_default_folder_is_what_load_bundle_finds() -> None:
    """The isolation works by pointing the defaults elsewhere, so the default lookup itself is still exercised."""
    assert load_bundle().root is None  # nothing installed in the run's own data folder: the curated core
    target = default_bundle_dir()
    try:
        target.mkdir(parents=True)
        manifest = Manifest(
            format_version=BUNDLE_FORMAT_VERSION, created=datetime.now(UTC), tailormed_version=__version__
        )
        (target / MANIFEST_FILE).write_text(manifest.model_dump_json(), encoding="utf-8")
        assert load_bundle().root == target
    finally:
        shutil.rmtree(target.parent)
