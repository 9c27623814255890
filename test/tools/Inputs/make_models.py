#!/usr/bin/python3
"""Writes the small ONNX models (good and deliberately broken) the tools tests feed to tessera-compile
and tessera-run. Usage: make_models.py OUT_DIR. Everything is deterministic, so the tests can check
exact messages."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(model, path):
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             producer_name="tessera-tests")


def external_initializer(name, location, offset=None, length=None):
    """A 2x2 float initializer whose bytes live in `location` (never read unless the path is accepted)."""
    t = numpy_helper.from_array(np.ones((2, 2), np.float32), name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def external_model(location, **kw):
    # The initializer feeds an Add so it is used; 2x2 is small but the importer reads it before any folding.
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [tensor("x", [2, 2])], [tensor("y", [2, 2])],
                 [external_initializer("w", location, **kw)])


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1234)

    # A valid two-input model: y = relu(a + b) with a: f32[2,3], b: f32[2,3].
    good = model([helper.make_node("Add", ["a", "b"], ["s"], name="add"),
                  helper.make_node("Relu", ["s"], ["y"], name="relu")],
                 [tensor("a", [2, 3]), tensor("b", [2, 3])], [tensor("y", [2, 3])])
    save(good, os.path.join(out, "add_relu.onnx"))

    # A model-local function: y = Softsign2(a, b) where Softsign2(x, z) = (x + z) / (1 + |x + z|).
    body = [helper.make_node("Add", ["x", "z"], ["s"]), helper.make_node("Abs", ["s"], ["m"]),
            helper.make_node("Constant", [], ["one"], value_float=1.0),
            helper.make_node("Add", ["m", "one"], ["d"]), helper.make_node("Div", ["s", "d"], ["r"])]
    fn = helper.make_function("local", "Softsign2", ["x", "z"], ["r"], body,
                              [helper.make_opsetid("", 13)])
    local = model([helper.make_node("Softsign2", ["a", "b"], ["y"], domain="local", name="call")],
                  [tensor("a", [2, 3]), tensor("b", [2, 3])], [tensor("y", [2, 3])])
    local.opset_import.append(helper.make_opsetid("local", 1))
    local.functions.append(fn)
    save(local, os.path.join(out, "local_function.onnx"))
    a = np.array([[1, -2, 3], [-4, 5, -6]], np.float32)
    b = np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], np.float32)
    np.save(os.path.join(out, "a.npy"), a)
    np.save(os.path.join(out, "b.npy"), b)
    np.save(os.path.join(out, "y.npy"), np.maximum(a + b, 0))
    np.save(os.path.join(out, "a_2x4.npy"), np.zeros((2, 4), np.float32))
    np.save(os.path.join(out, "a_rank3.npy"), np.zeros((1, 2, 3), np.float32))
    np.save(os.path.join(out, "a_f64.npy"), a.astype(np.float64))
    np.save(os.path.join(out, "a_i32.npy"), a.astype(np.int32))
    with open(os.path.join(out, "garbage.npy"), "wb") as f:
        f.write(rng.integers(0, 256, 64, dtype=np.uint8).tobytes())
    # Right magic and header, but the data stops short of what the shape promises.
    with open(os.path.join(out, "a.npy"), "rb") as f:
        npy = f.read()
    with open(os.path.join(out, "short.npy"), "wb") as f:
        f.write(npy[:-8])

    # For --print: a [2,12] output (gets a top5 line), the same values as [2,3,4] (rank 3: no top5 line)
    # and int64 [2]. Row 0 of x has a tie (7 at indices 3 and 9) to pin down the tie order.
    shape = helper.make_tensor("shape", TensorProto.INT64, [3], [2, 3, 4])
    save(model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                helper.make_node("Reshape", ["x", "shape"], ["r3"], name="reshape"),
                helper.make_node("ArgMax", ["x"], ["am"], name="argmax", axis=1, keepdims=0)],
               [tensor("x", [2, 12])],
               [tensor("r", [2, 12]), tensor("r3", [2, 3, 4]), tensor("am", [2], TensorProto.INT64)], [shape]),
         os.path.join(out, "print.onnx"))
    x = np.array([[0.5, -1, 2.25, 7, 3, -8, 1e-7, 6, 1e6, 7, 5, 4],
                  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]], np.float32)
    np.save(os.path.join(out, "x.npy"), x)

    # Not a model at all, and a real model cut off after 100 bytes.
    with open(os.path.join(out, "garbage.onnx"), "wb") as f:
        f.write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with open(os.path.join(out, "truncated.onnx"), "wb") as f:
        f.write(good.SerializeToString()[:100])

    # RandomNormal is a valid ONNX op (so the ONNX checker accepts it) that Tessera does not implement.
    save(model([helper.make_node("RandomNormal", [], ["y"], name="the_random", shape=[2, 3])],
               [], [tensor("y", [2, 3])], opset=13),
         os.path.join(out, "unsupported_random.onnx"))
    # An op unknown to ONNX itself in the default domain: rejected by the ONNX checker first.
    save(model([helper.make_node("NoSuchOp", ["x"], ["y"], name="mystery")],
               [tensor("x", [3, 3])], [tensor("y", [3, 3])], opset=13),
         os.path.join(out, "unknown_op.onnx"))

    # External data: escaping and absolute locations, and a range past the end of a real file.
    save(external_model("../secret.bin"), os.path.join(out, "ext_escape.onnx"))
    save(external_model("sub/../../secret.bin"), os.path.join(out, "ext_escape_nested.onnx"))
    save(external_model("/etc/passwd"), os.path.join(out, "ext_absolute.onnx"))
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write(np.ones((2, 2), np.float32).tobytes())  # 16 bytes
    save(external_model("weights.bin", offset=8, length=16), os.path.join(out, "ext_past_end.onnx"))
    save(external_model("weights.bin", offset=64), os.path.join(out, "ext_offset_past_end.onnx"))
    save(external_model("missing.bin"), os.path.join(out, "ext_missing.onnx"))
    save(external_model("weights.bin"), os.path.join(out, "ext_ok.onnx"))
    # Links, a FIFO and a negative length: the test creates link.bin, linkdir/ and fifo.bin.
    save(external_model("link.bin"), os.path.join(out, "ext_link_file.onnx"))
    save(external_model("linkdir/secret.bin"), os.path.join(out, "ext_link_dir.onnx"))
    save(external_model("fifo.bin"), os.path.join(out, "ext_fifo.onnx"))
    save(external_model("weights.bin", length=-1), os.path.join(out, "ext_negative_length.onnx"))
    const_ext = external_initializer("c", "link.bin")
    save(model([helper.make_node("Constant", [], ["w"], value=const_ext, name="const"),
                helper.make_node("Add", ["x", "w"], ["y"], name="add")],
               [tensor("x", [2, 2])], [tensor("y", [2, 2])]), os.path.join(out, "ext_link_constant.onnx"))

    # A graph input of sequence type.
    seq = helper.make_tensor_sequence_value_info("xs", TensorProto.FLOAT, [2])
    save(model([helper.make_node("SequenceLength", ["xs"], ["n"], name="len")],
               [seq], [tensor("n", [], TensorProto.INT64)], opset=13),
         os.path.join(out, "sequence_input.onnx"))

    # Indices read at run time: Gather rows of a constant [5, 3] table, and ScatterElements into zeros.
    # ONNX makes an index outside [-5, 5) an error, which only the run can see.
    table = numpy_helper.from_array(np.arange(15, dtype=np.float32).reshape(5, 3), "table")
    save(model([helper.make_node("Gather", ["table", "idx"], ["rows"], name="lookup", axis=0)],
               [tensor("idx", [2], TensorProto.INT64)], [tensor("rows", [2, 3])], [table]),
         os.path.join(out, "gather_rows.onnx"))
    zeros = numpy_helper.from_array(np.zeros(5, np.float32), "zeros")
    save(model([helper.make_node("ScatterElements", ["zeros", "idx", "val"], ["y"], name="scatter")],
               [tensor("idx", [2], TensorProto.INT64), tensor("val", [2])], [tensor("y", [5])], [zeros]),
         os.path.join(out, "scatter_elements.onnx"))
    np.save(os.path.join(out, "idx_ok.npy"), np.array([4, -5], np.int64))
    np.save(os.path.join(out, "rows_ok.npy"), np.arange(15, dtype=np.float32).reshape(5, 3)[[4, 0]])
    np.save(os.path.join(out, "idx_high.npy"), np.array([1, 5], np.int64))
    np.save(os.path.join(out, "idx_low.npy"), np.array([-6, 0], np.int64))
    np.save(os.path.join(out, "val.npy"), np.array([1.5, 2.5], np.float32))
    np.save(os.path.join(out, "scattered_ok.npy"), np.array([2.5, 0, 0, 0, 1.5], np.float32))

    # An output declared [2, 4] over an input dim N: the declaration is a promise the run checks.
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
               [tensor("x", ["N", 4])], [tensor("y", [2, 4])]), os.path.join(out, "declared_output.onnx"))
    np.save(os.path.join(out, "x2x4.npy"), np.arange(-4, 4, dtype=np.float32).reshape(2, 4))
    np.save(os.path.join(out, "relu2x4.npy"), np.maximum(np.arange(-4, 4, dtype=np.float32).reshape(2, 4), 0))
    np.save(os.path.join(out, "x3x4.npy"), np.zeros((3, 4), np.float32))

    # Outputs that declare an element type but no shape (valid ONNX; libonnx 1.12 infers shapes only up
    # to opset 17, and its checker wants the field): the importer takes the computed shapes. One with a
    # symbolic input dim, one whose element type disagrees with the computed one.
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
    for opset in (17, 18, 21):
        save(model([helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
                    helper.make_node("Relu", ["m"], ["y"], name="relu"),
                    helper.make_node("Cast", ["m"], ["s"], name="cast", to=TensorProto.INT64)],
                   [tensor("x", ["N", 3])], [tensor("y", None), tensor("s", None, TensorProto.INT64)], [w],
                   opset=opset), os.path.join(out, f"undeclared_output_shapes_{opset}.onnx"))
    # The same with static shapes (the Vulkan baseline profile has no Int64: the Cast stays on the CPU).
    save(model([helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
                helper.make_node("Relu", ["m"], ["y"], name="relu"),
                helper.make_node("Cast", ["m"], ["s"], name="cast", to=TensorProto.INT64)],
               [tensor("x", [2, 3])], [tensor("y", [2, 4]), tensor("s", [2, 4], TensorProto.INT64)], [w]),
         os.path.join(out, "matmul_relu_cast.onnx"))
    for n in (2, 5):
        x = (np.arange(3 * n, dtype=np.float32) - 3 * n // 2).reshape(n, 3)
        product = x @ np.arange(12, dtype=np.float32).reshape(3, 4)
        np.save(os.path.join(out, f"x{n}x3.npy"), x)
        np.save(os.path.join(out, f"relu_matmul{n}x4.npy"), np.maximum(product, 0))
        np.save(os.path.join(out, f"matmul{n}x4_i64.npy"), product.astype(np.int64))
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
               [tensor("x", [2, 4])], [tensor("y", None, TensorProto.INT32)], opset=18),
         os.path.join(out, "undeclared_output_wrong_type.onnx"))

    # A Reshape whose target is computed from the input's shape (Shape -> Gather -> Div -> Unsqueeze ->
    # Concat, as swin_t's window partition writes it) and whose value_info is only partly known: the
    # folded target refines it to a static type.
    ints = lambda n, v: numpy_helper.from_array(np.array(v, np.int64), n)
    reshape_model = model(
        [helper.make_node("Shape", ["x"], ["shape"], name="shape"),
         helper.make_node("Gather", ["shape", "one"], ["h"], name="gather_h", axis=0),
         helper.make_node("Div", ["h", "two"], ["half"], name="div"),
         helper.make_node("Unsqueeze", ["half", "zero_axis"], ["half1"], name="unsqueeze"),
         helper.make_node("Concat", ["one1", "half1", "minus_one", "four"], ["target"], name="concat", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape")],
        [tensor("x", [1, 6, 2, 4])], [tensor("y", [1, 3, 4, 4])],
        [ints("one", 1), ints("two", 2), ints("zero_axis", [0]), ints("one1", [1]), ints("minus_one", [-1]),
         ints("four", [4])])
    reshape_model.graph.value_info.append(tensor("y", [1, "a", "b", 4]))
    save(reshape_model, os.path.join(out, "reshape_computed_target.onnx"))

    # The same with a batch dim known only at run time: the target concatenates the run-time batch with
    # constants, and the dims the constants fix are static (the output declares no shape).
    partial = model(
        [helper.make_node("Shape", ["x"], ["shape"], name="shape"),
         helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather_n", axis=0),
         helper.make_node("Unsqueeze", ["n", "zero_axis"], ["n1"], name="unsqueeze"),
         helper.make_node("Concat", ["n1", "two_three"], ["target"], name="concat", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape")],
        [tensor("x", ["N", 6])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [ints("zero", 0), ints("zero_axis", [0]), ints("two_three", [2, 3])])
    save(partial, os.path.join(out, "reshape_partly_constant_target.onnx"))
    x = np.arange(18, dtype=np.float32).reshape(3, 6)
    np.save(os.path.join(out, "x3x6.npy"), x)
    np.save(os.path.join(out, "reshaped3x2x3.npy"), x.reshape(3, 2, 3))
    x = np.arange(48, dtype=np.float32).reshape(1, 6, 2, 4)
    np.save(os.path.join(out, "x1x6x2x4.npy"), x)
    np.save(os.path.join(out, "reshaped1x3x4x4.npy"), x.reshape(1, 3, 4, 4))

    # Selecting one of q, k, v from a stacked [3, ...] projection: Gather with a constant scalar index.
    for name, index in (("gather_constant_index", -2), ("gather_constant_index_out_of_range", 3)):
        save(model([helper.make_node("Gather", ["x", "which"], ["y"], name="select", axis=0)],
                   [tensor("x", [3, 40, 40])], [tensor("y", [40, 40])], [ints("which", index)]),
             os.path.join(out, name + ".onnx"))
    qkv = np.arange(4800, dtype=np.float32).reshape(3, 40, 40)
    np.save(os.path.join(out, "qkv3x40x40.npy"), qkv)
    np.save(os.path.join(out, "k40x40.npy"), qkv[1])

    # Constant Ranges: a short one folds to a constant, a long one is written by a kernel at run time.
    for name, limit in (("range_short", 100), ("range_long", 200000)):
        save(model([helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range"),
                    helper.make_node("Add", ["r", "x"], ["y"], name="add")],
                   [tensor("x", [1], TensorProto.INT64)],
                   [helper.make_tensor_value_info("y", TensorProto.INT64, None)],
                   [ints("start", -3), ints("limit", limit), ints("delta", 2)]), os.path.join(out, name + ".onnx"))
        np.save(os.path.join(out, name + ".expected.npy"), np.arange(-3, limit, 2, dtype=np.int64) + 1)
    np.save(os.path.join(out, "one_i64.npy"), np.array([1], np.int64))

    # An elementwise kernel split into several workgroups, for forged schedules.
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [tensor("x", [64, 4096])],
               [tensor("y", [64, 4096])]), os.path.join(out, "wide_relu.onnx"))
    np.save(os.path.join(out, "x64x4096.npy"), np.zeros((64, 4096), np.float32))

    # torch's export of `cls.expand(x.shape[0], -1, -1)` concatenated to x (a vision transformer's class
    # token): ConstantOfShape -> Mul -> Equal -> Where builds the Expand target from [2, -1, -1].
    cls = numpy_helper.from_array(np.arange(4, dtype=np.float32).reshape(1, 1, 4), "cls")
    consts = [numpy_helper.from_array(np.array(v, np.int64), n)
              for n, v in (("target", [2, -1, -1]), ("rank", [3]), ("minus_one", -1))]
    save(model([helper.make_node("ConstantOfShape", ["rank"], ["ones"], name="ones",
                                 value=numpy_helper.from_array(np.array([1], np.int64))),
                helper.make_node("Mul", ["ones", "minus_one"], ["minus_ones"], name="mul"),
                helper.make_node("Equal", ["target", "minus_ones"], ["keep"], name="equal"),
                helper.make_node("Where", ["keep", "ones", "target"], ["shape"], name="where"),
                helper.make_node("Expand", ["cls", "shape"], ["tokens"], name="expand"),
                helper.make_node("Concat", ["tokens", "x"], ["y"], name="concat", axis=1)],
               [tensor("x", [2, 3, 4])], [tensor("y", [2, 4, 4])], [cls] + consts, opset=17),
         os.path.join(out, "expand_class_token.onnx"))
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.save(os.path.join(out, "x2x3x4.npy"), x)
    np.save(os.path.join(out, "class_token_concat.npy"),
            np.concatenate([np.broadcast_to(np.arange(4, dtype=np.float32).reshape(1, 1, 4), (2, 1, 4)), x], 1))

    # A fire module's tail (squeezenet): two branches concatenated along the channels, read by a third
    # op; the concatenation feeding the output is a second one.
    save(model([helper.make_node("Relu", ["x"], ["a"], name="relu"),
                helper.make_node("Neg", ["x"], ["b"], name="neg"),
                helper.make_node("Concat", ["a", "b"], ["ab"], name="concat_ab", axis=1),
                helper.make_node("Sigmoid", ["ab"], ["s"], name="sigmoid"),
                helper.make_node("Abs", ["x"], ["c"], name="abs"),
                helper.make_node("Concat", ["s", "c"], ["y"], name="concat_y", axis=1)],
               [tensor("x", [1, 16, 8, 8])], [tensor("y", [1, 48, 8, 8])]),
         os.path.join(out, "concat_branches.onnx"))
    x = np.linspace(-3, 3, 1024, dtype=np.float32).reshape(1, 16, 8, 8)
    np.save(os.path.join(out, "x1x16x8x8.npy"), x)
    ab = np.concatenate([np.maximum(x, 0), -x], 1)
    np.save(os.path.join(out, "concat_branches.npy"), np.concatenate([1 / (1 + np.exp(-ab)), np.abs(x)], 1))


    # Slice bounds given at run time under a declared output shape: the run computes the sliced dims and
    # checks them against the declaration; a start past the data fails the gather's range check.
    save(model([helper.make_node("Slice", ["x", "starts", "ends"], ["y"], name="slice")],
               [tensor("x", [6]), tensor("starts", [1], TensorProto.INT64), tensor("ends", [1], TensorProto.INT64)],
               [tensor("y", [3])]), os.path.join(out, "runtime_slice.onnx"))
    np.save(os.path.join(out, "x6.npy"), np.arange(6, dtype=np.float32))
    np.save(os.path.join(out, "start1.npy"), np.array([1], np.int64))
    np.save(os.path.join(out, "end4.npy"), np.array([4], np.int64))
    np.save(os.path.join(out, "end5.npy"), np.array([5], np.int64))
    np.save(os.path.join(out, "slice1to4.npy"), np.arange(1, 4, dtype=np.float32))

    # Integer Div and Mod: a zero divisor is a run error (it would trap), INT_MIN / -1 wraps.
    for op in ["Div", "Mod"]:
        save(model([helper.make_node(op, ["a", "b"], ["y"], name=op.lower())],
                   [tensor("a", [4], TensorProto.INT32), tensor("b", [4], TensorProto.INT32)],
                   [tensor("y", [4], TensorProto.INT32)]), os.path.join(out, f"int_{op.lower()}.onnx"))
    np.save(os.path.join(out, "dividend.npy"), np.array([7, -7, 3, -2**31], np.int32))
    np.save(os.path.join(out, "divisor.npy"), np.array([2, 2, -2, -1], np.int32))
    np.save(os.path.join(out, "divisor_zero.npy"), np.array([2, 0, -2, -1], np.int32))
    np.save(os.path.join(out, "quotient.npy"), np.array([3, -3, -1, -2**31], np.int32))  # truncated
    np.save(os.path.join(out, "modulo.npy"), np.array([1, 1, -1, 0], np.int32))  # the divisor's sign

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUT_DIR")
    main(sys.argv[1])
