//===- NodeImportersControlFlow.cpp - Scan, If ------------------------------===//
//
// If with a compile-time condition imports the branch taken. With a run-time condition both branches
// are imported and each output selects between them, which is only right when evaluating the branch
// not taken cannot fail the run: branches with ops that check values at run time (gathers, scatters,
// integer division) or shapes known only at run time are refused with the op that prevents it.
//
// Scan with a static sequence length is unrolled at import: the body is imported once per step (and,
// for Scan-8, per batch entry), its state outputs feeding the next step and its scan outputs stacked
// along their axes. The body's ops then fuse and schedule like any others. Sequences longer than
// kMaxScanSteps are refused rather than unrolled into a huge graph.
//
#include "frontend/onnx/GraphBuilders.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

constexpr int64_t kMaxScanSteps = 1024;

const ::onnx::GraphProto *graphAttr(NodeContext &c, StringRef name) {
  const auto *a = c.attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

/// Attribute `name` as n ints (default all `dflt`), or nullopt when it has another length.
std::optional<SmallVector<int64_t>> intsOr(NodeContext &c, StringRef name, size_t n, int64_t dflt) {
  auto v = c.getInts(name);
  if (!v)
    return SmallVector<int64_t>(n, dflt);
  if (v->size() != n)
    return std::nullopt;
  return v;
}

/// The prefix of the names a node's bodies define: its first named output, unique in the graph (a nested
/// body's node gets a longer one).
std::string bodyScope(NodeContext &c) {
  for (const auto &out : c.node.output())
    if (!out.empty())
      return out;
  return c.node.name();
}

/// `v` without dim `axis` at index `i`.
Value take(NodeContext &c, Value v, int64_t axis, int64_t i) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape()), steps(t.getRank(), 1), kept;
  starts[axis] = i;
  sizes[axis] = 1;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != axis)
      kept.push_back(t.getDimSize(d));
  return reshape(c, slice(c, v, starts, sizes, steps), kept);
}

/// `parts` (of one type) stacked along a new dim `axis`.
Value stack(NodeContext &c, ArrayRef<Value> parts, int64_t axis) {
  auto t = cast<RankedTensorType>(parts[0].getType());
  SmallVector<int64_t> one(t.getShape());
  one.insert(one.begin() + axis, 1);
  SmallVector<Value> unsqueezed = llvm::map_to_vector(parts, [&](Value p) { return reshape(c, p, one); });
  if (unsqueezed.size() == 1)
    return unsqueezed[0];
  return graph::ConcatOp::create(c.b, c.loc, unsqueezed, axis);
}

FailureOr<SmallVector<Value>> importScan(NodeContext &c) {
  const auto *body = graphAttr(c, "body");
  if (!body)
    return c.error() << "needs a body graph";
  bool batched = c.opset < 9; // Scan-8: a leading batch dim and an optional sequence_lens input
  size_t first = batched ? 1 : 0;
  if (batched && c.input(0))
    return c.error() << "sequence_lens is not supported (every sequence has the full length)";
  int64_t scans = c.getInt("num_scan_inputs", 0), total = static_cast<int64_t>(c.numInputs() - first);
  int64_t states = total - scans, outputs = body->output_size() - states;
  if (scans < 1 || states < 0 || outputs < 0 || body->input_size() != total)
    return c.error() << "num_scan_inputs " << scans << " does not fit " << total << " inputs and a body of "
                     << body->input_size() << " inputs and " << body->output_size() << " outputs";
  for (int64_t i = 0; i < total; ++i)
    if (!c.input(first + i) || !c.inputType(first + i).hasStaticShape())
      return c.error() << "input " << first + i << " must be present with a static shape";
  auto inDirs = intsOr(c, batched ? "directions" : "scan_input_directions", scans, 0);
  auto inAxes = intsOr(c, "scan_input_axes", scans, 0);
  auto outDirs = intsOr(c, "scan_output_directions", outputs, 0);
  auto outAxes = intsOr(c, "scan_output_axes", outputs, 0);
  if (!inDirs || !inAxes || !outDirs || !outAxes)
    return c.error() << "needs one direction and axis per scan input and output";

  // Scan inputs: [batch, steps, ...] for Scan-8, else steps along each input's axis.
  int64_t batch = batched ? c.inputType(first).getDimSize(0) : 1, steps = -1;
  for (int64_t j = 0; j < scans; ++j) {
    auto t = c.inputType(first + states + j);
    int64_t rank = t.getRank() - (batched ? 1 : 0), axis = batched ? 0 : (*inAxes)[j];
    if (axis < -rank || axis >= rank)
      return c.error() << "scan_input_axes " << axis << " is outside the rank " << rank << " of scan input " << j;
    (*inAxes)[j] = (axis < 0 ? axis + rank : axis) + (batched ? 1 : 0);
    int64_t length = t.getDimSize((*inAxes)[j]);
    if (steps >= 0 && length != steps)
      return c.error() << "scan inputs have " << steps << " and " << length << " steps";
    steps = length;
  }
  if (steps < 1 || steps > kMaxScanSteps || steps * batch > kMaxScanSteps)
    return c.error() << "a scan of " << steps * batch << " steps is unrolled at compile time; 1 to "
                     << kMaxScanSteps << " are supported";

  std::string prefix = bodyScope(c);
  SmallVector<SmallVector<Value>> finalStates(states), scanned(outputs); // per batch entry
  for (int64_t b = 0; b < batch; ++b) {
    SmallVector<Value> state;
    for (int64_t i = 0; i < states; ++i)
      state.push_back(batched ? take(c, c.input(first + i), 0, b) : c.input(first + i));
    SmallVector<SmallVector<Value>> perStep(outputs);
    for (int64_t t = 0; t < steps; ++t) {
      SmallVector<Value> bound(state);
      for (int64_t j = 0; j < scans; ++j) {
        Value x = c.input(first + states + j);
        int64_t axis = (*inAxes)[j];
        if (batched) {
          x = take(c, x, 0, b);
          --axis;
        }
        bound.push_back(take(c, x, axis, (*inDirs)[j] ? steps - 1 - t : t));
      }
      std::string scope = prefix + "/scan" + std::to_string(b) + "." + std::to_string(t) + "/";
      auto results = c.importBody(*body, bound, scope);
      if (failed(results))
        return failure();
      state.assign(results->begin(), results->begin() + states);
      for (int64_t k = 0; k < outputs; ++k)
        perStep[k].push_back((*results)[states + k]);
    }
    for (int64_t i = 0; i < states; ++i)
      finalStates[i].push_back(state[i]);
    for (int64_t k = 0; k < outputs; ++k) {
      auto &parts = perStep[k];
      if ((*outDirs)[k])
        std::reverse(parts.begin(), parts.end());
      int64_t rank = cast<RankedTensorType>(parts[0].getType()).getRank() + 1, axis = batched ? 0 : (*outAxes)[k];
      if (axis < -rank || axis >= rank)
        return c.error() << "scan_output_axes " << axis << " is outside the rank " << rank << " of scan output " << k;
      scanned[k].push_back(stack(c, parts, axis < 0 ? axis + rank : axis));
    }
  }
  SmallVector<Value> results;
  for (auto &perBatch : finalStates)
    results.push_back(batched ? stack(c, perBatch, 0) : perBatch[0]);
  for (auto &perBatch : scanned)
    results.push_back(batched ? stack(c, perBatch, 0) : perBatch[0]);
  return results;
}

