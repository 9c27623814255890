//===- ScheduleBuilder.cpp - host function -> schedule table --------------===//
//
// Every tensor of the host function gets a buffer: runtime inputs and outputs, constants in the
// weights section, or a slice of the session arena. Reshapes alias their operand's buffer (row-major
// bytes do not change). Arena slices are planned by liveness over the dispatch order (first fit).
//
#include "codegen/common/ScheduleBuilder.h"

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "runtime/include/tessera/artifact_format.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <map>

using namespace mlir;

namespace tessera {
namespace {

uint64_t alignTo(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint64_t elementBytes(Type t) {
  unsigned bits = t.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

uint64_t tensorBytes(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getNumElements() * elementBytes(t.getElementType());
}

/// Row-major little-endian bytes of a constant (splats expanded, i1 as bytes).
FailureOr<std::string> constantBytes(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> data = blob->getData();
    return std::string(data.data(), data.size());
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  uint64_t width = elementBytes(type.getElementType());
  std::string out;
  out.reserve(type.getNumElements() * width);
  if (type.getElementType().isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      out.push_back(b ? 1 : 0);
    return out;
  }
  if (dense.isSplat()) {
    ArrayRef<char> raw = dense.getRawData();
    for (int64_t i = 0; i < type.getNumElements(); ++i)
      out.append(raw.data(), width);
    return out;
  }
  ArrayRef<char> raw = dense.getRawData();
  return std::string(raw.data(), raw.size());
}

struct Buffer {
  uint32_t kind;
  uint32_t index = 0;
  uint64_t offset = 0;
  int64_t size = 0; // ref: literal bytes or -(symbol + 1)
  int64_t firstUse = -1, lastUse = -1; // step positions, for arena planning
};

struct Binding {
  uint32_t buffer;
  int64_t length; // ref
};

struct Step {
  explicit Step(uint32_t kind) : kind(kind) {}
  uint32_t kind;
  uint32_t kernel = 0;
  uint32_t workgroups = 1;
  SmallVector<Binding> bindings;
  SmallVector<int64_t> constants; // refs
  // COPY
  uint32_t src = 0, dst = 0;
  int64_t length = 0; // ref
  // SHAPE
  uint32_t shapeOp = 0, symbol = 0;
  int64_t a = 0, b = 0;
};

struct Symbol {
  std::string name;
  int64_t min = 0, max = INT64_MAX;
};

int64_t symbolRef(uint32_t symbol) { return -static_cast<int64_t>(symbol) - 1; }

class Builder {
public:
  Builder(ModuleOp module, func::FuncOp main) : module(module), main(main) {}
  LogicalResult run(ArtifactContents &out);

private:
  uint32_t addBuffer(Buffer b) {
    buffers.push_back(b);
    return buffers.size() - 1;
  }
  LogicalResult bufferForConstant(Value v, ElementsAttr attr, StringRef key);
  void use(Value v, int64_t position) {
    Buffer &b = buffers[bufferOf.lookup(v)];
    if (b.firstUse < 0)
      b.firstUse = position;
    b.lastUse = std::max(b.lastUse, position);
  }
  void planArena();
  void encode(ArtifactContents &out);

  /// Value references for dims and index values of the host function; SHAPE steps are emitted the
  /// first time a computed value is needed, so they run before the step that uses them.
  FailureOr<int64_t> dimRef(Value tensor, int64_t dim);
  FailureOr<int64_t> indexRef(Value index);
  int64_t shapeStep(uint32_t op, int64_t a, int64_t b);
  FailureOr<int64_t> byteSizeRef(Value tensor);
  uint32_t inputSymbol(StringRef name);

  SmallVector<Symbol> symbols;
  llvm::StringMap<uint32_t> symbolByName;
  DenseMap<Value, int64_t> indexRefs;
  std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t> shapeCache;

  ModuleOp module;
  func::FuncOp main;
  SmallVector<Buffer> buffers;
  DenseMap<Value, uint32_t> bufferOf;
  llvm::StringMap<uint32_t> constantBuffers;
  std::string weights;
  SmallVector<std::string> kernels;
  llvm::StringMap<uint32_t> kernelIndex;
  SmallVector<Step> steps;
  uint64_t arenaSize = 0;
};

uint32_t Builder::inputSymbol(StringRef name) {
  auto [it, inserted] = symbolByName.try_emplace(name, symbols.size());
  if (inserted)
    symbols.push_back({name.str()});
  return it->second;
}

int64_t Builder::shapeStep(uint32_t op, int64_t a, int64_t b) {
  // Fold literal operands and reuse identical steps.
  if (a >= 0 && b >= 0) {
    switch (op) {
    case TSR_SHAPE_ADD: return a + b;
    case TSR_SHAPE_MUL: return a * b;
    case TSR_SHAPE_SUB: return a - b;
    case TSR_SHAPE_EQ: return a == b;
    case TSR_SHAPE_DIV_FLOOR: if (b) return a / b; break;
    case TSR_SHAPE_DIV_CEIL: if (b) return (a + b - 1) / b; break;
    case TSR_SHAPE_MAX: return std::max(a, b);
    case TSR_SHAPE_MIN: return std::min(a, b);
    default: break;
    }
  }
  if (op == TSR_SHAPE_MUL && (a == 1 || b == 1))
    return a == 1 ? b : a;
  auto key = std::make_tuple(op, a, b);
  if (auto it = shapeCache.find(key); it != shapeCache.end())
    return it->second;
  uint32_t symbol = symbols.size();
  symbols.push_back({"s" + std::to_string(symbol), INT64_MIN, INT64_MAX}); // -1 and 0 are markers
  Step step{TSR_STEP_SHAPE};
  step.shapeOp = op;
  step.symbol = symbol;
  step.a = a;
  step.b = b;
  steps.push_back(step);
  return shapeCache[key] = symbolRef(symbol);
}

FailureOr<int64_t> Builder::dimRef(Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return type.getDimSize(dim);
  if (auto arg = dyn_cast<BlockArgument>(tensor)) {
    auto names = main->getAttrOfType<ArrayAttr>("tessera.input_dims");
    std::string name = arg.getArgNumber() < (names ? names.size() : 0)
                           ? cast<StringAttr>(cast<ArrayAttr>(names[arg.getArgNumber()])[dim]).str()
                           : "";
    if (name.empty())
      name = "input" + std::to_string(arg.getArgNumber()) + "_dim" + std::to_string(dim);
    return symbolRef(inputSymbol(name));
  }
  Operation *def = tensor.getDefiningOp();
  if (auto d = dyn_cast<dispatch::DispatchOp>(def))
    return indexRef(d.getResultDim(cast<OpResult>(tensor).getResultNumber(), dim));
  if (isa<UnrealizedConversionCastOp, tensor::CastOp>(def))
    return dimRef(def->getOperand(0), dim);
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
    int64_t size = 1;
    for (int64_t d : collapse.getReassociationIndices()[dim]) {
      auto ref = dimRef(collapse.getSrc(), d);
      if (failed(ref))
        return failure();
      size = shapeStep(TSR_SHAPE_MUL, size, *ref);
    }
    return size;
  }
  if (auto reshape = dyn_cast<tensor::ReshapeOp>(def)) {
    auto shape = reshape.getShape().getDefiningOp<tensor::FromElementsOp>();
    if (!shape)
      return reshape.emitOpError("needs its shape built on the host (tensor.from_elements)");
    return indexRef(shape.getElements()[dim]);
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
    OpFoldResult size = expand.getMixedOutputShape()[dim];
    if (auto attr = dyn_cast<Attribute>(size))
      return cast<IntegerAttr>(attr).getInt();
    return indexRef(cast<Value>(size));
  }
  return def->emitOpError("has a dynamic dim the schedule cannot compute");
}

FailureOr<int64_t> Builder::indexRef(Value v) {
  if (auto it = indexRefs.find(v); it != indexRefs.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  if (!def)
    return emitError(v.getLoc()) << "index argument on the host is not supported";
  FailureOr<int64_t> ref = failure();
  if (auto c = dyn_cast<arith::ConstantIndexOp>(def)) {
    ref = c.value();
  } else if (auto dim = dyn_cast<tensor::DimOp>(def)) {
    if (auto index = dim.getConstantIndex())
      ref = dimRef(dim.getSource(), *index);
  } else if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtUIOp, arith::ExtSIOp>(def)) {
    ref = indexRef(def->getOperand(0));
  } else if (auto c = dyn_cast<arith::ConstantOp>(def)) {
    if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
      ref = i.getType().isInteger(1) ? (int64_t)i.getValue().getZExtValue() : i.getInt();
  } else if (auto extract = dyn_cast<tensor::ExtractOp>(def)) {
    // A value of a runtime tensor (a shape operand): read from its buffer when the step runs.
    auto type = cast<RankedTensorType>(extract.getTensor().getType());
    if (type.getElementType().isInteger(64) && type.hasStaticShape() && bufferOf.count(extract.getTensor())) {
      int64_t linear = 0;
      bool constantIndices = true;
      for (auto [i, index] : llvm::enumerate(extract.getIndices())) {
        auto c = getConstantIntValue(index);
        constantIndices &= c.has_value();
        linear = linear * type.getDimSize(i) + c.value_or(0);
      }
      if (constantIndices) {
        uint32_t symbol = symbols.size();
        symbols.push_back({"s" + std::to_string(symbol), INT64_MIN, INT64_MAX});
        Step step(TSR_STEP_SHAPE);
        step.shapeOp = TSR_SHAPE_READ_I64;
        step.symbol = symbol;
        step.a = bufferOf[extract.getTensor()];
        step.b = linear;
        steps.push_back(step);
        ref = symbolRef(symbol);
      }
    }
  } else if (auto cmp = dyn_cast<arith::CmpIOp>(def)) {
    auto a = indexRef(cmp.getLhs()), b = indexRef(cmp.getRhs());
    if (cmp.getPredicate() == arith::CmpIPredicate::eq && succeeded(a) && succeeded(b))
      ref = shapeStep(TSR_SHAPE_EQ, *a, *b);
    else if (cmp.getPredicate() == arith::CmpIPredicate::ne && succeeded(a) && succeeded(b))
      ref = shapeStep(TSR_SHAPE_SUB, 1, shapeStep(TSR_SHAPE_EQ, *a, *b));
  } else if (auto select = dyn_cast<arith::SelectOp>(def)) {
    // c * x + (1 - c) * y, with c in {0, 1}.
    auto c = indexRef(select.getCondition()), x = indexRef(select.getTrueValue()),
         y = indexRef(select.getFalseValue());
    if (succeeded(c) && succeeded(x) && succeeded(y))
      ref = shapeStep(TSR_SHAPE_ADD, shapeStep(TSR_SHAPE_MUL, *c, *x),
                      shapeStep(TSR_SHAPE_MUL, shapeStep(TSR_SHAPE_SUB, 1, *c), *y));
  } else if (def->getNumOperands() == 2) {
    static const llvm::StringMap<uint32_t> ops = {
        {"arith.addi", TSR_SHAPE_ADD},         {"arith.subi", TSR_SHAPE_SUB},
        {"arith.muli", TSR_SHAPE_MUL},         {"arith.divsi", TSR_SHAPE_DIV_FLOOR},
        {"arith.divui", TSR_SHAPE_DIV_FLOOR},  {"arith.floordivsi", TSR_SHAPE_DIV_FLOOR},
        {"arith.ceildivsi", TSR_SHAPE_DIV_CEIL}, {"arith.ceildivui", TSR_SHAPE_DIV_CEIL},
        {"arith.maxsi", TSR_SHAPE_MAX},        {"arith.maxui", TSR_SHAPE_MAX},
        {"arith.minsi", TSR_SHAPE_MIN},        {"arith.minui", TSR_SHAPE_MIN}};
    auto it = ops.find(def->getName().getStringRef());
    if (it != ops.end()) {
      auto a = indexRef(def->getOperand(0)), b = indexRef(def->getOperand(1));
      if (succeeded(a) && succeeded(b))
        ref = shapeStep(it->second, *a, *b);
    }
  }
  if (failed(ref))
    return def->emitOpError("computes a shape value the schedule cannot express");
  indexRefs[v] = *ref;
  return ref;
}

FailureOr<int64_t> Builder::byteSizeRef(Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t size = elementBytes(type.getElementType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    auto ref = dimRef(tensor, d);
    if (failed(ref))
      return failure();
    size = shapeStep(TSR_SHAPE_MUL, size, *ref);
  }
  return size;
}

LogicalResult Builder::bufferForConstant(Value v, ElementsAttr attr, StringRef key) {
  auto it = constantBuffers.find(key);
  if (it != constantBuffers.end()) {
    bufferOf[v] = it->second;
    return success();
  }
  auto bytes = constantBytes(attr);
  if (failed(bytes) || bytes->size() != tensorBytes(v))
    return emitError(v.getLoc()) << "cannot serialize constant of type " << v.getType();
  uint64_t offset = alignTo(weights.size(), TSR_WEIGHT_ALIGNMENT);
  weights.resize(offset, '\0');
  weights.append(*bytes);
  Buffer b{TSR_BUFFER_CONSTANT};
  b.offset = offset;
  b.size = bytes->size();
  uint32_t id = addBuffer(b);
  constantBuffers[key] = id;
  bufferOf[v] = id;
  return success();
}

LogicalResult Builder::run(ArtifactContents &out) {
  Block &body = main.getBody().front();
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    Buffer b{TSR_BUFFER_INPUT};
    b.index = i;
    auto size = byteSizeRef(arg);
    if (failed(size))
      return failure();
    b.size = *size;
    bufferOf[arg] = addBuffer(b);
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());

  // Results that can be computed straight into an output buffer (first claim wins).
  DenseMap<Value, uint32_t> directOutput;
  auto aliasRoot = [](Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp, tensor::CastOp,
               UnrealizedConversionCastOp>(def))
        break;
      v = def->getOperand(0);
    }
    return v;
  };
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value root = aliasRoot(v);
    if (root.getDefiningOp<dispatch::DispatchOp>() && !directOutput.count(root))
      directOutput[root] = i;
  }

  int64_t position = 0;
  SymbolTable symbolTable(module);
  for (Operation &op : body.without_terminator()) {
    if (auto load = dyn_cast<graph::GlobalLoadOp>(op)) {
      auto global = symbolTable.lookup<graph::GlobalOp>(load.getGlobal());
      if (!global)
        return load.emitOpError("unknown global");
      if (failed(bufferForConstant(load, global.getValue(), ("@" + load.getGlobal()).str())))
        return failure();
    } else if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
      if (!isa<RankedTensorType>(cst.getType()))
        continue; // scalars are only used inside dispatches
      std::string key;
      llvm::raw_string_ostream os(key);
      cst.getValue().print(os);
      if (failed(bufferForConstant(cst, cast<ElementsAttr>(cst.getValue()), key)))
        return failure();
    } else if (op.getNumResults() == 1 && op.getResult(0).getType().isIntOrIndex() &&
               (isa<tensor::DimOp, tensor::ExtractOp>(op) || isa<arith::ArithDialect>(op.getDialect()))) {
      continue; // shape arithmetic: becomes SHAPE steps where a dim is needed (indexRef)
    } else if (isa<tensor::FromElementsOp>(op) &&
               cast<RankedTensorType>(op.getResult(0).getType()).getElementType().isIndex()) {
      continue; // a shape for tensor.reshape: read through dimRef
    } else if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp, tensor::CastOp,
                   UnrealizedConversionCastOp>(op)) {
      if (op.getNumResults() != 1 || !bufferOf.count(op.getOperand(0)))
        return op.emitOpError("cannot alias its operand on the host");
      bufferOf[op.getResult(0)] = bufferOf[op.getOperand(0)];
    } else if (auto d = dyn_cast<dispatch::DispatchOp>(op)) {
      auto exe = symbolTable.lookup<dispatch::ExecutableOp>(d.getExecutable());
      dispatch::VariantOp variant;
      for (auto v : exe.getBody().front().getOps<dispatch::VariantOp>())
        if (v.getTarget() == "cpu")
          variant = v;
      if (!variant || !variant->hasAttr("kernel") || !variant->hasAttr("workgroup_count"))
        return d.emitOpError("executable has no compiled cpu variant");
      std::string kernel = cast<StringAttr>(variant->getAttr("kernel")).str();
      auto [it, inserted] = kernelIndex.try_emplace(kernel, kernels.size());
      if (inserted)
        kernels.push_back(kernel);
      Step step{TSR_STEP_DISPATCH};
      step.kernel = it->second;
      step.workgroups = cast<IntegerAttr>(variant->getAttr("workgroup_count")).getInt();
      // Kernels get the dynamic dims of their bindings as constants, binding order then dim order.
      auto bind = [&](Value v) -> LogicalResult {
        auto length = byteSizeRef(v);
        if (failed(length))
          return failure();
        step.bindings.push_back({bufferOf[v], *length});
        auto type = cast<RankedTensorType>(v.getType());
        for (int64_t dim = 0; dim < type.getRank(); ++dim) {
          if (!type.isDynamicDim(dim))
            continue;
          auto ref = dimRef(v, dim);
          if (failed(ref))
            return failure();
          step.constants.push_back(*ref);
        }
        return success();
      };
      SmallVector<Value> scalars;
      for (Value v : d.getArguments()) {
        if (v.getType().isIndex()) {
          scalars.push_back(v);
          continue;
        }
        if (!bufferOf.count(v))
          return d.emitOpError("operand has no buffer (unsupported host op?)");
        use(v, position);
        if (failed(bind(v)))
          return failure();
      }
      for (Value r : d.getResults()) {
        auto size = byteSizeRef(r);
        if (failed(size))
          return failure();
        Buffer b{*size >= 0 ? (uint32_t)TSR_BUFFER_ARENA : (uint32_t)TSR_BUFFER_DYNAMIC};
        b.size = *size;
        if (auto it = directOutput.find(r); it != directOutput.end()) {
          b.kind = TSR_BUFFER_OUTPUT;
          b.index = it->second;
        }
        bufferOf[r] = addBuffer(b);
        use(r, position);
        if (failed(bind(r)))
          return failure();
      }
      for (Value v : scalars) {
        auto ref = indexRef(v);
        if (failed(ref))
          return failure();
        step.constants.push_back(*ref);
      }
      steps.push_back(step);
      steps.push_back(Step(TSR_STEP_BARRIER));
      ++position;
    } else {
      return op.emitOpError("cannot run on the host: every computation must be in a dispatch");
    }
  }

  // Outputs not computed in place are copied into their buffers at the end.
  SmallVector<uint32_t> outputBuffers;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value root = aliasRoot(v);
    auto it = directOutput.find(root);
    if (it != directOutput.end() && it->second == i) {
      outputBuffers.push_back(bufferOf[root]);
      continue;
    }
    Buffer b{TSR_BUFFER_OUTPUT};
    b.index = i;
    auto size = byteSizeRef(v);
    if (failed(size))
      return failure();
    b.size = *size;
    uint32_t dst = addBuffer(b);
    outputBuffers.push_back(dst);
    if (!bufferOf.count(v))
      return emitError(v.getLoc()) << "output " << i << " has no buffer";
    use(v, position);
    Step copy{TSR_STEP_COPY};
    copy.src = bufferOf[v];
    copy.dst = dst;
    copy.length = b.size;
    steps.push_back(copy);
  }
  if (!steps.empty() && steps.back().kind == TSR_STEP_BARRIER)
    steps.pop_back();
  planArena();

  // METADATA
  ByteWriter meta;
  auto names = [&](StringRef attr) { return main->getAttrOfType<ArrayAttr>(attr); };
  auto dtypes = [&](StringRef attr) { return main->getAttrOfType<DenseI32ArrayAttr>(attr); };
  auto inNames = names("tessera.input_names"), outNames = names("tessera.output_names");
  auto inTypes = dtypes("tessera.input_dtypes"), outTypes = dtypes("tessera.output_dtypes");
  if (!inNames || !outNames || !inTypes || !outTypes)
    return main.emitOpError("is missing I/O names or dtypes");
  // Dims first: computing an output dim may add symbols, which the metadata lists first.
  auto dimsOf = [&](Value v) -> FailureOr<SmallVector<int64_t>> {
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < cast<RankedTensorType>(v.getType()).getRank(); ++d) {
      auto ref = dimRef(v, d);
      if (failed(ref))
        return failure();
      dims.push_back(*ref);
    }
    return dims;
  };
  SmallVector<SmallVector<int64_t>> inDims, outDims;
  for (Value arg : body.getArguments())
    if (auto dims = dimsOf(arg); succeeded(dims))
      inDims.push_back(*dims);
    else
      return failure();
  for (Value v : ret.getOperands())
    if (auto dims = dimsOf(v); succeeded(dims))
      outDims.push_back(*dims);
    else
      return failure();
  meta.u32(symbols.size());
  for (const Symbol &sym : symbols) {
    meta.str(sym.name);
    meta.i64(sym.min);
    meta.i64(sym.max);
  }
  auto writeTensor = [&](StringRef name, int32_t dtype, ArrayRef<int64_t> dims, uint32_t buffer) {
    meta.str(name.str());
    meta.u32(dtype);
    meta.u32(dims.size());
    for (int64_t d : dims)
      meta.i64(d);
    meta.u32(buffer);
  };
  meta.u32(body.getNumArguments());
  for (auto [i, arg] : llvm::enumerate(body.getArguments()))
    writeTensor(cast<StringAttr>(inNames[i]).getValue(), inTypes[i], inDims[i], bufferOf[arg]);
  meta.u32(ret.getNumOperands());
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    writeTensor(cast<StringAttr>(outNames[i]).getValue(), outTypes[i], outDims[i], outputBuffers[i]);
  out.metadata = std::move(meta.bytes);
  encode(out);
  out.weights = std::move(weights);
  return success();
}

