#!/usr/bin/python3
"""Reads an e-mail file back with Python's own `email` package, for facturation's tests.

  mail_check.py MESSAGE.eml EXTRACT_DIR

Prints one JSON object: the decoded headers (subject, from, to, cc, bcc, message_id, date), the
text body decoded, every defect Python's parser found (in the message and in each part), the
longest line, and each attachment (file name decoded, media type, size), whose bytes it writes
into EXTRACT_DIR under an index name (0.bin, 1.bin…) so the test compares them with what it sent.
"""

import email
import email.policy
import json
import os
import sys


def main():
    path, extract = sys.argv[1], sys.argv[2]
    raw = open(path, "rb").read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [type(d).__name__ for d in message.defects]
    attachments, body = [], None
    for part in message.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            data = part.get_payload(decode=True)
            target = os.path.join(extract, f"{len(attachments)}.bin")
            with open(target, "wb") as handle:
                handle.write(data)
            attachments.append({"filename": part.get_filename(), "content_type": part.get_content_type(),
                                "size": len(data), "path": target})
        elif part.get_content_type() == "text/plain" and body is None:
            body = part.get_content()
    result = {
        "subject": str(message["subject"]) if message["subject"] is not None else None,
        "from": str(message["from"]),
        "to": [a.addr_spec for a in message["to"].addresses] if message["to"] else [],
        "to_names": [a.display_name for a in message["to"].addresses] if message["to"] else [],
        "cc": [a.addr_spec for a in message["cc"].addresses] if message["cc"] else [],
        "has_bcc": message["bcc"] is not None,
        "message_id": str(message["message-id"]),
        "date": str(message["date"]),
        "body": body,
        "defects": defects,
        "longest_line": max(len(line) for line in raw.split(b"\r\n")),
        "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
        "attachments": attachments,
    }
    json.dump(result, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
