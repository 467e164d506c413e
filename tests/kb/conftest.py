"""A small, valid seed folder that tests copy and break one way at a time."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml


def entry(entry_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid entry; `overrides` replace top-level fields."""
    base = {
        "id": entry_id,
        "pathway": "vpet",
        "audience": "both",
        "verified": True,
        "title": {"en": f"Title {entry_id}", "yue": f"標題 {entry_id}"},
        "answer": {
            "en": f"Answer about {entry_id}.",
            "yue": f"關於 {entry_id} 嘅答案。",
        },
        "key_facts": {"en": ["A fact"], "yue": ["一個事實"]},
        "sources": [{"url": "https://www.vtc.edu.hk/admission/", "title": "VTC"}],
        "as_of": "2025-07-14",
        "review_by": "2026-08-31",
        "related": [],
        "aliases": {"en": [entry_id.replace("-", " ")], "yue": [f"{entry_id}別名"]},
    }
    base.update(copy.deepcopy(overrides))
    return base


VALID = {
    "vpet.yml": {
        "area": "vpet",
        "entries": [
            entry(
                "vtc-higher-diploma",
                title={"en": "Higher Diploma (HD) at VTC", "yue": "VTC 高級文憑（HD）"},
                answer={
                    "en": "A Higher Diploma is a two-year programme at QF Level 4.",
                    "yue": "高級文憑係兩年制課程，屬資歷架構第四級。",
                },
                aliases={
                    "en": ["HD", "higher diploma", "higher dip"],
                    "yue": ["高級文憑", "高文"],
                },
                related=["dae-diploma-of-applied-education"],
            ),
            entry(
                "dae-diploma-of-applied-education",
                title={
                    "en": "Diploma of Applied Education (DAE)",
                    "yue": "應用教育文憑（DAE）",
                },
                answer={
                    "en": "DAE is for S6 school leavers aged 21 or above or who finished S6.",
                    "yue": "應用教育文憑俾完成中六嘅同學讀，等同文憑試五科第二級。",
                },
                aliases={
                    "en": ["DAE", "yi jin"],
                    "yue": ["應用教育文憑", "毅進", "DAE"],
                },
                verified=False,
                related=["vtc-higher-diploma"],
            ),
        ],
    },
    "working_holiday.yml": {
        "area": "working_holiday",
        "entries": [
            entry(
                "whs-japan",
                pathway="working_holiday",
                audience="youth",
                title={"en": "Working holiday in Japan", "yue": "日本工作假期"},
                answer={
                    "en": "Japan offers 1,500 working holiday places to Hong Kong youths a year.",
                    "yue": "日本每年俾香港青年 1,500 個工作假期名額。",
                },
                aliases={
                    "en": ["japan working holiday"],
                    "yue": ["日本工作假期", "日本工假"],
                },
                review_by="2025-12-31",
            ),
            entry(
                "parent-how-to-support",
                pathway="parent_support",
                audience="parent",
                title={
                    "en": "How parents can support choices",
                    "yue": "家長點樣支持子女揀出路",
                },
                answer={
                    "en": "Listen first, explore options together, and visit info days.",
                    "yue": "先聆聽，一齊了解唔同出路，陪佢去資訊日。",
                },
                aliases={"en": ["support my child"], "yue": ["支持子女", "家長點幫"]},
            ),
        ],
    },
}


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A folder with the valid seed files."""
    folder = tmp_path / "seed"
    folder.mkdir()
    for name, document in VALID.items():
        (folder / name).write_text(
            yaml.safe_dump(document, allow_unicode=True), encoding="utf-8"
        )
    return folder


@pytest.fixture
def break_seed(seed_dir: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """Apply `mutate(document)` to vpet.yml's document and write it back."""

    def apply(mutate: Callable[[dict[str, Any]], None], file: str = "vpet.yml") -> Path:
        path = seed_dir / file
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        mutate(document)
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        return seed_dir

    return apply


@pytest.fixture
def kb_loaded(database: str, seed_dir: Path) -> Path:
    """The small knowledge base, loaded into the test database."""
    from pathways_kb import loader
    from pathways_kb.db import session_scope

    with session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
    return seed_dir


@pytest.fixture
def kb_session(kb_loaded: Path) -> Any:
    """A session on the loaded small knowledge base."""
    from pathways_kb.db import session_scope

    with session_scope() as session:
        yield session