void Builder::planArena() {
  // First fit over live intervals, in order of first use; a buffer may reuse the space of any buffer
  // whose interval ended before it starts.
  SmallVector<uint32_t> order;
  for (auto [i, b] : llvm::enumerate(buffers))
    if (b.kind == TSR_BUFFER_ARENA)
      order.push_back(i);
  llvm::stable_sort(order, [&](uint32_t a, uint32_t b) { return buffers[a].firstUse < buffers[b].firstUse; });
  SmallVector<uint32_t> placed;
  for (uint32_t id : order) {
    Buffer &b = buffers[id];
    SmallVector<std::pair<uint64_t, uint64_t>> busy; // [offset, end) of overlapping live buffers
    uint64_t size = b.size;
    for (uint32_t other : placed) {
      Buffer &o = buffers[other];
      if (o.lastUse >= b.firstUse && o.firstUse <= b.lastUse)
        busy.push_back({o.offset, o.offset + (uint64_t)o.size});
    }
    llvm::sort(busy);
    uint64_t offset = 0;
    for (auto [start, end] : busy) {
      if (offset + size <= start)
        break;
      offset = std::max(offset, alignTo(end, 64));
    }
    b.offset = offset;
    arenaSize = std::max(arenaSize, offset + size);
    placed.push_back(id);
  }
}

