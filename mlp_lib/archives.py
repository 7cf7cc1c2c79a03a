"""Reading one member of a ZIP file safely: its size and compression ratio are checked from the
archive's directory before it is read, and never more than the limit is read, whatever the
directory says (against decompression bombs). NumPy-free; used for images and for tables."""
import zipfile
import zlib

# the errors a damaged or unusual archive raises while it is opened or read
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError,
              RuntimeError,                    # an encrypted member
              zlib.error)                      # a damaged compressed member


def file_members(archive):
    """The members of an open archive that are files (not folders; a damaged directory can hold a
    member without a name, which ZipInfo.is_dir() cannot test)."""
    return [m for m in archive.infolist() if m.filename and not m.is_dir()]


def read_member(archive, info, where, max_bytes, max_ratio):
    """The bytes of the member ``info`` (a ZipInfo) of the open ``archive``, or a ValueError that
    starts with ``where`` when it expands to more than ``max_bytes`` or is compressed more than
    ``max_ratio`` times."""
    if info.file_size > max_bytes:
        raise ValueError(f"{where}: is {info.file_size:,} bytes uncompressed, more than the limit of {max_bytes:,}")
    if info.file_size > max_ratio * max(info.compress_size, 1):
        raise ValueError(f"{where}: is compressed {info.file_size / max(info.compress_size, 1):.0f} times, "
                         f"more than the limit of {max_ratio} (a decompression bomb?)")
    with archive.open(info) as member:
        data = member.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{where}: is more than {max_bytes:,} bytes uncompressed, the limit")
    return data
