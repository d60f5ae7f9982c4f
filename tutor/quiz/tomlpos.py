"""Where each key and value of a (valid) TOML text sits, so errors can point into the file.

`tomllib` returns plain dicts with no positions. The validator needs "line:col of
the offending key", so after `tomllib` has accepted a block we scan the same text
once more, recording the position of every key and every array element under its
path (keys are strings, array indices ints; `[[option]]` tables are
`("option", n)`). The scanner trusts that the text is valid TOML and is
deliberately small: it understands tables, arrays of tables, dotted keys, inline
tables, arrays, strings and comments — everything the content format uses.
"""

from __future__ import annotations

import contextlib

Path = tuple[str | int, ...]
"""A path into parsed TOML: table keys and array indices."""


class PositionMap:
    """Positions (0-based line, 0-based col within the scanned text) by TOML path."""

    def __init__(self, text: str) -> None:
        self.keys: dict[Path, tuple[int, int]] = {}
        self.values: dict[Path, tuple[int, int]] = {}
        self._text = text
        self._i = 0
        self._line_starts = [0]
        for n, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(n + 1)
        with contextlib.suppress(IndexError, ValueError):  # only on text tomllib rejected
            self._scan()

    # -- queries ---------------------------------------------------------------

    def key(self, path: Path) -> tuple[int, int] | None:
        """Position of the key (or header / array element) at `path`, else of its nearest parent."""
        for n in range(len(path), 0, -1):
            sub = path[:n]
            if sub in self.keys:
                return self.keys[sub]
            if sub in self.values:
                return self.values[sub]
        return None

    def value(self, path: Path) -> tuple[int, int] | None:
        """Position of the value at `path`, else of its key, else of the nearest parent."""
        if path in self.values:
            return self.values[path]
        return self.key(path)

    # -- scanner ---------------------------------------------------------------

    def _pos(self, i: int) -> tuple[int, int]:
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= i:
                lo = mid
            else:
                hi = mid - 1
        return lo, i - self._line_starts[lo]

    def _peek(self, k: int = 0) -> str:
        j = self._i + k
        return self._text[j] if j < len(self._text) else ""

    def _skip_ws(self, newlines: bool) -> None:
        t = self._text
        while self._i < len(t):
            ch = t[self._i]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self._i += 1
            elif ch == "#":
                while self._i < len(t) and t[self._i] != "\n":
                    self._i += 1
            else:
                return

    def _scan(self) -> None:
        prefix: Path = ()
        counts: dict[tuple[str, ...], int] = {}
        t = self._text
        while True:
            self._skip_ws(newlines=True)
            if self._i >= len(t):
                return
            start = self._i
            if t[self._i] == "[":
                array = self._peek(1) == "["
                self._i += 2 if array else 1
                keys = self._read_key()
                self._skip_ws(newlines=False)
                self._i += 2 if array else 1
                resolved: list[str | int] = []
                for n, k in enumerate(keys):
                    resolved.append(k)
                    sub = tuple(keys[: n + 1])
                    last = n == len(keys) - 1
                    if array and last:
                        counts[sub] = counts.get(sub, 0) + 1
                        resolved.append(counts[sub] - 1)
                    elif sub in counts:
                        resolved.append(counts[sub] - 1)
                prefix = tuple(resolved)
                self.keys[prefix] = self._pos(start)
                if array:
                    self.keys.setdefault(prefix[:-1], self._pos(start))
            else:
                self._key_value(prefix)

    def _read_key(self) -> list[str]:
        """Read a dotted key at the cursor; returns its parts."""
        parts: list[str] = []
        t = self._text
        while True:
            self._skip_ws(newlines=False)
            ch = t[self._i]
            if ch in "\"'":
                end = t.index(ch, self._i + 1)
                while ch == '"' and t[end - 1] == "\\":
                    end = t.index(ch, end + 1)
                parts.append(t[self._i + 1 : end])
                self._i = end + 1
            else:
                j = self._i
                while j < len(t) and (t[j].isalnum() or t[j] in "_-"):
                    j += 1
                parts.append(t[self._i : j])
                self._i = j
            self._skip_ws(newlines=False)
            if self._peek() == ".":
                self._i += 1
                continue
            return parts

    def _key_value(self, prefix: Path) -> None:
        start = self._i
        keys = self._read_key()
        for n in range(1, len(keys) + 1):
            self.keys.setdefault(prefix + tuple(keys[:n]), self._pos(start))
        path = prefix + tuple(keys)
        self._skip_ws(newlines=False)
        self._i += 1  # '='
        self._skip_ws(newlines=False)
        self._value(path)

    def _value(self, path: Path) -> None:
        t = self._text
        self.values[path] = self._pos(self._i)
        ch = t[self._i]
        if ch == "{":
            self._i += 1
            while True:
                self._skip_ws(newlines=True)
                if self._peek() == "}":
                    self._i += 1
                    return
                if self._peek() == ",":
                    self._i += 1
                    continue
                self._key_value(path)
        elif ch == "[":
            self._i += 1
            idx = 0
            while True:
                self._skip_ws(newlines=True)
                if self._peek() == "]":
                    self._i += 1
                    return
                if self._peek() == ",":
                    self._i += 1
                    idx += 1
                    continue
                elem = (*path, idx)
                self.keys[elem] = self._pos(self._i)
                self._value(elem)
        elif t.startswith('"""', self._i) or t.startswith("'''", self._i):
            delim = t[self._i : self._i + 3]
            end = self._i + 3
            while True:
                end = t.index(delim, end)
                if delim == '"""' and t[end - 1] == "\\" and t[end - 2] != "\\":
                    end += 1
                    continue
                break
            while t.startswith(delim[0], end + 3):
                end += 1
            self._i = end + 3
        elif ch == '"':
            j = self._i + 1
            while t[j] != '"':
                j += 2 if t[j] == "\\" else 1
            self._i = j + 1
        elif ch == "'":
            self._i = t.index("'", self._i + 1) + 1
        else:
            j = self._i
            while j < len(t) and t[j] not in ",]}\n#":
                j += 1
            self._i = j
