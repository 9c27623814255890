#!/usr/bin/python3
"""Writes small ONNX models that break one rule each (and a few valid reshapes with run-time dims), for the
importer validation and run-time shape check tests. Usage: make_invalid_models.py OUT_DIR. Deterministic."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def save(model, out, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(model.SerializeToString())


def tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, initializers=(), opset=18, functions=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="tessera-tests")
    for f in functions:
        m.functions.append(f)
    return m


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def conv_model(opset, **attrs):
    w = numpy_helper.from_array(np.ones((1, 1, 2, 2), np.float32), "w")
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)],
                 [tensor("x", [1, 1, 4, 4])], [tensor("y", [1, 1, 3, 3])], [w], opset=opset)


def pool_model(op, opset, **attrs):
    return model([helper.make_node(op, ["x"], ["y"], name="pool", **attrs)],
                 [tensor("x", [1, 1, 4, 4])], [tensor("y", [1, 1, 3, 3])], opset=opset)


def main(out):
    os.makedirs(out, exist_ok=True)

    # Windows: stride 0 and kernel 0 divide by zero in shape arithmetic (libonnx's below opset 18).
    for opset in (13, 18):
        save(conv_model(opset, strides=[0, 1]), out, "conv_stride0_op%d.onnx" % opset)
        save(pool_model("AveragePool", opset, kernel_shape=[2, 2], strides=[1, 0]), out,
             "avgpool_stride0_op%d.onnx" % opset)
        save(pool_model("MaxPool", opset, kernel_shape=[0, 0]), out, "maxpool_kernel0_op%d.onnx" % opset)
    save(conv_model(13, dilations=[1, -1]), out, "conv_dilation_negative.onnx")
    save(conv_model(18, pads=[0, 0, -1, 0]), out, "conv_pads_negative.onnx")

    # Attributes of the wrong type (helper.make_node picks INT for 2 and FLOAT for 1.0).
    for opset in (13, 18):
        save(model([helper.make_node("LeakyRelu", ["x"], ["y"], name="leaky", alpha=2)],
                   [tensor("x", [2, 3])], [tensor("y", [2, 3])], opset=opset), out, "leakyrelu_alpha_int_op%d.onnx" % opset)
        save(model([helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1.0)],
                   [tensor("x", [2, 3])], [tensor("y", [2, 3])], opset=opset), out, "softmax_axis_float_op%d.onnx" % opset)

    # Inputs the schema requires, missing (opset 18: no libonnx checker runs first).
    save(model([helper.make_node("LeakyRelu", [], ["y"], name="leaky")],
               [tensor("x", [2, 3])], [tensor("y", [2, 3])], opset=18), out, "leakyrelu_no_input_op18.onnx")
    save(model([helper.make_node("Gemm", ["x", ""], ["y"], name="gemm")],
               [tensor("x", [2, 3])], [tensor("y", [2, 3])], opset=18), out, "gemm_empty_input_op18.onnx")

    # An int64 initializer whose raw data is shorter than one element (libonnx's shape inference would
    # copy it unchecked).
    for opset in (13, 18):
        short = helper.make_tensor("one", TensorProto.INT64, [], [1])
        short.ClearField("int64_data")
        short.raw_data = b"\x01"
        save(model([helper.make_node("Range", ["zero", "one", "one"], ["y"], name="range")],
                   [], [tensor("y", [1], TensorProto.INT64)],
                   initializers=[helper.make_tensor("zero", TensorProto.INT64, [], [0]), short], opset=opset),
             out, "range_short_raw_data_op%d.onnx" % opset)

    # Concat without its required axis.
    save(model([helper.make_node("Concat", ["a", "b"], ["y"], name="concat")],
               [tensor("a", [2, 3]), tensor("b", [2, 3])], [tensor("y", [4, 3])]), out, "concat_no_axis.onnx")

    # Operands the op's own type inference refuses (opset 18: libonnx's shape inference does not run first).
    save(model([helper.make_node("Add", ["a", "b"], ["y"], name="add")],
               [tensor("a", [2, 3]), tensor("b", [4])], [tensor("y", None)]), out, "add_no_broadcast.onnx")
    save(model([helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul")],
               [tensor("a", [2, 2, 3]), tensor("b", [3, 3, 4])], [tensor("y", None)]), out, "matmul_batch.onnx")
    save(model([helper.make_node("Concat", ["a", "b"], ["y"], name="concat", axis=0)],
               [tensor("a", [2, 3]), tensor("b", [3])], [tensor("y", None)]), out, "concat_ranks.onnx")
    save(model([helper.make_node("Transpose", ["a"], ["y"], name="transpose", perm=[0, 2])],
               [tensor("a", [2, 3])], [tensor("y", None)]), out, "transpose_perm.onnx")

    # Two producers of one value; a node output named like a graph input.
    save(model([helper.make_node("Relu", ["x"], ["y"], name="first"),
                helper.make_node("Neg", ["x"], ["y"], name="second")],
               [tensor("x", [2, 3])], [tensor("y", [2, 3])]), out, "duplicate_output.onnx")
    save(model([helper.make_node("Relu", ["x"], ["z"], name="relu"),
                helper.make_node("Neg", ["z"], ["x"], name="shadow")],
               [tensor("x", [2, 3])], [tensor("z", [2, 3])]), out, "shadow_input.onnx")

    # An opset no ONNX release has.
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
               [tensor("x", [2, 3])], [tensor("y", [2, 3])], opset=999), out, "opset999.onnx")

    # Constant Reshape shapes that mean nothing.
    for name, shape in (("two_minus1", [-1, -1]), ("minus2", [-2, 32]), ("bad_count", [4, 15]),
                        ("zero_past_rank", [0, 0, 0, -1])):
        for opset in (13, 18):
            save(model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
                       [tensor("x", [2, 32])], [tensor("y", ["A", "B"])], [ints("shape", shape)], opset=opset),
                 out, "reshape_%s_op%d.onnx" % (name, opset))
    # [-1, -1] with a symbolic batch and symbolic declared output dims.
    save(model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
               [tensor("x", ["N", 32])], [tensor("y", ["A", "B"])], [ints("shape", [-1, -1])]),
         out, "reshape_two_minus1_symbolic.onnx")

    # Slice naming one axis twice (-1 and 1 are the same axis of a rank-2 input).
    for opset, axes in ((13, [1, 1]), (18, [1, -1])):
        save(model([helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"], name="slice")],
                   [tensor("x", [4, 4])], [tensor("y", [4, 2])],
                   [ints("starts", [0, 0]), ints("ends", [2, 2]), ints("axes", axes)], opset=opset),
             out, "slice_duplicate_axes_op%d.onnx" % opset)

    # A declared output shape that the computed one contradicts.
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
               [tensor("x", [2, 3])], [tensor("y", [3, 2])]), out, "output_shape_mismatch.onnx")

    # value_info that contradicts the computed shape (another static size; another rank), and one that only
    # leaves dims open or symbolic, which imports.
    for name, declared in (("value_info_mismatch", [4, 3]), ("value_info_rank_mismatch", [2, 3, 1]),
                           ("value_info_symbolic", ["n", None])):
        m = model([helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Neg", ["r"], ["y"], name="neg")],
                  [tensor("x", [2, 3])], [tensor("y", [2, 3])])
        m.graph.value_info.append(tensor("r", declared))
        save(m, out, name + ".onnx")

    # Input dims whose product overflows.
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
               [tensor("x", [1 << 40, 1 << 40])], [tensor("y", [1 << 40, 1 << 40])]), out, "input_overflow.onnx")

    # A model-local function that calls itself, and two that call each other.
    for name, calls in (("recursive_function", {"Loop1": "Loop1"}),
                        ("mutual_functions", {"Ping": "Pong", "Pong": "Ping"})):
        fns = [helper.make_function("local", f, ["a"], ["b"], [helper.make_node(g, ["a"], ["b"], domain="local")],
                                    [helper.make_opsetid("", 18), helper.make_opsetid("local", 1)])
               for f, g in calls.items()]
        first = next(iter(calls))
        m = model([helper.make_node(first, ["x"], ["y"], domain="local", name="call")],
                  [tensor("x", [2, 3])], [tensor("y", [2, 3])], functions=fns)
        m.opset_import.append(helper.make_opsetid("local", 1))
        save(m, out, name + ".onnx")

    # A shape operand whose length (known from its type, its values unknown) would be the result's rank.
    long = 100000
    for opset in (13, 18):
        save(model([helper.make_node("ConstantOfShape", ["n"], ["ones"], name="ones",
                                     value=numpy_helper.from_array(np.array([1], np.int64))),
                    helper.make_node("Expand", ["x", "ones"], ["y"], name="expand")],
                   [tensor("x", [1])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                   [ints("n", [long])], opset=opset), out, "expand_long_shape_op%d.onnx" % opset)
        save(model([helper.make_node("Range", ["zero", "n", "one"], ["axes"], name="range"),
                    helper.make_node("Unsqueeze", ["x", "axes"], ["y"], name="unsqueeze")],
                   [tensor("x", [2, 3])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                   [ints("zero", 0), ints("n", 31), ints("one", 1)], opset=opset),
             out, "unsqueeze_rank33_op%d.onnx" % opset)
    save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
               [tensor("x", [1] * 33)], [tensor("y", [1] * 33)]), out, "input_rank33.onnx")

    # Optimizers (ai.onnx.preview.training): a model importing only that domain may not use the default one,
    # per-tensor inputs come in complete groups of one type, and Momentum's mode is one of two.
    def training(nodes, inputs, outputs):
        graph = helper.make_graph(nodes, "g", inputs, outputs)
        return helper.make_model(graph, producer_name="tessera-tests",
                                 opset_imports=[helper.make_opsetid("ai.onnx.preview.training", 1)])
    rt = [tensor("R", []), tensor("T", [], TensorProto.INT64)]
    domain = "ai.onnx.preview.training"
    save(training([helper.make_node("Neg", ["X"], ["Y"], name="neg")], [tensor("X", [2])], [tensor("Y", [2])]),
         out, "training_only_default_node.onnx")
    save(training([helper.make_node("Adam", ["R", "T", "X", "G", "V"], ["X_new"], name="adam", domain=domain)],
                  rt + [tensor(n, [2]) for n in "XGV"], [tensor("X_new", [2])]),
         out, "adam_missing_state.onnx")
    save(training([helper.make_node("Momentum", ["R", "T", "X", "G", "V"], ["X_new", "V_new"], name="momentum",
                                    domain=domain, alpha=0.9, beta=1.0, norm_coefficient=0.0, mode="heavy")],
                  rt + [tensor(n, [2]) for n in "XGV"], [tensor("X_new", [2]), tensor("V_new", [2])]),
         out, "momentum_bad_mode.onnx")
    save(training([helper.make_node("Adagrad", ["R", "T", "X", "G", "H"], ["X_new", "H_new"], name="adagrad",
                                    domain=domain)],
                  rt + [tensor("X", [2]), tensor("G", [3]), tensor("H", [2])],
                  [tensor("X_new", [2]), tensor("H_new", [2])]),
         out, "adagrad_shape_mismatch.onnx")

    # NonZero's compaction is quadratic in the elements: a large input is refused, not run for minutes.
    save(model([helper.make_node("NonZero", ["x"], ["y"], name="nonzero")], [tensor("x", [128, 160])],
               [tensor("y", [2, "n"], TensorProto.INT64)]), out, "nonzero_too_large.onnx")

    # Scan is unrolled at import: sequences of more than 1024 steps are refused.
    body = helper.make_graph([helper.make_node("Add", ["s", "xt"], ["s_new"])], "body",
                             [tensor("s", [2]), tensor("xt", [2])], [tensor("s_new", [2])])
    save(model([helper.make_node("Scan", ["s0", "x"], ["s"], name="scan", body=body, num_scan_inputs=1)],
               [tensor("s0", [2]), tensor("x", [2000, 2])], [tensor("s", [2])]), out, "scan_too_long.onnx")

    # If with a run-time condition evaluates both branches: a branch that may fail at run time is refused.
    gather = helper.make_graph([helper.make_node("Gather", ["x", "i"], ["g"], axis=0)], "then", [],
                               [tensor("g", [2])])
    plain = helper.make_graph([helper.make_node("Neg", ["x"], ["n"])], "else", [], [tensor("n", [2])])
    save(model([helper.make_node("If", ["c"], ["y"], name="if", then_branch=gather, else_branch=plain)],
               [tensor("c", [], TensorProto.BOOL), tensor("x", [2]), tensor("i", [2], TensorProto.INT64)],
               [tensor("y", [2])]), out, "if_runtime_gather.onnx")

    # Unique compares all pairs of slices: large inputs are refused.
    save(model([helper.make_node("Unique", ["x"], ["y"], name="unique")], [tensor("x", [8192])],
               [tensor("y", ["n"])]), out, "unique_too_large.onnx")

    # NonMaxSuppression unrolls its visit over the boxes: more than 128 boxes are refused.
    save(model([helper.make_node("NonMaxSuppression", ["b", "s"], ["y"], name="nms")],
               [tensor("b", [1, 200, 4]), tensor("s", [1, 1, 200])], [tensor("y", ["n", 3], TensorProto.INT64)]),
         out, "nms_too_many_boxes.onnx")

    # Dims known only at run time: a Slice may keep them whole but not cut them, an Expand may not
    # broadcast them (whether it can depends on their value).
    save(model([helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"], name="slice")],
               [tensor("x", ["n", 4])], [tensor("y", ["m", 4])],
               [ints("starts", [1]), ints("ends", [3]), ints("axes", [0])]), out, "slice_dynamic_dim.onnx")
    save(model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
               [tensor("x", ["n", 4])], [tensor("y", [3, 4])], [ints("shape", [3, 4])]),
         out, "expand_dynamic_dim.onnx")

    # Valid reshapes whose dims are known only at run time.
    #   x [N, 64] -> [-1, 32]: y [2N, 32].
    save(model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
               [tensor("x", ["N", 64])], [tensor("y", ["M", 32])], [ints("shape", [-1, 32])]),
         out, "reshape_minus1_symbolic.onnx")
    #   x [N, 32] -> [4, 16]: valid only when N = 2.
    save(model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
               [tensor("x", ["N", 32])], [tensor("y", [4, 16])], [ints("shape", [4, 16])]),
         out, "reshape_fixed_symbolic.onnx")
    #   x [2, 32] -> the shape input's values, declared [4, 16].
    save(model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
               [tensor("x", [2, 32]), tensor("shape", [2], TensorProto.INT64)], [tensor("y", [4, 16])]),
         out, "reshape_runtime_shape_static_output.onnx")
    x = np.arange(3 * 64, dtype=np.float32).reshape(3, 64)
    np.save(os.path.join(out, "x3x64.npy"), x)
    np.save(os.path.join(out, "y6x32.npy"), x.reshape(6, 32))
    x2 = np.arange(2 * 32, dtype=np.float32).reshape(2, 32)
    np.save(os.path.join(out, "x2x32.npy"), x2)
    np.save(os.path.join(out, "y4x16.npy"), x2.reshape(4, 16))
    np.save(os.path.join(out, "x4x32.npy"), np.zeros((4, 32), np.float32))
    np.save(os.path.join(out, "shape4x16.npy"), np.array([4, 16], np.int64))
    np.save(os.path.join(out, "shape8x8.npy"), np.array([8, 8], np.int64))
    np.save(os.path.join(out, "shape_minus1x16.npy"), np.array([-1, 16], np.int64))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_invalid_models.py OUT_DIR")
    main(sys.argv[1])
