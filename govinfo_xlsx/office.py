"""Conversions with LibreOffice (``soffice --headless --convert-to``).

``soffice`` exits 0 even when it cannot load the input or write the output
(it only prints "Error: source file could not be loaded"), so success is
judged by the output file, and soffice's own message is shown when it is
missing.  Each run gets its own user profile: two soffice processes sharing a
profile wait on its lock or exit silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["NO_SOFFICE", "ConversionError", "convert_with_soffice", "soffice_path"]

#: What to do when a PDF is asked for on a machine without LibreOffice.
NO_SOFFICE = ("生成 PDF 需要 LibreOffice（soffice 命令），本机未安装。可先生成 Word（.docx），"
              "在 Word/WPS 中“另存为 PDF”；或安装 LibreOffice 后重试。")


class ConversionError(RuntimeError):
    """LibreOffice is missing or did not produce the output; the message is Chinese."""


def soffice_path() -> str | None:
    """The ``soffice`` (or ``libreoffice``) executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_soffice(src: str | os.PathLike[str], target: str, outdir: str | os.PathLike[str], *,
                         timeout: float = 180) -> Path:
    """Convert ``src`` with LibreOffice to ``target`` (``pdf``, ``xlsx``…) in ``outdir``; return the output path.

    Raises :class:`ConversionError` when soffice is not installed, times out,
    or leaves no output (with soffice's message).
    """
    exe = soffice_path()
    if exe is None:
        raise ConversionError(NO_SOFFICE)
    src, outdir = Path(src), Path(outdir)
    out = outdir / (src.stem + "." + target.split(":")[0])
    with tempfile.TemporaryDirectory(prefix="govinfo-soffice-") as profile:
        cmd = [exe, "--headless", "--invisible", "--nologo", "--norestore",
               f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", target,
               "--outdir", str(outdir), str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"LibreOffice 转换超时（{timeout:.0f} 秒），未生成 {out.name}。") from exc
        except OSError as exc:
            raise ConversionError(f"无法启动 LibreOffice（{exc.strerror}）。") from exc
    if not out.exists() or out.stat().st_size == 0:
        said = (proc.stderr + proc.stdout).decode("utf-8", "replace").strip()
        raise ConversionError(f"LibreOffice 未能生成 {out.name}（退出码 {proc.returncode}）"
                              + (f"：{said[-800:]}" if said else "。"))
    return out
