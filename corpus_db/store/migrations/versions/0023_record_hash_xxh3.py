"""Record fingerprints (paper_sources.record_hash) become XXH3-128 instead of SHA-256's first 128 bits.
A re-import hashes every line of a dump to recognise the unchanged ones, on the critical path of a
re-import whose two cores are busy: 100k lines of the Kaggle snapshot take 0.019 s of CPU instead of
0.176 s, and the 1%-edited re-import of 100k papers ran 1.255 s instead of 1.375 s (medians of 8
alternated runs). A fingerprint only tells a source's record from its own last text (look-ups are per
source, and the raw record itself is kept): a collision someone made on purpose could only keep that
source's old text of a record, so a cryptographic hash buys nothing here.

Every stored fingerprint is recomputed from the raw record it fingerprints (raw_record is kept byte for
byte), so records still count as unchanged after the upgrade; the downgrade recomputes the SHA-256 ones.
The fingerprint index is dropped and built again around the update, as in 0018.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import xxhash
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

INDEX = "ix_paper_sources_source_id_record_hash_listed_record_key"
FUNCTION = "corpus_db_record_hash_0023"


# The functions are written out here, not imported: a revision must keep meaning what it meant when the
# code that writes fingerprints changes again.
def _xxh3(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16].hex()


def _rehash(fingerprint: Callable[[str], str]) -> None:
    bind = op.get_bind()
    bind.connection.dbapi_connection.create_function(FUNCTION, 1, fingerprint, deterministic=True)
    op.drop_index(INDEX, table_name="paper_sources")
    op.execute(f"UPDATE paper_sources SET record_hash = {FUNCTION}(raw_record)")
    op.create_index(INDEX, "paper_sources", ["source_id", "record_hash", "listed", "record_key"])


def upgrade() -> None:
    _rehash(_xxh3)


def downgrade() -> None:
    _rehash(_sha256)
