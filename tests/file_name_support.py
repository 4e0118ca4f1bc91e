"""Uploads whose file name carries line breaks, as a crafted form post sends them."""

from urllib.parse import quote

EVIL_NAME = "evil\r\nSet-Cookie: session=stolen\r\n.csv"
BOUNDARY = "LeadGateTestBoundary"


def multipart(field: str, filename: str, data: bytes, mime: str, **fields) -> dict:
    """Client kwargs for a form post with one file named in RFC 2231 form.

    A raw CR or LF would end the part's header line; `filename*=UTF-8''…` is how
    one reaches the server's file name (Werkzeug decodes it), so that is sent.
    """
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n".encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}\r\n"
        f"Content-Type: {mime}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return {
        "data": b"".join(parts),
        "content_type": f"multipart/form-data; boundary={BOUNDARY}",
    }
