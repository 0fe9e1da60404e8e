#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets under tests/fuzz/corpus/<target>/ (committed;
regenerate with `/usr/bin/python3 scripts/make_fuzz_corpus.py`, which replaces the seed files it
owns and leaves any other files, such as inputs a fuzz session added, in place).

Every crafted input of issue 12 ("Hardened inputs") is here, named after what it is, beside
valid files written by numpy itself, so that `ctest` replays each through the same entry
function the fuzzer uses (tests/fuzz/replay_main.cpp). The gzip bombs are scaled down to keep
the tree small (64 MiB of zeros in a 64 KiB file instead of 1 GiB in 1 MB); the readers stop at
the first byte beyond the header's size either way, and tests/data builds the full-size ones.
"""
import gzip
import io
import os
import struct
import zlib

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def npy(header, major=1, data=b""):
    """A .npy file with a hand-written header dict (format version major.0)."""
    h = header.encode("latin1")
    length = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + length + h + data


def dict_with(descr, shape, order="False"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }\n" % (descr, order, shape)


def saved(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def npy_corpus():
    x = np.arange(24, dtype="<f4").reshape(2, 3, 4) / 7
    nan = x.copy()
    nan[1, 2, 3] = np.nan
    nan[0, 1, 0] = np.inf
    f4 = dict_with("'<f4'", "(4,)")
    return {
        "valid_f4_2x3x4.npy": saved(x),
        "valid_f8_5.npy": saved(np.linspace(-1, 1, 5)),
        "valid_f4_scalar.npy": saved(np.float32(2.5)),
        "valid_f8_empty_0x3.npy": saved(np.zeros((0, 3))),
        "valid_v2.npy": saved(x, (2, 0)),
        "valid_v3.npy": saved(x, (3, 0)),
        "valid_nan_inf.npy": saved(nan),
        "fortran_order.npy": saved(np.asfortranarray(x.astype("<f8"))),
        "big_endian.npy": saved(x.astype(">f4")),
        "int64.npy": saved(np.arange(6, dtype="<i8")),
        "truncated_data.npy": saved(x)[:-7],
        "trailing_data.npy": saved(x) + b"\0\0\0\0",
        # issue 12, item 1: headers that crashed std::regex
        "long_descr_50000.npy": npy(dict_with("'" + "a" * 50000 + "'", "(4,)"), 1, bytes(16)),
        "long_spaces_in_shape.npy": npy(dict_with("'<f4'", "(4," + " " * 60000 + ")"), 1, bytes(16)),
        "long_spaces_after_key.npy": npy("{'descr'" + " " * 60000 + ": '<f4', 'fortran_order': False, "
                                         "'shape': (4,), }\n", 1, bytes(16)),
        "unclosed_quote.npy": npy("{'descr': '<f4" + " " * 60000, 1),
        "long_header_v2.npy": npy(f4 + " " * 70000 + "\n", 2, bytes(16)),
        # item 2: shapes whose size wraps around 2^64 (header only, no data)
        "overflow_2e62.npy": npy(dict_with("'<f4'", "(4611686018427387904,)")),
        "overflow_2e32x2e32.npy": npy(dict_with("'<f4'", "(4294967296, 4294967296)")),
        "overflow_2e40x2e40.npy": npy(dict_with("'<f4'", "(1099511627776, 1099511627776)")),
        "overflow_2e61x2x2x2.npy": npy(dict_with("'<f4'", "(2305843009213693952, 2, 2, 2)")),
        "overflow_zero_2e40x2e40.npy": npy(dict_with("'<f4'", "(0, 1099511627776, 1099511627776)")),
        "overflow_2e62x4.npy": npy(dict_with("'<f4'", "(4611686018427387904, 4)")),
        # item 3: shapes numpy rejects
        "float_dim.npy": npy(dict_with("'<f4'", "(2.5, 3, 2, 2)"), 1, bytes(48)),
        "string_dim.npy": npy(dict_with("'<f4'", "('4', 3, 2, 2)"), 1, bytes(96)),
        "junk_after_shape.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, \x01\xfe0 9 "
                                    "\x7f2 1 0, 00 ,)\n", 1, bytes(24)),
        "duplicate_descr.npy": npy("{'descr': '<i8', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}",
                                   1, bytes(12)),
        "dim_20_digits.npy": npy(dict_with("'<f4'", "(12345678901234567890, 3)")),
        "dim_negative.npy": npy(dict_with("'<f4'", "(-1, 3)")),
        "shape_not_tuple.npy": npy(dict_with("'<f4'", "(4)"), 1, bytes(16)),
        "extra_key.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 0}", 1, bytes(4)),
        "missing_shape.npy": npy("{'descr': '<f4', 'fortran_order': False}"),
        "too_many_dims.npy": npy(dict_with("'<f4'", "(" + "1, " * 65 + ")"), 1, bytes(4)),
        "header_length_beyond_file.npy": npy(f4)[:8] + b"\xff\xff" + npy(f4)[10:],
        "version_4.npy": b"\x93NUMPY\x04\x00" + npy(f4)[8:],
        "no_magic.npy": b"x,y\n1,2\n",
        "empty.npy": b"",
    }


def idx(magic, sizes, data=b""):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", s) for s in sizes) + data


def gzip_members(*parts):
    """Concatenated gzip members: one stream to zlib, cheap to build even when it is a bomb."""
    return b"".join(gzip.compress(p, 9, mtime=0) for p in parts)


def bomb(head, block, repeats):
    return gzip.compress(head, 9, mtime=0) + gzip.compress(block, 9, mtime=0) * repeats


def idx_corpus():
    images = bytes((i * 7 + p) % 256 for i in range(5) for p in range(12))
    valid = idx(0x803, [5, 4, 3], images)
    labels = idx(0x801, [5], bytes([3, 4, 5, 6, 7]))
    return {
        "valid_images_5x4x3": valid,
        "valid_images_5x4x3.gz": gzip_members(valid),
        "valid_labels_5": labels,
        "valid_labels_5.gz": gzip_members(labels),
        "valid_images_split_members.gz": gzip_members(valid[:10], valid[10:40], valid[40:]),
        # issue 12, item 2: (2^16, 2^24, 2^24) wrapped to 0 bytes
        "overflow_2e16x2e24x2e24": idx(0x803, [1 << 16, 1 << 24, 1 << 24]),
        "overflow_max_u32": idx(0x803, [0xFFFFFFFF] * 3),
        "overflow_zero_images": idx(0x803, [0, 0xFFFFFFFF, 0xFFFFFFFF]),
        # item 4: a gzipped header of 100 images followed by zeros (64 MiB here)
        "gzip_bomb_100_images.gz": bomb(idx(0x803, [100, 28, 28], bytes(100 * 28 * 28)), bytes(1 << 20), 64),
        "gzip_bomb_labels.gz": bomb(idx(0x801, [10], bytes(10)), bytes(1 << 20), 16),
        "promises_60GB": idx(0x803, [60000, 1000, 1000], bytes(5000)),
        "promises_60GB.gz": gzip_members(idx(0x803, [60000, 1000, 1000], bytes(5000))),
        "truncated_images": valid[:-5],
        "trailing_images": valid + b"\x01",
        "truncated_header": valid[:10],
        "truncated_gzip.gz": gzip_members(valid)[:30],
        "corrupt_gzip.gz": gzip_members(valid)[:20] + b"\xff" * 16 + gzip_members(valid)[36:],
        "wrong_magic": idx(0x802, [5, 4, 3], images),
        "bad_label": idx(0x801, [3], bytes([1, 10, 2])),
        "empty": b"",
    }


def cifar_corpus():
    record = bytes([3]) + bytes((p * 5) % 256 for p in range(3072))
    return {
        "valid_1_record.bin": record,
        "valid_3_records.bin": record * 3,
        "valid_2_records.bin.gz": gzip_members(record * 2),
        "truncated_record.bin": record * 2 + record[:100],
        "bad_label_11.bin": record + bytes([11]) + record[1:],
        "empty.bin": b"",
        "one_byte.bin": b"\x01",
        # issue 12, item 4 for CIFAR-10: valid-looking records beyond a batch's 10,000
        "records_10001.bin.gz": gzip.compress(bytes(3073 * 10001), 9, mtime=0),
        "gzip_bomb_zeros.bin.gz": bomb(b"", bytes(1 << 20), 64),
        "truncated_gzip.bin.gz": gzip_members(record * 3)[:200],
    }


def spec_corpus():
    specs = [
        "batch", "layer", "instance", "group", "weight", "none", "batch:momentum=0.01,eps=1e-3",
        "batch:momentum=none", "batch:affine=false,track_running_stats=false", "group:num_groups=2",
        "group:num_groups=4", "instance:affine=true", "layer:elementwise_affine=false",
        # bad values and forms
        "batchy", "batch:momentum=2", "batch:eps=0", "batch:mom=0.1", "batch:momentum=nan",
        "batch:eps=1e400", "batch:eps=-0", "batch:eps=inf", "group:num_groups=-1", "group:num_groups=0",
        "group:num_groups=99999999999999999999", "group:num_groups=1e3", "group:num_groups=2.5",
        "group:num_groups= 2 ", ":", "batch:", "batch:=", "batch:,", "batch:,,", "batch:a=1,a=2",
        " batch : momentum = 0.5 ", "batch:momentum=0.1:eps=1", "batch:affine=maybe", "\x00batch",
        "batch\n", "batch:eps=1e-5\nx", "b" * 3000, "batch:" + "k=v," * 500,
        # issue 12, item 4: specs that validate but would allocate without bound (other families)
        "mlp:widths=100000000x100000000", "glyphs:train=99999999999",
    ]
    return {"spec_%02d" % i: s.encode("utf-8", "surrogateescape") for i, s in enumerate(specs)}


def toml_corpus():
    presets = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments", "configs")
    files = {}
    for name in sorted(os.listdir(presets)):
        if name.endswith(".toml"):
            with open(os.path.join(presets, name), "rb") as f:
                files["preset_" + name] = f.read()
    base = 'name = "crafted"\nnorm = "batch"\nmodel = "mlp"\nsteps = 2\n'
    crafted = {
        # issue 12, item 4: two 10,000-value axes (10^8 runs) and sizes that would not fit in memory
        "axes_1e4x1e4.toml": base + "lr = [%s]\nseed = [%s]\n" % (
            ", ".join("%g" % (1e-4 * (i + 1)) for i in range(10000)), ", ".join(str(i) for i in range(10000))),
        "huge_mlp.toml": base.replace('"mlp"', '"mlp:widths=100000000x100000000"'),
        "huge_glyphs.toml": base + 'data = "glyphs:train=99999999999"\n',
        "duplicate_key.toml": base + "lr = 0.1\nlr = 0.2\n",
        "unknown_key.toml": base + "learning_rate = 0.1\n",
        "wrong_type.toml": base + 'batch_size = "big"\n',
        "negative_steps.toml": base.replace("steps = 2", "steps = -5"),
        "huge_steps.toml": base.replace("steps = 2", "steps = 9223372036854775807"),
        "nested_tables.toml": base + "[quick]\n[quick.deeper]\nx = 1\n",
        "deep_arrays.toml": base + "lr = " + "[" * 2000 + "]" * 2000 + "\n",
        "unterminated_string.toml": 'name = "crafted\n',
        "newline_in_spec.toml": base.replace('"batch"', '"batch\\n"'),
        "empty.toml": "",
        "binary.toml": "\x00\xff\xfe=\x01",
        # found by fuzz_toml: toml++'s message quotes the newline after 'tru' (two-line error)
        "finding_two_line_message.toml": base + "bias = tru\n\n",
    }
    for name, text in crafted.items():
        files[name] = text.encode("utf-8", "surrogateescape")
    return files


def main():
    for target, files in (("npy", npy_corpus()), ("idx", idx_corpus()), ("cifar", cifar_corpus()),
                          ("spec", spec_corpus()), ("toml", toml_corpus())):
        directory = os.path.join(ROOT, target)
        os.makedirs(directory, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
        print("%s: %d seed files in %s" % (target, len(files), os.path.relpath(directory)))


if __name__ == "__main__":
    main()
