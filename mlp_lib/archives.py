"""Reading one member of a ZIP file safely: its size and compression ratio are checked from the
archive's directory before it is read, and never more than the limit is read, whatever the
directory says (against decompression bombs). NumPy-free; used for images and for tables."""
import zipfile

# the errors a damaged or unusual archive raises while it is opened or read
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError,
              RuntimeError)                    # RuntimeError: an encrypted member


def read_member(archive, info, where, max_bytes, max_ratio):
    """The bytes of the member ``info`` (a ZipInfo) of the open ``archive``, or a ValueError that
    starts with ``where`` when it expands to more than ``max_bytes`` or is compressed more than
    ``max_ratio`` times."""
    if info.file_size > max_bytes:
        raise ValueError(f"{where}: expands to {info.file_size:,} bytes, more than the limit of {max_bytes:,}")
    if info.file_size > max_ratio * max(info.compress_size, 1):
        raise ValueError(f"{where}: compressed {info.file_size / max(info.compress_size, 1):.0f} times, "
                         f"more than the limit of {max_ratio} (a decompression bomb?)")
    with archive.open(info) as member:
        data = member.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{where}: expands to more than {max_bytes:,} bytes, the limit")
    return data
