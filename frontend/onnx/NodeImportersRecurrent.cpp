//===- NodeImportersRecurrent.cpp - RNN, GRU, LSTM unrolled over time ------===//
//
// With a static sequence length the recurrence unrolls into per-step Gemm and elementwise tgraph
// ops, using the gate equations of the ONNX specification. `sequence_lens` (forward direction only)
// masks steps past each batch entry's length: its state stops changing and its Y rows are zero.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

enum class Cell { RNN, GRU, LSTM };

struct Unroller {
  NodeContext &c;
  Type elem;

  RankedTensorType type(ArrayRef<int64_t> shape, Type e = nullptr) {
    return RankedTensorType::get(shape, e ? e : elem);
  }
  Value slice(Value v, ArrayRef<int64_t> starts, ArrayRef<int64_t> sizes) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getShape() == sizes)
      return v;
    return graph::SliceOp::create(c.b, c.loc, v, starts, SmallVector<int64_t>(sizes.size(), 1), sizes);
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getShape() == shape)
      return v;
    return graph::ReshapeOp::create(c.b, c.loc, type(shape, t.getElementType()), v, Value());
  }
  /// Row block `gate` (of `size` rows) of a [gates * size, ...] matrix, or of a 1-D vector.
  Value gateRows(Value v, int64_t gate, int64_t size) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape());
    starts[0] = gate * size;
    sizes[0] = size;
    return slice(v, starts, sizes);
  }
  /// x [B, K] times w [N, K] transposed: [B, N].
  Value linear(Value x, Value w) {
    return graph::GemmOp::create(c.b, c.loc, x, w, Value(), c.b.getF32FloatAttr(1), c.b.getF32FloatAttr(1),
                                 c.b.getBoolAttr(false), c.b.getBoolAttr(true));
  }
  template <typename OpTy> Value bin(Value a, Value b) {
    if (!a) return b;
    if (!b) return a;
    return OpTy::create(c.b, c.loc, a, b);
  }
  Value add(Value a, Value b) { return bin<graph::AddOp>(a, b); }
  Value mul(Value a, Value b) { return bin<graph::MulOp>(a, b); }
  FailureOr<Value> activate(StringRef name, Value x) {
    if (name == "Sigmoid") return graph::SigmoidOp::create(c.b, c.loc, x).getResult();
    if (name == "Tanh") return graph::TanhOp::create(c.b, c.loc, x).getResult();
    if (name == "Relu") return graph::ReluOp::create(c.b, c.loc, x).getResult();
    return c.error() << "activation '" << name << "' is not supported";
  }
  Value scalar(double v) {
    auto t = type({});
    return graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(t, c.b.getFloatAttr(elem, v)));
  }
};

} // namespace