void Builder::encode(ArtifactContents &out) {
  ByteWriter w;
  w.u64(arenaSize);
  w.u32(64);
  w.u32(buffers.size());
  for (const Buffer &b : buffers) {
    w.u32(b.kind);
    w.u32(b.index);
    w.u64(b.offset);
    w.i64(b.size);
  }
  w.u32(kernels.size());
  for (const std::string &k : kernels)
    w.str(k);
  w.u32(steps.size());
  for (const Step &s : steps) {
    w.u32(s.kind);
    if (s.kind == TSR_STEP_DISPATCH) {
      w.u32(s.kernel);
      w.i64(s.workgroups);
      w.i64(1);
      w.i64(1);
      w.u32(s.bindings.size());
      for (const Binding &b : s.bindings) {
        w.u32(b.buffer);
        w.u64(0);
        w.i64(b.length);
      }
      w.u32(s.constants.size());
      for (int64_t c : s.constants)
        w.i64(c);
    } else if (s.kind == TSR_STEP_COPY) {
      w.u32(s.src);
      w.u64(0);
      w.u32(s.dst);
      w.u64(0);
      w.i64(s.length);
    } else if (s.kind == TSR_STEP_SHAPE) {
      w.u32(s.shapeOp);
      w.u32(s.symbol);
      w.i64(s.a);
      w.i64(s.b);
    }
  }
  out.schedule = std::move(w.bytes);
}

} // namespace

LogicalResult buildSchedule(ModuleOp module, func::FuncOp main, ArtifactContents &contents) {
  return Builder(module, main).run(contents);
}

} // namespace tessera
