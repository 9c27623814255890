#!/usr/bin/env python3
"""Checks the installed SDK end to end.

Installs the build tree into a fresh prefix; checks that libtessera_runtime.so has its soname and exports
exactly the functions runtime.h declares; builds examples/c (shared and static runtime) and examples/cpp
against the prefix with find_package(Tessera), and examples/c with pkg-config (shared and static); compiles
examples/tiny_cnn.onnx and a 16-class model with the installed tessera-compile; runs every app and the
installed Python package, and examples/c once more on the size-optimized runtime (lib/tessera-small), and
compares their report with the installed tessera-run --print. Each model is also compiled with
--emit=static and linked into examples/c (static runtime, no artifact file), whose report must match too.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


def run(command, env=None, cwd=None):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    if result.returncode != 0:
        sys.exit(f"FAILED ({result.returncode}): {' '.join(command)}\n{result.stdout}")
    return result.stdout


def check_exports(library, source_dir):
    dynamic = run(["readelf", "-d", "-W", library])
    soname = re.search(r"\(SONAME\)\s+Library soname: \[(.*)\]", dynamic)
    assert soname and soname.group(1) == "libtessera_runtime.so.0", dynamic
    symbols = run(["nm", "-D", "--defined-only", library]).split("\n")
    exported = {line.split()[2].split("@")[0] for line in symbols if len(line.split()) == 3 and line.split()[1] == "T"}
    api_symbol = re.compile(r" (T tsr_\w+@@TESSERA_RUNTIME_0|A TESSERA_RUNTIME_0)$")  # functions, version node
    other = [line for line in symbols if line and not api_symbol.search(line)]
    with open(os.path.join(source_dir, "runtime", "include", "tessera", "runtime.h")) as f:
        declared = set(re.findall(r"^[\w ]+?\**\s*\b(tsr_\w+)\(", f.read(), re.M))
    assert exported == declared, f"exported but not declared: {exported - declared}; missing: {declared - exported}"
    assert not other, f"symbols other than the C API are exported: {other}"
    print(f"ok: {library} (soname {soname.group(1)}) exports the {len(declared)} functions of runtime.h only")


def build_example(args, prefix, name, build_dir, *options):
    run([args.cmake, "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={args.ninja}", "-S",
         os.path.join(args.source_dir, "examples", name), "-B", build_dir, f"-DCMAKE_PREFIX_PATH={prefix}", *options])
    run([args.cmake, "--build", build_dir])
    return os.path.join(build_dir, f"tessera-example-{name}")


def build_with_pkg_config(args, prefix, tmp, static):
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    flags = run(["pkg-config", "--cflags", "--libs", *(["--static"] if static else []), "tessera"], env=env).split()
    if static:  # the archive, not the shared library next to it; Libs.private brings its dependencies
        flags = ["-l:libtessera_runtime.a" if flag == "-ltessera_runtime" else flag for flag in flags]
    else:
        flags.append("-Wl,-rpath," + os.path.join(prefix, "lib"))
    app = os.path.join(tmp, "pkg-config-" + ("static" if static else "shared"))
    run(["cc", "-std=c11", "-Wall", "-Werror", os.path.join(args.source_dir, "examples", "c", "main.c"), *flags,
         "-o", app])
    return app


def links_runtime_dynamically(app):
    return "libtessera_runtime.so" in run(["readelf", "-d", "-W", app])


def make_wide_model(path, image):
    """[1,3,32,32] -> Flatten -> MatMul -> [1,16] logits; columns 2 and 9 are equal (a tie), the largest."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3 * 32 * 32, 16)).astype(np.float32) * 0.05
    w[:, 2] = w[:, 9] = image.reshape(-1) * 0.01
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["image"], ["flat"]), helper.make_node("MatMul", ["flat", "W"], ["logits"])],
        "wide", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 16])], [numpy_helper.from_array(w, "W")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def reference_report(prefix, artifact, image, out_dir):
    """Output 0's header and top5 lines as tessera-run --print reports them. tessera-run prints a top5
    line only for more than 10 values; for fewer it prints them all on the values line, and the top5 line
    is made from those printed values, ranked by the values in the .npy it wrote."""
    text = run([os.path.join(prefix, "bin", "tessera-run"), artifact, "--input", image, "--print",
                "--output-dir", out_dir])
    lines = text.splitlines()
    header, values = lines[0], lines[1]
    name = header.split(":")[0]
    if len(lines) > 2 and lines[2].startswith("  top5:"):
        return header, lines[2]
    printed = values.split()[1:]
    data = np.load(os.path.join(out_dir, name + ".npy")).reshape(-1)
    order = sorted(range(len(data)), key=lambda i: (np.isnan(data[i]), -data[i] if not np.isnan(data[i]) else 0, i))
    return header, "  top5: " + " ".join(f"{i}={printed[i]}" for i in order[:5])


PYTHON_REPORT = r"""
import sys, numpy as np, tessera
prefix, artifact, onnx_model, image = sys.argv[1:5]
assert tessera.library_path.startswith(prefix), tessera.library_path
assert tessera.find_compiler().startswith(prefix), tessera.find_compiler()
model = tessera.load(tessera.compile(onnx_model)) if onnx_model != "-" else tessera.load(artifact)
y = model(np.load(image))[0]
order = sorted(range(y.shape[-1]), key=lambda i: (bool(np.isnan(y[0, i])), -float(y[0, i]), i))
print(f"{model.outputs[0].name}: {model.outputs[0].dtype_name}[{','.join(map(str, y.shape))}]")
print("  top5: " + " ".join("%d=%.6g" % (i, y[0, i]) for i in order[:5]))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--cmake", default="cmake")
    parser.add_argument("--ninja", default="ninja")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tessera-install-") as tmp:
        prefix = os.path.join(tmp, "prefix")
        run([args.cmake, "--install", args.build_dir, "--prefix", prefix])
        check_exports(os.path.join(prefix, "lib", "libtessera_runtime.so"), args.source_dir)
        small_dir = os.path.join(prefix, "lib", "tessera-small")  # the size-optimized runtime, a drop-in copy
        check_exports(os.path.join(small_dir, "libtessera_runtime.so.0"), args.source_dir)

        apps = {
            "c": build_example(args, prefix, "c", os.path.join(tmp, "build-c")),
            "c-static": build_example(args, prefix, "c", os.path.join(tmp, "build-c-static"),
                                      "-DTESSERA_EXAMPLE_STATIC=ON"),
            "cpp": build_example(args, prefix, "cpp", os.path.join(tmp, "build-cpp")),
            "pkg-config": build_with_pkg_config(args, prefix, tmp, static=False),
            "pkg-config-static": build_with_pkg_config(args, prefix, tmp, static=True),
        }
        for name, app in apps.items():
            dynamic = links_runtime_dynamically(app)
            assert dynamic == ("static" not in name), f"{name}: links libtessera_runtime.so: {dynamic}"
        print("ok: built " + ", ".join(apps) + " against the prefix")

        image = os.path.join(args.source_dir, "examples", "image.npy")
        models = {"tiny_cnn": os.path.join(args.source_dir, "examples", "tiny_cnn.onnx"),
                  "wide": os.path.join(tmp, "wide.onnx")}
        make_wide_model(models["wide"], np.load(image))
        python_env = dict(os.environ, PYTHONPATH=os.path.join(prefix, "lib", "python3", "dist-packages"))
        python_env.pop("TESSERA_RUNTIME_LIBRARY", None)
        python_env.pop("TESSERA_COMPILE", None)
        for model, onnx_path in models.items():
            artifact = os.path.join(tmp, model + ".tsr")
            run([os.path.join(prefix, "bin", "tessera-compile"), onnx_path, "--target=cpu", "-o", artifact])
            expected = reference_report(prefix, artifact, image, os.path.join(tmp, "out-" + model))
            reports = {name: run([app, artifact, image]) for name, app in apps.items()}
            static_dir = os.path.join(tmp, "static-" + model)
            run([os.path.join(prefix, "bin", "tessera-compile"), onnx_path, "--emit=static", "-o", static_dir])
            linked = build_example(args, prefix, "c", os.path.join(tmp, "build-c-linked-" + model),
                                   "-DTESSERA_EXAMPLE_STATIC=ON",
                                   "-DTESSERA_EXAMPLE_EMBED=" + os.path.join(static_dir, model + ".o"))
            assert not links_runtime_dynamically(linked), f"{model}: the linked-model app loads libtessera_runtime.so"
            reports["c-linked-model"] = run([linked, image])
            small_env = dict(os.environ, LD_LIBRARY_PATH=small_dir)
            assert small_dir in run(["ldd", apps["c"]], env=small_env)
            reports["c-small-runtime"] = run([apps["c"], artifact, image], env=small_env)
            reports["python"] = run([sys.executable, "-c", PYTHON_REPORT, prefix, artifact, onnx_path, image],
                                    env=python_env, cwd=tmp)
            for name, report in reports.items():
                got = tuple(report.splitlines())
                assert got == expected, f"{model}: {name} printed {got}, tessera-run {expected}"
            print(f"ok: {model}: {', '.join(reports)} print {expected[1].strip()!r} like tessera-run --print")
    return 0


if __name__ == "__main__":
    sys.exit(main())
