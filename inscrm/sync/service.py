"""Importing several bundles at once, in any order: each is applied once, in sequence order;
one refused for a gap is tried again after the others, which may fill it."""

from inscrm.db import engines
from inscrm.sync import BundleRefused, bundle
from inscrm.sync.apply import import_bundle


def _order(path):
    """Sort key: sender, epoch, first sequence; files that are no bundle go first (and fail)."""
    try:
        zf, _, manifest, _ = bundle.read_manifest(path)
        zf.close()
        return (1, str(manifest.get("from")), str(manifest.get("epoch")),
                int(manifest.get("first_seq") or 0), str(manifest.get("bundle_id")))
    except (bundle.Refused, ValueError, TypeError):
        return (0, "", "", 0, "")


def import_files(paths, data_dir, backup=None, workdir=None):
    """A Result or a BundleRefused for each path, in the order given."""
    outcomes = {}
    pending = sorted(paths, key=_order)
    while pending:
        progress, retry = False, []
        for path in pending:
            try:
                outcomes[path] = import_bundle(path, data_dir, backup=backup, workdir=workdir)
                progress = progress or not outcomes[path].already
            except BundleRefused as exc:
                outcomes[path] = exc
                retry.append(path)
        pending = retry if progress and len(retry) < len(pending) else []
    if any(not isinstance(o, BundleRefused) and not o.already for o in outcomes.values()):
        engines.tidy_after_load()
    return [outcomes[path] for path in paths]


def backup_callable(config):
    """The backup taken before a bundle is applied (SQLite data directories)."""
    from inscrm.db.backup import backup

    if not engines.is_sqlite():
        return None
    return lambda reason: backup(config["DATABASE"], config["BACKUPS"], reason)
