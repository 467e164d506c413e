"""Read the curated seed files, validate them, and load them in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pathways_kb.models import (
    Entry,
    EntryAlias,
    EntrySource,
    EntryText,
    KnowledgeBaseVersion,
    Relation,
)
from pathways_kb.schemas import EntrySpec, Problem, check_collection, check_entry

SEED_DIR = Path(__file__).parent / "seed"


class SeedError(ValueError):
    """The seed files have problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem(s) in the seed files:\n{listed}{more}"
        )


@dataclass(frozen=True)
class LoadReport:
    """What a load did."""

    entries: int
    content_hash: str
    changed: bool


def read_seed(seed_dir: Path = SEED_DIR) -> tuple[list[EntrySpec], str]:
    """Parse and validate every seed file; raises SeedError listing all problems."""
    specs: list[EntrySpec] = []
    problems: list[Problem] = []
    known_ids: set[str] = set()
    digest = hashlib.sha256()
    files = sorted(seed_dir.glob("*.yml"))
    if not files:
        raise SeedError([Problem(str(seed_dir), "-", "-", "no seed files found")])
    for path in files:
        name = path.name
        raw_text = path.read_bytes()
        digest.update(name.encode() + b"\0" + raw_text)
        try:
            document = yaml.safe_load(raw_text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "?"
            problems.append(Problem(name, "-", where, f"is not valid YAML: {error}"))
            continue
        if not isinstance(document, dict) or not isinstance(
            document.get("entries"), list
        ):
            problems.append(
                Problem(name, "-", "entries", "the file needs 'area' and 'entries'")
            )
            continue
        area = str(document.get("area") or path.stem)
        for index, raw in enumerate(document["entries"]):
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                known_ids.add(raw["id"])
            spec, found = check_entry(raw, file=name, area=area, index=index)
            problems.extend(found)
            if spec is not None:
                specs.append(spec)
    problems.extend(check_collection(specs, known_ids=known_ids))
    if problems:
        raise SeedError(problems)
    return specs, digest.hexdigest()


def current_hash(session: Session) -> str | None:
    """Hash of the content loaded last, if any."""
    stmt = select(KnowledgeBaseVersion.content_hash).order_by(
        KnowledgeBaseVersion.id.desc()
    )
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def load(
    session: Session, *, seed_dir: Path = SEED_DIR, force: bool = False
) -> LoadReport:
    """Replace the knowledge base with the seed files (in the caller's transaction)."""
    specs, content_hash = read_seed(seed_dir)
    if not force and current_hash(session) == content_hash:
        return LoadReport(entries=len(specs), content_hash=content_hash, changed=False)
    for table in (Relation, EntryAlias, EntrySource, EntryText, Entry):
        session.execute(delete(table))
    for spec in specs:
        session.add(
            Entry(
                id=spec.id,
                area=spec.area,
                pathway=spec.pathway,
                audience=spec.audience,
                verified=spec.verified,
                as_of=spec.as_of,
                review_by=spec.review_by,
                is_published=True,
                source_file=spec.file,
            )
        )
    session.flush()
    for spec in specs:
        for lang, title in spec.title.items():
            session.add(
                EntryText(
                    entry_id=spec.id,
                    lang=lang,
                    title=title[:200],
                    answer=spec.answer[lang],
                    key_facts="\n".join(spec.key_facts[lang]),
                )
            )
        for position, source in enumerate(spec.sources):
            session.add(
                EntrySource(
                    entry_id=spec.id,
                    position=position,
                    url=source.url,
                    title=source.title[:300],
                )
            )
        for lang, aliases in spec.aliases.items():
            for alias in dict.fromkeys(a.casefold()[:120] for a in aliases):
                session.add(EntryAlias(entry_id=spec.id, lang=lang, alias=alias))
        for rank, target in enumerate(dict.fromkeys(spec.related)):
            session.add(Relation(source_id=spec.id, target_id=target, rank=rank))
    session.add(
        KnowledgeBaseVersion(
            content_hash=content_hash,
            entry_count=len(specs),
            loaded_at=datetime.now(timezone.utc),
        )
    )
    session.flush()
    return LoadReport(entries=len(specs), content_hash=content_hash, changed=True)
