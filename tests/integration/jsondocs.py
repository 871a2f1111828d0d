"""The JSON documents elscope --json printed one after the other."""
import json


def docs(path):
    text, out, i = open(path).read(), [], 0
    dec = json.JSONDecoder()
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        d, i = dec.raw_decode(text, i)
        out.append(d)
    return out
