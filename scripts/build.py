"""Build what the assistant needs, skipping every step whose inputs did not change.

Steps: blank spaCy pipelines, the Rasa domain with responses from locales/, the
database schema, the knowledge base (loaded when the seed files changed), and
the Rasa model (trained only when its inputs changed).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import subprocess
import sys
import time

import yaml

from pathways_kb.loader import SeedError
from scripts import paths

log = logging.getLogger("build")


def step(title: str) -> None:
    """Show progress."""
    print(f"==> {title}", flush=True)


def build_spacy() -> None:
    """Blank spaCy pipelines: Chinese with the jieba segmenter, and English."""
    import spacy

    marker = paths.BUILD / "spacy" / f"spacy-{spacy.__version__}"
    if marker.exists() and paths.SPACY_ZH.exists() and paths.SPACY_EN.exists():
        return
    step("building blank spaCy pipelines (zh with jieba, en)")
    paths.SPACY_ZH.parent.mkdir(parents=True, exist_ok=True)
    zh = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    zh.to_disk(paths.SPACY_ZH)
    spacy.blank("en").to_disk(paths.SPACY_EN)
    marker.touch()


def build_domain() -> None:
    """domain.yml plus responses generated from locales/, in one folder for Rasa."""
    from locales import domain_responses

    paths.DOMAIN.mkdir(parents=True, exist_ok=True)
    base = (paths.ROOT / "domain.yml").read_text(encoding="utf-8")
    responses = (
        "# Generated from locales/ by scripts/build.py; do not edit.\n"
        + yaml.safe_dump(
            {"version": "3.1", "responses": domain_responses()},
            allow_unicode=True,
            sort_keys=True,
            width=100,
        )
    )
    for name, text in (("domain.yml", base), ("responses.yml", responses)):
        target = paths.DOMAIN / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def migrate_database() -> None:
    """Create or upgrade the app database (DATABASE_URL, or the SQLite default)."""
    from pathways_kb import db

    step("migrating the database")
    db.migrate()


def load_knowledge_base() -> None:
    """Validate the curated seed files and load them when they changed."""
    from pathways_kb import db, loader

    with db.session_scope() as session:
        report = loader.load(session)
    if report.changed:
        step(f"loaded the knowledge base: {report.entries} entries")


def training_fingerprint() -> str:
    """Hash of every file that shapes the trained model."""
    digest = hashlib.sha256()
    files = []
    for name in paths.TRAINING_INPUTS:
        path = paths.ROOT / name
        files.extend(sorted(path.rglob("*.yml")) if path.is_dir() else [path])
    for file in files:
        digest.update(str(file.relative_to(paths.ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def train_model(force: bool = False) -> None:
    """Train the Rasa model when its inputs changed since the last training."""
    fingerprint = training_fingerprint()
    if (
        not force
        and paths.MODEL.exists()
        and paths.MODEL_FINGERPRINT.exists()
        and paths.MODEL_FINGERPRINT.read_text() == fingerprint
    ):
        return
    step("training the Rasa model (its inputs changed; 4-6 minutes on 2 cores)")
    started = time.monotonic()
    paths.MODELS.mkdir(exist_ok=True)
    command = [
        str(paths.ROOT / ".venv" / "bin" / "rasa"),
        "train",
        "--config",
        "config.yml",
        "--domain",
        str(paths.DOMAIN),
        "--data",
        "nlu",
        "stories",
        "--out",
        str(paths.MODELS),
        "--fixed-model-name",
        "pathpal",
        "--force",
    ]
    subprocess.run(
        command, cwd=paths.ROOT, env=paths.rasa_env(dict(os.environ)), check=True
    )
    paths.MODEL_FINGERPRINT.write_text(fingerprint)
    step(f"model trained in {time.monotonic() - started:.0f} s")


def main() -> None:
    """Run every build step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--retrain", action="store_true", help="train even if nothing changed"
    )
    parser.add_argument("--no-train", action="store_true", help="skip training")
    args = parser.parse_args()
    started = time.monotonic()
    build_spacy()
    build_domain()
    migrate_database()
    load_knowledge_base()
    if not args.no_train:
        train_model(force=args.retrain)
    step(f"ready ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as error:
        sys.exit(
            f"build failed: {' '.join(error.cmd[:2])} exited with {error.returncode}"
        )
    except SeedError as error:
        sys.exit(f"build failed: the knowledge base is not valid.\n{error}")
