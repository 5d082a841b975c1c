"""The Chinese user guides, found where they are installed.

The guides' sources are ``docs/用户指南*.md`` in the repository; the wheel
ships them as the package ``govinfo_xlsx.guide_docs`` (``pyproject.toml`` maps
that package to ``docs/``), so ``govinfo-xlsx 帮助`` finds them on a clerk's
machine as well as in a source checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["GUIDES", "guide_dir", "guide_paths"]

#: The guides by file name, with what each is for (shown by ``govinfo-xlsx 帮助``).
GUIDES = {
    "用户指南.md": "填报指南：拿到模板、填写、校验、常见问题（填报人员）",
    "用户指南-汇总与报告.md": "生成年度报告（网页、Word、PDF）与逐级汇总（政务公开办）",
    "用户指南-导入报告.md": "导入、检查已发布的 Word、PDF、网页年度报告（政务公开办）",
}


def guide_dir() -> Path:
    """The folder holding the guides: the installed package, or the checkout's ``docs/``."""
    try:
        # A data folder without __init__.py is a namespace package: its files()
        # is a MultiplexedPath, whose entries are real paths.
        for entry in resources.files("govinfo_xlsx.guide_docs").iterdir():
            if entry.name in GUIDES:
                return Path(str(entry)).parent
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "docs"


def guide_paths() -> dict[str, Path]:
    """Each guide's full path, by file name (paths that do not exist are left out)."""
    folder = guide_dir()
    return {name: folder / name for name in GUIDES if (folder / name).is_file()}
