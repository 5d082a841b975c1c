"""Defaults and limits, in one place."""

# Reading untrusted files -----------------------------------------------------
#: Largest file accepted at all (bytes on disk).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Largest inflated size of any zip member that must be read whole
#: (workbook.xml, sharedStrings.xml, rels).  Sheets are streamed and stop early.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: Largest inflated size of xl/workbook.xml and its relationships (a template's is ~25 KB).
MAX_WORKBOOK_PART_BYTES = 8 * 1024 * 1024
#: Largest inflated size of all members together, as declared by the zip.
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
#: A member that inflates more than this ratio and beyond 1 MiB is a zip bomb.
MAX_COMPRESSION_RATIO = 200
#: Most zip members accepted.
MAX_MEMBERS = 10_000
#: Sheet parts up to this inflated size are read whole by the fast parser;
#: larger ones are streamed with expat and parsing stops after the form.
FAST_PARSE_BYTES = 4 * 1024 * 1024
#: Most characters kept of one cell (Excel allows 32767; the rest of a longer cell is dropped).
MAX_CELL_CHARS = 32767
#: Most shared strings accepted.
MAX_SHARED_STRINGS = 2_000_000

#: Largest inflated workbook of which ``check --annotate`` makes a copy (openpyxl reads it all).
MAX_ANNOTATE_BYTES = 50 * 1024 * 1024

# Numbers ---------------------------------------------------------------------
#: Tolerance when comparing two sides of a relation (money has 4 decimals).
TOLERANCE = 1e-6

# Output ----------------------------------------------------------------------
#: Timestamp written into generated workbooks so the same inputs give the
#: same bytes.
FIXED_TIMESTAMP = (2021, 1, 1, 0, 0, 0)

# Merge -------------------------------------------------------------------------
#: Most files a worker reads and validates in one task (validation is vectorised per chunk).
MERGE_CHUNK = 32

# Proofreading -------------------------------------------------------------------
#: Most pinyin-typo warnings listed for one prose part (a summary says how many more).
MAX_TYPOS_PER_PART = 20
#: Characters of one prose part that are proofread for typos (the rest is not).
PROOFREAD_MAX_CHARS = 10_000

# Published reports (govinfo_xlsx.documents) ---------------------------------------
#: Most pages of a PDF report read (a report runs to a few dozen pages at most).
MAX_DOCUMENT_PAGES = 300
