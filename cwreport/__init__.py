"""Shared code for the Cold War 2.0 fact-check book.

One place each for: the version (here), loading data with its provenance
(:mod:`cwreport.data`), validating the data package (:mod:`cwreport.validate`),
the chart theme and offline renderer (:mod:`cwreport.charts`) and the claim
ledger (:mod:`cwreport.ledger`).
"""
from pathlib import Path

__version__ = "0.2.0"

TITLE = "Cold War 2.0, Part II, fact-checked"
SUBTITLE = ("An executable, fact-checked data report on the opinion article "
            "\u201cWest versus Russia, emerging Cold War 2.0, PART II rest of the world\u201d (December 2024)")
AUTHOR = "The Cold War 2.0 fact-check team"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEEDS = ROOT / "seeds"
ARTICLE = SEEDS / "000_814a5daf7bd827f4.txt"
# The latest event the article mentions (the impeachment vote of 14 December 2024):
# charts mark it as the article's vantage point.
ARTICLE_LAST_EVENT = "2024-12-14"
