"""CLI commands that live beside their stage; registered in wiretrace.cli."""
