"""Where export files live (a path from the job id only) and how a download is named."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import current_app

EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "md": "md", "zip": "zip"}
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
    "zip": "application/zip",
}
# Characters no file system or mail client should see in a name: separators, quotes, controls,
# and what Windows reserves.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')
_STAGED_NAME = re.compile(r"[0-9a-f]{32}")
_ASCII_FOLD = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})


def export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def file_path(job_id: int, fmt: str) -> Path:
    """The job's file: `<EXPORT_DIR>/<job id>.<extension>`; nothing a user typed is in it."""
    return export_dir() / f"export-{int(job_id)}.{EXTENSIONS[fmt]}"


def staged_upload(name: str) -> Path:
    """An uploaded spreadsheet kept between its preview and the confirm:
    `<EXPORT_DIR>/imports/<random hex>.xlsx`. The name is made by `new_upload_name`, never typed
    by a user; anything else is refused."""
    if not _STAGED_NAME.fullmatch(name):
        raise ValueError("not a staged upload name")
    return export_dir() / "imports" / f"{name}.xlsx"


def new_upload_name() -> str:
    return secrets.token_hex(16)


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a rerun replaces it, a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def download_name(title: str, fmt: str) -> str:
    """A file name from the title: ÆØÅ and other letters kept, separators and `..` gone."""
    name = unicodedata.normalize("NFC", title or "")
    name = _UNSAFE.sub(" ", name)
    name = " ".join(name.split()).strip(" .")
    name = name.replace("..", ".")[:120].strip(" .") or "veivalg-eksport"
    return f"{name}.{EXTENSIONS[fmt]}"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987 filename*)."""
    fallback = unicodedata.normalize("NFKD", filename.translate(_ASCII_FOLD))
    fallback = fallback.encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._ -]+", "", fallback).strip() or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
