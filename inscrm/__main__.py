"""`python -m inscrm` and the built executable: see inscrm.cli.launcher."""

from inscrm.cli.launcher import main

if __name__ == "__main__":
    main()
