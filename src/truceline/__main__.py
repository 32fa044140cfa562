"""``python -m truceline`` is the same as the ``truceline`` command."""

from truceline.cli import main

if __name__ == "__main__":
    main()
