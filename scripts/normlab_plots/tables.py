def write(results, out_dir):
    return []
