# setl migrate's Python front end: reads Python source on stdin and prints its syntax tree
# as JSON (format "setl-migrate-ast", version 1) with every comment and its line. Standard
# library only; run as `python3 -I -c <this> FILENAME` so no user site or PYTHONPATH
# module can change what it does. All analysis happens in C++.
import ast
import io
import json
import sys
import tokenize

FORMAT = "setl-migrate-ast"
VERSION = 1


def constant(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if -(2**53) <= value <= 2**53:
            return value
        return {"_int": str(value)}
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"_float": repr(value)}
        return value
    if isinstance(value, bytes):
        return {"_bytes": value.decode("latin-1")}
    if value is Ellipsis:
        return {"_ellipsis": True}
    return {"_repr": repr(value)}


def convert(node):
    if isinstance(node, ast.AST):
        out = {"_type": type(node).__name__}
        for attribute in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if hasattr(node, attribute):
                out[attribute] = getattr(node, attribute)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(node, ast.Constant) and field == "value":
                out[field] = constant(value)
            else:
                out[field] = convert(value)
        if isinstance(node, ast.Call):
            query = query_text(node)
            if query is not None:
                out["parsed_query"] = parse_query(query)
        return out
    if isinstance(node, list):
        return [convert(item) for item in node]
    return constant(node)


def query_text(call):
    # pandas' DataFrame.query / DataFrame.eval take an expression as text.
    if (isinstance(call.func, ast.Attribute) and call.func.attr in ("query", "eval")
            and call.args and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)):
        return call.args[0].value
    return None


def parse_query(text):
    # pandas marks local variables with @, which Python does not parse: @name becomes
    # __local__name; backquoted column names become __column__ plus their hex bytes.
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "@":
            out.append("__local__")
        elif char == "`":
            end = text.find("`", index + 1)
            if end < 0:
                return {"error": "unclosed backquote"}
            out.append("__column__" + text[index + 1:end].encode("utf-8").hex())
            index = end
        else:
            out.append(char)
        index += 1
    try:
        return {"expression": convert(ast.parse("".join(out).strip(), mode="eval").body)}
    except SyntaxError as error:
        return {"error": error.msg}


def comments(source):
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found.append({"line": token.start[0], "col": token.start[1],
                              "text": token.string})
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def main():
    filename = sys.argv[1] if len(sys.argv) > 1 else "<stdin>"
    raw = sys.stdin.buffer.read()
    result = {"format": FORMAT, "version": VERSION,
              "python": ".".join(str(part) for part in sys.version_info[:3])}
    try:
        source = raw.decode("utf-8-sig")
        tree = ast.parse(source, filename=filename)
        sys.setrecursionlimit(10000)
        result["module"] = convert(tree)
        result["comments"] = comments(source)
        result["lines"] = source.count("\n") + 1
    except SyntaxError as error:
        result["error"] = {"kind": type(error).__name__, "message": error.msg,
                           "line": error.lineno or 0, "col": error.offset or 0,
                           "text": (error.text or "").rstrip("\n")}
    except UnicodeDecodeError as error:
        result["error"] = {"kind": "UnicodeDecodeError", "message": str(error),
                           "line": raw[:error.start].count(b"\n") + 1, "col": 0, "text": ""}
    except (RecursionError, MemoryError):
        result["error"] = {"kind": "RecursionError", "line": 0, "col": 0, "text": "",
                           "message": "the source nests too deeply to analyse"}
    json.dump(result, sys.stdout, ensure_ascii=True, separators=(",", ":"))


main()
