"""What a model spec string says, for figures chosen by content: its kind, its hidden depth (the
number of hidden widths, `W*N` counting N times) and any key's value (dropout, dropout_position),
with the registry's defaults where the spec leaves a key out."""

DEFAULTS = {"dropout": "0", "dropout_position": "after_norm"}  # model keys of mlp and vgg (normlab list)


def kind(spec):
    return str(spec).split(":", 1)[0]


def keys(spec):
    """{key: value} of a spec 'kind:key=value,...' (values hold no commas in model specs)."""
    text = str(spec)
    if ":" not in text:
        return {}
    out = {}
    for item in text.split(":", 1)[1].split(","):
        if "=" in item:
            key, value = item.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def value(spec, key):
    return keys(spec).get(key, DEFAULTS.get(key))


def depth(spec):
    """Hidden layers (conv blocks for vgg): the widths' count; None when the spec has no widths."""
    widths = keys(spec).get("widths")
    if widths is None or widths == "none":
        return None if widths is None else 0
    total = 0
    for item in widths.split("x"):
        total += int(item.split("*", 1)[1]) if "*" in item else 1
    return total


def depth_varies(models):
    """Whether some model kind appears at two or more depths."""
    by_kind = {}
    for spec in models:
        d = depth(spec)
        if d is not None:
            by_kind.setdefault(kind(spec), set()).add(d)
    return any(len(depths) >= 2 for depths in by_kind.values())


def dropout_varies(models):
    """Whether the models differ in their dropout rate."""
    return len({float(value(m, "dropout")) for m in models}) >= 2