/// The first op after `marker` (or from the start of `block`) that may fail when its branch is not the one
/// taken: value checks at run time, or results whose shape is only known at run time.
Operation *firstOpThatMayFail(Block *block, Operation *marker) {
  auto it = marker ? std::next(marker->getIterator()) : block->begin();
  for (Operation &op : llvm::make_range(it, block->end())) {
    if (isa<graph::GatherOp, graph::GatherElementsOp, graph::GatherNDOp, graph::ScatterElementsOp,
            graph::ScatterNDOp>(op))
      return &op;
    if (isa<graph::DivOp, graph::ModOp>(op) && isa<IntegerType>(getElementTypeOrSelf(op.getResult(0).getType())))
      return &op;
    if (llvm::any_of(op.getResultTypes(), [](Type t) {
          auto shaped = dyn_cast<ShapedType>(t);
          return shaped && !shaped.hasStaticShape();
        }))
      return &op;
  }
  return nullptr;
}

FailureOr<SmallVector<Value>> importIf(NodeContext &c) {
  const auto *thenBranch = graphAttr(c, "then_branch"), *elseBranch = graphAttr(c, "else_branch");
  if (!thenBranch || !elseBranch)
    return c.error() << "needs then_branch and else_branch graphs";
  auto condType = c.inputType(0);
  if (!condType.hasStaticShape() || condType.getNumElements() != 1 || !condType.getElementType().isInteger(1))
    return c.error() << "expects a bool condition of one element, got " << condType;
  std::string scope = bodyScope(c);
  if (DenseElementsAttr cond = c.constantValue(0)) {
    bool taken = *cond.getValues<bool>().begin();
    return c.importBody(taken ? *thenBranch : *elseBranch, {}, scope + (taken ? "/then/" : "/else/"));
  }
  Block *block = c.b.getInsertionBlock();
  SmallVector<SmallVector<Value>> branches;
  for (auto [body, name] : {std::pair(thenBranch, "then"), std::pair(elseBranch, "else")}) {
    Operation *marker = block->empty() ? nullptr : &block->back();
    auto results = c.importBody(*body, {}, scope + "/" + name + "/");
    if (failed(results))
      return failure();
    if (Operation *op = firstOpThatMayFail(block, marker))
      return c.error() << "a run-time condition evaluates both branches, but the " << name << " branch has '"
                       << op->getName() << "', which may fail or take a shape at run time";
    branches.push_back(std::move(*results));
  }
  if (branches[0].size() != branches[1].size())
    return c.error() << "the branches have " << branches[0].size() << " and " << branches[1].size() << " outputs";
  Value cond = reshape(c, c.input(0), {});
  SmallVector<Value> results;
  for (auto [a, b] : llvm::zip(branches[0], branches[1])) {
    if (a.getType() != b.getType())
      return c.error() << "a run-time condition needs branch outputs of one type, got " << a.getType() << " and "
                       << b.getType();
    results.push_back(graph::WhereOp::create(c.b, c.loc, cond, a, b));
  }
  return results;
}

} // namespace

void addControlFlowImporters(llvm::StringMap<NodeImporter> &t) {
  t["Scan"] = importScan;
  t["If"] = importIf;
}

} // namespace tessera::onnx
