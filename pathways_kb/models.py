"""Knowledge-base tables: entries, wording per language, sources, aliases, links."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)

from pathways_kb.db import Base


class Entry(Base):
    """One curated answer about a pathway."""

    __tablename__ = "entry"
    id = Column(String(80), primary_key=True)
    area = Column(String(32), nullable=False)  # the seed file's topic area
    pathway = Column(String(32), nullable=False)
    audience = Column(String(10), nullable=False)  # "youth" | "parent" | "both"
    verified = Column(Boolean, nullable=False)
    as_of = Column(Date, nullable=False)
    review_by = Column(Date, nullable=False)
    is_published = Column(Boolean, nullable=False, default=True)
    source_file = Column(String(200), nullable=False)


class EntryText(Base):
    """Wording of one knowledge-base entry in one language."""

    __tablename__ = "entry_text"
    entry_id = Column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    lang = Column(String(8), primary_key=True)  # "en" | "yue"
    title = Column(String(200), nullable=False)
    answer = Column(Text, nullable=False)
    key_facts = Column(Text, nullable=False)  # one fact per line


class EntrySource(Base):
    """A source URL behind an entry."""

    __tablename__ = "entry_source"
    entry_id = Column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    position = Column(Integer, primary_key=True)
    url = Column(String(1000), nullable=False)
    title = Column(String(300), nullable=False)


class EntryAlias(Base):
    """A word or abbreviation people use for an entry's topic."""

    __tablename__ = "entry_alias"
    entry_id = Column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    lang = Column(String(8), primary_key=True)
    alias = Column(String(120), primary_key=True)


class Relation(Base):
    """A follow-up link from one entry to another."""

    __tablename__ = "relation"
    source_id = Column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    target_id = Column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    rank = Column(Integer, nullable=False)


class KnowledgeBaseVersion(Base):
    """One row per load: lets running servers notice new content."""

    __tablename__ = "kb_version"
    id = Column(Integer, primary_key=True)
    content_hash = Column(String(64), nullable=False)
    entry_count = Column(Integer, nullable=False)
    loaded_at = Column(DateTime(timezone=True), nullable=False)
