"""Bundles and registration files that pass through a page: uploads saved with a size limit
into a private folder of the data directory before anything opens them, applied, then removed;
downloads written there and removed once sent."""

import os
import shutil
import tempfile
from pathlib import Path

from inscrm.i18n import N_
from inscrm.sync import BundleRefused, registry
from inscrm.sync.export import export_bundle
from inscrm.sync.service import import_files

BLOCK = 1 << 20
FOLDER = "sync-files"
TOO_LARGE = N_("larger than %(limit)s MB, the most a page accepts; import it with "
               "`inscrm sync import`")


def work_folder(data_dir):
    """A new private folder for one upload or download (the caller removes it)."""
    root = Path(data_dir) / FOLDER
    root.mkdir(exist_ok=True)
    os.chmod(root, 0o700)
    return Path(tempfile.mkdtemp(dir=root))


def remove(folder):
    shutil.rmtree(folder, ignore_errors=True)


def save(stream, name, folder, limit):
    """Copy an uploaded stream to a file in `folder`, refusing it past `limit` bytes (before a
    byte of it is opened as a zip); returns the path."""
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".bundle")
    written = 0
    with os.fdopen(fd, "wb") as out:
        while block := stream.read(BLOCK):
            written += len(block)
            if written > limit:
                break
            out.write(block)
    if written > limit:
        Path(tmp).unlink(missing_ok=True)
        raise BundleRefused(name, TOO_LARGE, {"limit": f"{limit / (1 << 20):g}"})
    return Path(tmp)


def import_uploads(uploads, data_dir, limit, backup=None):
    """Apply uploaded bundles, given as (file name, stream), in any order: each once, in
    sequence order. Returns (file name, Result or BundleRefused) in the order given."""
    folder = work_folder(data_dir)
    try:
        outcomes, saved = [], {}
        for name, stream in uploads:
            try:
                path = save(stream, name, folder, limit)
            except BundleRefused as exc:
                outcomes.append([name, exc])
                continue
            saved[path] = len(outcomes)
            outcomes.append([name, None])
        results = import_files(list(saved), data_dir, backup=backup, workdir=folder)
        for path, result in zip(saved, results, strict=True):
            outcomes[saved[path]][1] = result
        return [tuple(outcome) for outcome in outcomes]
    finally:
        remove(folder)


def bundle_for(to_code, data_dir, full=False, recovery=False):
    """Write the bundle for `to_code` into a new work folder: (folder, path, file name for the
    download). The caller removes the folder once the file is sent."""
    folder = work_folder(data_dir)
    try:
        path = folder / "bundle"
        manifest = export_bundle(path, to_code, data_dir, full=full, recovery=recovery)
    except BaseException:
        remove(folder)
        raise
    stamp = manifest["created_at"][:19].replace("-", "").replace(":", "").replace(" ", "-")
    kind = "-recovery" if manifest["kind"] == "recovery" else ""
    return folder, path, f"{manifest['from']}-to-{manifest['to']}{kind}-{stamp}.bundle"


def registration_for(code, name, data_dir, user=None):
    """(HQ) Register a branch and write its registration file into a new work folder:
    (folder, path, file name for the download). The caller removes the folder once sent."""
    folder = work_folder(data_dir)
    try:
        path = folder / "registration"
        site = registry.register_branch(code, name, path, user=user)
    except BaseException:
        remove(folder)
        raise
    return folder, path, f"{site.code}.registration"
