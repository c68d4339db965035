"""The version of InsCRM; a frozen build also carries its build date in `_build_info.py`."""

__version__ = "0.1.0"


def build_date():
    """The date the executable was built, or None when running from source."""
    try:
        from inscrm._build_info import BUILD_DATE
    except ImportError:
        return None
    return BUILD_DATE


def version_string():
    """'InsCRM 0.1.0', with ' (built 2026-11-25)' in a built executable."""
    built = build_date()
    return f"InsCRM {__version__}" + (f" (built {built})" if built else "")
