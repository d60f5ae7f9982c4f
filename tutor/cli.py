"""Command-line entry point (placeholder until the parser lands)."""


def main(argv: list[str] | None = None) -> int:
    print("usage: tutor [simulate|sweep|content|quiz|progress]")
    return 0
