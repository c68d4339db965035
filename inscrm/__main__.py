"""`python -m inscrm` and the built executable: see inscrm.launcher."""

from inscrm.launcher import main

if __name__ == "__main__":
    main()
