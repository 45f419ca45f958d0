"""``python -m synthgan``: the command line (also what ``torchrun -m synthgan`` runs)."""

from synthgan.cli.main import main

if __name__ == "__main__":  # spawned worker processes import this module as __mp_main__: run nothing then
    main()
