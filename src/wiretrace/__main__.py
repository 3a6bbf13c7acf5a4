"""`python -m wiretrace`: the same command line as the `wiretrace` script."""

from wiretrace.cli import app

if __name__ == "__main__":
    app(prog_name="wiretrace")
