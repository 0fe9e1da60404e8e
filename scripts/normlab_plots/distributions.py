def draw(results, out_dir, formats, layer=None):
    return []
