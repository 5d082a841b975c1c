"""Drive LibreOffice Calc over UNO: run with Debian's /usr/bin/python3 (which has ``uno``).

Reads a JSON list of jobs on stdin and writes a JSON list of results on stdout.
A job: ``{"file": PATH, "fill": [{"sheet", "cell", "value", "as_user"}], "calculate": bool,
"save": PATH|null}``.  For every job the result holds, per sheet: protection,
the cached values as loaded (before any recalculation), the values and
formulas after the job's fills and recalculation, formula errors, and per
cell whether it is locked and which validation type it has.

``as_user``: the UNO API writes into protected cells where a user could not,
so a fill acting as a clerk first checks the sheet and cell protection and
refuses (reported in ``refused``) like Calc would.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect():
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"govinfo{os.getpid()}"
    proc = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         f"-env:UserInstallation=file://{profile}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            if time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, profile, desktop


def used_range(sheet):
    cur = sheet.createCursor()
    cur.gotoEndOfUsedArea(False)
    addr = cur.getRangeAddress()
    return sheet.getCellRangeByPosition(0, 0, addr.EndColumn, addr.EndRow)


def col_name(c):
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def snapshot(sheet, with_formats):
    rng = used_range(sheet)
    out = {
        "protected": bool(sheet.isProtected()),
        "values": [list(r) for r in rng.getDataArray()],
        "formulas": [list(r) for r in rng.getFormulaArray()],
    }
    errors = []
    strings = []
    for r, row in enumerate(out["formulas"]):
        for c, f in enumerate(row):
            if isinstance(f, str) and f.startswith("="):
                cell = sheet.getCellByPosition(c, r)
                if cell.getError() != 0:
                    errors.append(f"{col_name(c)}{r + 1}")
                else:
                    # getDataArray gives strings of string-valued formulas already
                    pass
    out["errors"] = errors
    out["strings"] = strings
    if with_formats:
        locked, validation = {}, {}
        for fr in rng.getCellFormatRanges():
            a = fr.getRangeAddress()
            is_locked = bool(fr.CellProtection.IsLocked)
            vtype = fr.Validation.Type.value
            for r in range(a.StartRow, a.EndRow + 1):
                for c in range(a.StartColumn, a.EndColumn + 1):
                    key = f"{col_name(c)}{r + 1}"
                    locked[key] = is_locked
                    validation[key] = vtype
        out["locked"] = locked
        out["validation"] = validation
    return out


def run_job(desktop, job):
    url = uno.systemPathToFileUrl(os.path.abspath(job["file"]))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        return {"file": job["file"], "error": "cannot open"}
    try:
        sheets = doc.getSheets()
        names = list(sheets.getElementNames())
        result = {"file": job["file"], "sheet_names": names, "cached": {}, "sheets": {}, "refused": []}
        for n in names:
            result["cached"][n] = snapshot(sheets.getByName(n), False)["values"]
        for f in job.get("fill", []):
            sheet = sheets.getByName(f["sheet"])
            cell = sheet.getCellRangeByName(f["cell"])
            if f.get("as_user", True) and sheet.isProtected() and cell.CellProtection.IsLocked:
                result["refused"].append(f"{f['sheet']}!{f['cell']}")
                continue
            v = f["value"]
            if v is None:
                cell.setString("")
            elif isinstance(v, str):
                cell.setString(v)
            else:
                cell.setValue(v)
        if job.get("calculate", True):
            doc.calculateAll()
        for n in names:
            result["sheets"][n] = snapshot(sheets.getByName(n), job.get("formats", True))
        if job.get("save"):
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(job["save"])),
                           (prop("FilterName", job.get("filter", "Calc MS Excel 2007 XML")),))
        return result
    finally:
        doc.close(True)


def main():
    jobs = json.load(sys.stdin)
    proc, profile, desktop = connect()
    try:
        results = [run_job(desktop, j) for j in jobs]
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            proc.wait(timeout=20)
        except Exception:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