static Results importRecurrent(NodeContext &c, Cell cell) {
  auto x = c.inputType(0), w = c.inputType(1);
  if (x.getRank() != 3 || !x.hasStaticShape() || !isa<FloatType>(x.getElementType()))
    return c.error() << "expects a static float 3-D input";
  if (w.getRank() != 3 || !w.hasStaticShape())
    return c.error() << "expects static 3-D weights W, got " << w;
  Unroller u{c, x.getElementType()};
  int64_t hidden = c.getInt("hidden_size", 0), gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  bool batchMajor = c.getInt("layout", 0) != 0;
  int64_t seq = x.getDimSize(batchMajor ? 1 : 0), batch = x.getDimSize(batchMajor ? 0 : 1), inputSize = x.getDimSize(2);
  std::string direction = c.getString("direction", "forward");
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (hidden <= 0 || w.getDimSize(0) != dirs || w.getDimSize(1) != gates * hidden || w.getDimSize(2) != inputSize)
    return c.error() << "weights do not match hidden_size " << hidden << " and direction '" << direction << "'";
  // The other operands must have the shapes the gate equations read them in (a dim of run-time size is
  // taken to fit), so that the unrolled steps combine operands that fit.
  SmallVector<int64_t> initialShape = batchMajor ? SmallVector<int64_t>{batch, dirs, hidden}
                                                 : SmallVector<int64_t>{dirs, batch, hidden};
  struct Operand {
    size_t index;
    StringRef name;
    SmallVector<int64_t> shape;
  };
  SmallVector<Operand> operands = {{2, "R", {dirs, gates * hidden, hidden}},
                                   {3, "B", {dirs, 2 * gates * hidden}},
                                   {4, "sequence_lens", {batch}},
                                   {5, "initial_h", initialShape}};
  if (cell == Cell::LSTM)
    operands.append({{6, "initial_c", initialShape}, {7, "P", {dirs, 3 * hidden}}});
  auto fits = [](auto dims) {
    auto [have, want] = dims;
    return ShapedType::isDynamic(have) || have == want;
  };
  for (const Operand &o : operands) {
    if (!c.input(o.index))
      continue;
    auto t = c.inputType(o.index);
    if (t.getRank() != static_cast<int64_t>(o.shape.size()) || !llvm::all_of(llvm::zip(t.getShape(), o.shape), fits))
      return c.error() << "expects " << o.name << " of shape [" << ArrayRef<int64_t>(o.shape) << "], got " << t;
  }
  if (c.attr("clip"))
    return c.error() << "clip is not supported";
  if (cell == Cell::LSTM && c.getInt("input_forget", 0))
    return c.error() << "input_forget is not supported";
  SmallVector<std::string> acts;
  if (auto *a = c.attr("activations"))
    for (const auto &s : a->strings())
      acts.push_back(s);
  if (acts.empty()) {
    SmallVector<std::string> defaults = cell == Cell::RNN ? SmallVector<std::string>{"Tanh"}
                                        : cell == Cell::GRU ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                                                            : SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int64_t d = 0; d < dirs; ++d)
      acts.append(defaults);
  }
  size_t perDir = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 2 : 3;
  if (acts.size() != perDir * dirs)
    return c.error() << "expects " << perDir * dirs << " activations";
  Value lens = c.input(4);
  if (lens && direction != "forward")
    return c.error() << "sequence_lens is only supported for the forward direction";
  bool linearBeforeReset = c.getInt("linear_before_reset", 0) != 0;

  SmallVector<Value> yDirs, hLast, cLast;
  for (int64_t d = 0; d < dirs; ++d) {
    bool backward = direction == "reverse" || d == 1;
    auto dirOf = [&](Value v, int64_t rows) { // [dirs, rows, ...] -> [rows, ...]
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape());
      starts[0] = d;
      sizes[0] = 1;
      return u.reshape(u.slice(v, starts, sizes), t.getShape().drop_front());
    };
    Value W = dirOf(c.input(1), gates * hidden), R = dirOf(c.input(2), gates * hidden);
    Value B = c.input(3) ? dirOf(c.input(3), 2 * gates * hidden) : Value();
    Value P = cell == Cell::LSTM && c.input(7) ? dirOf(c.input(7), 3 * hidden) : Value();
    auto wb = [&](int64_t g) { return B ? u.gateRows(B, g, hidden) : Value(); };
    auto rb = [&](int64_t g) { return B ? u.gateRows(B, gates + g, hidden) : Value(); };
    auto initial = [&](size_t i) -> Value {
      if (!c.input(i))
        return graph::ExpandOp::create(c.b, c.loc, u.type({batch, hidden}), u.scalar(0));
      Value v = c.input(i);
      if (batchMajor) // [batch, dirs, hidden]
        return u.reshape(u.slice(v, {0, d, 0}, {batch, 1, hidden}), {batch, hidden});
      return dirOf(v, batch);
    };
    Value H = initial(5), C = cell == Cell::LSTM ? initial(6) : Value();
    ArrayRef<std::string> f(acts.begin() + d * perDir, acts.begin() + (d + 1) * perDir);
    SmallVector<Value> ys(seq);
    for (int64_t step = 0; step < seq; ++step) {
      int64_t t = backward ? seq - 1 - step : step;
      Value xt = batchMajor ? u.reshape(u.slice(c.input(0), {0, t, 0}, {batch, 1, inputSize}), {batch, inputSize})
                            : u.reshape(u.slice(c.input(0), {t, 0, 0}, {1, batch, inputSize}), {batch, inputSize});
      auto pre = [&](int64_t g, Value h) { // X W_g^T + H R_g^T + Wb_g + Rb_g
        return u.add(u.add(u.linear(xt, u.gateRows(W, g, hidden)), u.linear(h, u.gateRows(R, g, hidden))),
                     u.add(wb(g), rb(g)));
      };
      Value newH, newC;
      if (cell == Cell::RNN) {
        auto h = u.activate(f[0], pre(0, H));
        if (failed(h)) return failure();
        newH = *h;
      } else if (cell == Cell::GRU) { // gates z, r, h
        auto z = u.activate(f[0], pre(0, H)), r = u.activate(f[0], pre(1, H));
        if (failed(z) || failed(r)) return failure();
        Value hx = u.add(u.linear(xt, u.gateRows(W, 2, hidden)), wb(2));
        Value hh = linearBeforeReset ? u.mul(*r, u.add(u.linear(H, u.gateRows(R, 2, hidden)), rb(2)))
                                     : u.add(u.linear(u.mul(*r, H), u.gateRows(R, 2, hidden)), rb(2));
        auto h = u.activate(f[1], u.add(hx, hh));
        if (failed(h)) return failure();
        Value oneMinusZ = u.bin<graph::SubOp>(u.scalar(1), *z);
        newH = u.add(u.mul(oneMinusZ, *h), u.mul(*z, H));
      } else { // gates i, o, f, c; peepholes i, o, f
        auto peep = [&](int64_t k, Value state) { return P ? u.mul(u.gateRows(P, k, hidden), state) : Value(); };
        auto i = u.activate(f[0], u.add(pre(0, H), peep(0, C)));
        auto fg = u.activate(f[0], u.add(pre(2, H), peep(2, C)));
        auto g = u.activate(f[1], pre(3, H));
        if (failed(i) || failed(fg) || failed(g)) return failure();
        newC = u.add(u.mul(*fg, C), u.mul(*i, *g));
        auto o = u.activate(f[0], u.add(pre(1, H), peep(1, newC)));
        auto hc = u.activate(f[2], newC);
        if (failed(o) || failed(hc)) return failure();
        newH = u.mul(*o, *hc);
      }
      Value y = newH;
      if (lens) { // steps at or past a batch entry's length keep the state and output zeros
        auto lensType = cast<RankedTensorType>(lens.getType());
        auto stepType = u.type({}, lensType.getElementType());
        Value stepValue = graph::ConstantOp::create(
            c.b, c.loc, DenseElementsAttr::get(stepType, c.b.getIntegerAttr(lensType.getElementType(), t)));
        Value active = graph::LessOp::create(c.b, c.loc, stepValue, lens);
        active = u.reshape(active, {batch, 1});
        y = graph::WhereOp::create(c.b, c.loc, active, newH, u.scalar(0));
        newH = graph::WhereOp::create(c.b, c.loc, active, newH, H);
        if (newC)
          newC = graph::WhereOp::create(c.b, c.loc, active, newC, C);
      }
      H = newH;
      C = newC;
      ys[t] = u.reshape(y, batchMajor ? SmallVector<int64_t>{batch, 1, 1, hidden} : SmallVector<int64_t>{1, 1, batch, hidden});
    }
    yDirs.push_back(graph::ConcatOp::create(c.b, c.loc, ys, batchMajor ? 1 : 0));
    auto stateShape = batchMajor ? SmallVector<int64_t>{batch, 1, hidden} : SmallVector<int64_t>{1, batch, hidden};
    hLast.push_back(u.reshape(H, stateShape));
    if (C)
      cLast.push_back(u.reshape(C, stateShape));
  }
  auto concat = [&](ArrayRef<Value> parts, int64_t axis) -> Value {
    if (parts.size() == 1)
      return parts[0];
    return graph::ConcatOp::create(c.b, c.loc, parts, axis);
  };
  SmallVector<Value> results = {concat(yDirs, batchMajor ? 2 : 1), concat(hLast, batchMajor ? 1 : 0)};
  if (cell == Cell::LSTM)
    results.push_back(concat(cLast, batchMajor ? 1 : 0));
  results.resize(c.node.output_size());
  return results;
}

void addRecurrentImporters(llvm::StringMap<NodeImporter> &t) {
  t["RNN"] = [](NodeContext &c) { return importRecurrent(c, Cell::RNN); };
  t["GRU"] = [](NodeContext &c) { return importRecurrent(c, Cell::GRU); };
  t["LSTM"] = [](NodeContext &c) { return importRecurrent(c, Cell::LSTM); };
}

} // namespace tessera::onnx
