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
  uint64_t size = 0;
  int64_t firstUse = -1, lastUse = -1; // step positions, for arena planning
};

struct Binding {
  uint32_t buffer;
  uint64_t length;
};

struct Step {
  uint32_t kind;
  uint32_t kernel = 0;
  uint32_t workgroups = 1;
  SmallVector<Binding> bindings;
  // COPY
  uint32_t src = 0, dst = 0;
  uint64_t length = 0;
};

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
    b.size = tensorBytes(arg);
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
  SymbolTable symbols(module);
  for (Operation &op : body.without_terminator()) {
    if (auto load = dyn_cast<graph::GlobalLoadOp>(op)) {
      auto global = symbols.lookup<graph::GlobalOp>(load.getGlobal());
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
    } else if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp, tensor::CastOp,
                   UnrealizedConversionCastOp>(op)) {
      if (op.getNumResults() != 1 || !bufferOf.count(op.getOperand(0)))
        return op.emitOpError("cannot alias its operand on the host");
      bufferOf[op.getResult(0)] = bufferOf[op.getOperand(0)];
    } else if (auto d = dyn_cast<dispatch::DispatchOp>(op)) {
      auto exe = symbols.lookup<dispatch::ExecutableOp>(d.getExecutable());
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
      for (Value v : d.getArguments()) {
        if (!bufferOf.count(v))
          return d.emitOpError("operand has no buffer (unsupported host op?)");
        use(v, position);
        step.bindings.push_back({bufferOf[v], tensorBytes(v)});
      }
      for (Value r : d.getResults()) {
        Buffer b{TSR_BUFFER_ARENA};
        b.size = tensorBytes(r);
        if (auto it = directOutput.find(r); it != directOutput.end()) {
          b.kind = TSR_BUFFER_OUTPUT;
          b.index = it->second;
        }
        bufferOf[r] = addBuffer(b);
        use(r, position);
        step.bindings.push_back({bufferOf[r], tensorBytes(r)});
      }
      steps.push_back(step);
      steps.push_back(Step{TSR_STEP_BARRIER});
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
    b.size = tensorBytes(v);
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
  meta.u32(0); // dim symbols: none while shapes are static
  auto writeTensor = [&](StringRef name, int32_t dtype, Type type, uint32_t buffer) {
    auto t = cast<RankedTensorType>(type);
    meta.str(name.str());
    meta.u32(dtype);
    meta.u32(t.getRank());
    for (int64_t d : t.getShape())
      meta.i64(d);
    meta.u32(buffer);
  };
  meta.u32(body.getNumArguments());
  for (auto [i, arg] : llvm::enumerate(body.getArguments()))
    writeTensor(cast<StringAttr>(inNames[i]).getValue(), inTypes[i], arg.getType(), bufferOf[arg]);
  meta.u32(ret.getNumOperands());
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    writeTensor(cast<StringAttr>(outNames[i]).getValue(), outTypes[i], v.getType(), outputBuffers[i]);
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
    for (uint32_t other : placed) {
      Buffer &o = buffers[other];
      if (o.lastUse >= b.firstUse && o.firstUse <= b.lastUse)
        busy.push_back({o.offset, o.offset + o.size});
    }
    llvm::sort(busy);
    uint64_t offset = 0;
    for (auto [start, end] : busy) {
      if (offset + b.size <= start)
        break;
      offset = std::max(offset, alignTo(end, 64));
    }
    b.offset = offset;
    arenaSize = std::max(arenaSize, offset + b.size);
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
    w.u64(b.size);
  }
  w.u32(kernels.size());
  for (const std::string &k : kernels)
    w.str(k);
  w.u32(steps.size());
  for (const Step &s : steps) {
    w.u32(s.kind);
    if (s.kind == TSR_STEP_DISPATCH) {
      w.u32(s.kernel);
      w.u32(s.workgroups);
      w.u32(1);
      w.u32(1);
      w.u32(s.bindings.size());
      for (const Binding &b : s.bindings) {
        w.u32(b.buffer);
        w.u64(0);
        w.u64(b.length);
      }
      w.u32(0); // constants
    } else if (s.kind == TSR_STEP_COPY) {
      w.u32(s.src);
      w.u64(0);
      w.u32(s.dst);
      w.u64(0);
      w.u64(s.length);
    }
  }
  out.schedule = std::move(w.bytes);
}

} // namespace

LogicalResult buildSchedule(ModuleOp module, func::FuncOp main, ArtifactContents &contents) {
  return Builder(module, main).run(contents);
}

} // namespace tessera
