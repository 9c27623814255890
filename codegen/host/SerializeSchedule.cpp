//===- SerializeSchedule.cpp - tsched.program -> METADATA, SCHEDULE, WEIGHTS ---===//
//
// Index values become refs: literals stay literals; symbols, SHAPE results and host reads become dim
// symbols (inputs' by name, computed ones "s<index>"). A negative literal cannot be a ref (the format
// reads it as a symbol), so it is computed by a SHAPE step instead.
//
#include "codegen/host/SerializeSchedule.h"

#include "codegen/host/HostShapes.h"
#include "codegen/host/Passes.h"
#include "codegen/target/TargetBackend.h"
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <map>

using namespace mlir;
using namespace tessera::schedule;

namespace tessera::host {
namespace {

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
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (int64_t i = 0; i < type.getNumElements(); ++i)
      out.append(raw.data(), width);
    return out;
  }
  return std::string(raw.data(), raw.size());
}

class Serializer {
public:
  Serializer(ModuleOp module, ProgramOp program) : program(program), symbols(module) {}
  FailureOr<SerializedSchedule> run();

private:
  FailureOr<codec::Ref> ref(Value v);
  FailureOr<uint32_t> buffer(Value v, Operation *user);
  /// The declared buffer `v` is, or is a view of, and the byte offset of `v` in it.
  FailureOr<std::pair<uint32_t, uint64_t>> place(Value v, Operation *user);
  uint32_t newSymbol(std::string name, int64_t min, int64_t max);
  uint32_t computedSymbol() { return newSymbol("", INT64_MIN, INT64_MAX); }
  LogicalResult step(Operation &op);
  FailureOr<std::pair<uint32_t, uint32_t>> exportIndex(DispatchOp d);
  LogicalResult constant(ConstantOp op);

  ProgramOp program;
  SymbolTable symbols;
  SerializedSchedule out;
  DenseMap<Value, codec::Ref> refs;
  llvm::StringMap<uint32_t> inputSymbols;
  DenseMap<Value, uint32_t> buffers;
  DenseMap<Attribute, uint32_t> constantBuffers;
  std::map<std::pair<Operation *, Operation *>, uint32_t> executables; // (executable, variant)
};

uint32_t Serializer::newSymbol(std::string name, int64_t min, int64_t max) {
  uint32_t index = out.metadata.symbols.size();
  if (name.empty())
    name = "s" + std::to_string(index); // -1 and 0 are markers in ONNX shapes: computed values are unbounded
  out.metadata.symbols.push_back({std::move(name), min, max});
  return index;
}

FailureOr<codec::Ref> Serializer::ref(Value v) {
  if (auto it = refs.find(v); it != refs.end())
    return it->second;
  auto c = v.getDefiningOp<arith::ConstantIndexOp>();
  if (!c)
    return emitError(v.getLoc()) << "host value is used before the schedule computes it";
  int64_t literal = c.value();
  if (literal >= 0)
    return literal;
  if (literal == INT64_MIN)
    return c.emitOpError("value ") << literal << " cannot be represented in the schedule";
  codec::Step s;
  s.kind = TSR_STEP_SHAPE;
  s.op = TSR_SHAPE_SUB;
  s.symbol = computedSymbol();
  s.a = 0;
  s.b = -literal;
  out.schedule.steps.push_back(s);
  return refs[v] = codec::symbolRef(s.symbol);
}

FailureOr<uint32_t> Serializer::buffer(Value v, Operation *user) {
  if (v.getDefiningOp<ViewOp>())
    return user->emitOpError("reads a view, which only bindings and copies can address");
  auto it = buffers.find(v);
  if (it == buffers.end())
    return user->emitOpError("uses a buffer the schedule has not declared");
  return it->second;
}

FailureOr<std::pair<uint32_t, uint64_t>> Serializer::place(Value v, Operation *user) {
  int64_t offset = 0;
  auto id = buffer(viewRoot(v, &offset), user);
  if (failed(id))
    return failure();
  return std::make_pair(*id, static_cast<uint64_t>(offset));
}

LogicalResult Serializer::constant(ConstantOp op) {
  ElementsAttr value = op.getValue();
  if (auto it = constantBuffers.find(value); it != constantBuffers.end()) {
    buffers[op.getBuffer()] = it->second;
    return success();
  }
  auto type = cast<ShapedType>(value.getType());
  auto bytes = constantBytes(value);
  if (failed(bytes) ||
      bytes->size() != static_cast<uint64_t>(type.getNumElements()) * elementBytes(type.getElementType()))
    return op.emitOpError("cannot serialize constant of type ") << value.getType();
  std::string &weights = out.weights;
  uint64_t offset = llvm::alignTo(weights.size(), TSR_WEIGHT_ALIGNMENT);
  weights.resize(offset, '\0');
  weights.append(*bytes);
  codec::Buffer b;
  b.kind = TSR_BUFFER_CONSTANT;
  b.offset = offset;
  b.size = static_cast<codec::Ref>(bytes->size());
  uint32_t id = out.schedule.buffers.size();
  out.schedule.buffers.push_back(b);
  constantBuffers[value] = id;
  buffers[op.getBuffer()] = id;
  return success();
}

FailureOr<std::pair<uint32_t, uint32_t>> Serializer::exportIndex(DispatchOp d) {
  FailureOr<dispatch::VariantOp> bound = boundVariant(d, symbols);
  if (failed(bound))
    return failure();
  dispatch::VariantOp variant = *bound;
  auto exe = variant->getParentOfType<dispatch::ExecutableOp>();
  StringRef exportName = d.getTarget().getNestedReferences()[1].getValue();
  TargetBackend *backend = lookupTargetBackend(variant.getTarget());
  if (!backend)
    return d.emitOpError("variant target '") << variant.getTarget() << "' is not a registered target";
  auto [it, inserted] = executables.try_emplace({exe.getOperation(), variant.getOperation()},
                                                out.schedule.executables.size());
  if (inserted) {
    codec::Executable e;
    e.name = exe.getSymName().str();
    e.code_section = backend->codeSection();
    for (auto entry : variant.getBody().front().getOps<dispatch::ExportOp>()) {
      codec::Export x;
      x.symbol = entry.getSymName().str();
      for (int k = 0; k < 3; ++k)
        x.workgroup_size[k] = static_cast<uint32_t>(entry.getWorkgroupSize()[k]);
      x.binding_access.assign(entry.getAccess().begin(), entry.getAccess().end());
      for (int k = 0; k < 3; ++k)
        x.workgroup_count[k] = static_cast<uint32_t>(entry.getWorkgroupCount()[k]);
      if (std::optional<ArrayRef<int64_t>> bytes = entry.getBindingBytes())
        x.binding_bytes.assign(bytes->begin(), bytes->end());
      x.constant_count = static_cast<uint32_t>(entry.getConstants());
      out.schedule.scratch_size = std::max(out.schedule.scratch_size, entry.getScratchBytes().value_or(0));
      e.exports.push_back(std::move(x));
    }
    out.schedule.executables.push_back(std::move(e));
  }
  const codec::Executable &e = out.schedule.executables[it->second];
  for (auto [i, x] : llvm::enumerate(e.exports))
    if (x.symbol == exportName)
      return std::make_pair(it->second, static_cast<uint32_t>(i));
  return d.emitOpError("export '") << exportName << "' not found in its variant";
}

LogicalResult Serializer::step(Operation &op) {
  auto refOr = [&](Value v, codec::Ref &into) -> LogicalResult {
    auto r = ref(v);
    if (failed(r))
      return failure();
    into = *r;
    return success();
  };
  auto addBuffer = [&](Value v, codec::Buffer b) {
    buffers[v] = out.schedule.buffers.size();
    out.schedule.buffers.push_back(b);
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](arith::ConstantOp) { return success(); }) // literals are read where used
      .Case([&](SymbolOp s) {
        auto [it, inserted] = inputSymbols.try_emplace(s.getName(), 0);
        if (inserted)
          it->second = newSymbol(s.getName().str(), 0, INT64_MAX);
        refs[s] = codec::symbolRef(it->second);
        return success();
      })
      .Case([&](ShapeOp s) -> LogicalResult {
        codec::Step st;
        st.kind = TSR_STEP_SHAPE;
        st.op = static_cast<uint32_t>(s.getKind());
        if (failed(refOr(s.getLhs(), st.a)) || failed(refOr(s.getRhs(), st.b)))
          return failure();
        st.symbol = computedSymbol();
        out.schedule.steps.push_back(st);
        refs[s] = codec::symbolRef(st.symbol);
        return success();
      })
      .Case([&](CheckEqOp c) -> LogicalResult {
        codec::Step st;
        st.kind = TSR_STEP_SHAPE;
        st.op = TSR_SHAPE_CHECK_EQ;
        st.symbol = 0; // a check sets no symbol
        if (failed(refOr(c.getLhs(), st.a)) || failed(refOr(c.getRhs(), st.b)))
          return failure();
        if (st.a == st.b) // the same symbol or literal (values CSE merged): always holds
          return success();
        if (codec::isLiteral(st.a) && codec::isLiteral(st.b))
          return c.emitOpError("always fails: ") << st.a << " != " << st.b;
        out.schedule.steps.push_back(st);
        return success();
      })
      .Case([&](ReadI64Op r) -> LogicalResult {
        auto source = buffer(r.getSource(), r);
        if (failed(source))
          return failure();
        codec::Step st;
        st.kind = TSR_STEP_SHAPE;
        st.op = TSR_SHAPE_READ_I64;
        st.a = *source;
        st.b = r.getElement();
        st.symbol = computedSymbol();
        out.schedule.steps.push_back(st);
        refs[r] = codec::symbolRef(st.symbol);
        return success();
      })
      .Case([&](InputOp in) -> LogicalResult {
        codec::Buffer b;
        b.kind = TSR_BUFFER_INPUT;
        b.index = static_cast<uint32_t>(in.getIndex());
        if (b.index >= out.metadata.inputs.size() || failed(refOr(in.getSize(), b.size)))
          return b.index >= out.metadata.inputs.size() ? in.emitOpError("index out of range") : failure();
        codec::TensorDesc &t = out.metadata.inputs[b.index];
        for (Value dim : in.getDims())
          if (failed(refOr(dim, t.dims.emplace_back())))
            return failure();
        t.buffer = out.schedule.buffers.size();
        addBuffer(in.getBuffer(), b);
        return success();
      })
      .Case([&](OutputOp o) -> LogicalResult {
        codec::Buffer b;
        b.kind = TSR_BUFFER_OUTPUT;
        b.index = static_cast<uint32_t>(o.getIndex());
        if (b.index >= out.metadata.outputs.size())
          return o.emitOpError("index out of range");
        if (failed(refOr(o.getSize(), b.size)))
          return failure();
        out.metadata.outputs[b.index].buffer = out.schedule.buffers.size();
        addBuffer(o.getBuffer(), b);
        return success();
      })
      .Case([&](OutputDimsOp o) -> LogicalResult {
        if (static_cast<uint64_t>(o.getIndex()) >= out.metadata.outputs.size())
          return o.emitOpError("index out of range");
        codec::TensorDesc &t = out.metadata.outputs[o.getIndex()];
        t.dims.clear();
        for (Value dim : o.getDims())
          if (failed(refOr(dim, t.dims.emplace_back())))
            return failure();
        return success();
      })
      .Case([&](ConstantOp c) { return constant(c); })
      .Case([&](AllocOp a) -> LogicalResult {
        codec::Buffer b;
        if (failed(refOr(a.getSize(), b.size)))
          return failure();
        if (codec::isLiteral(b.size)) {
          if (!a.getOffset())
            return a.emitOpError("has no arena offset (run tessera-host-plan-arena)");
          b.kind = TSR_BUFFER_ARENA;
          b.offset = static_cast<uint64_t>(*a.getOffset());
        } else {
          b.kind = TSR_BUFFER_DYNAMIC;
        }
        addBuffer(a.getBuffer(), b);
        return success();
      })
      .Case([&](DispatchOp d) -> LogicalResult {
        auto index = exportIndex(d);
        if (failed(index))
          return failure();
        codec::Step st;
        st.kind = TSR_STEP_DISPATCH;
        st.executable = index->first;
        st.export_index = index->second;
        if (d.getWorkgroupCount().size() != 3)
          return d.emitOpError("has no workgroup count");
        for (int k = 0; k < 3; ++k)
          if (failed(refOr(d.getWorkgroupCount()[k], st.workgroup_count[k])))
            return failure();
        for (auto [buf, length] : llvm::zip(d.getBindings(), d.getLengths())) {
          codec::Binding bd;
          auto at = place(buf, d);
          if (failed(at) || failed(refOr(length, bd.length)))
            return failure();
          std::tie(bd.buffer, bd.offset) = *at;
          st.bindings.push_back(bd);
        }
        for (Value c : d.getConstants())
          if (failed(refOr(c, st.constants.emplace_back())))
            return failure();
        out.schedule.steps.push_back(std::move(st));
        return success();
      })
      .Case([&](CopyOp c) -> LogicalResult {
        codec::Step st;
        st.kind = TSR_STEP_COPY;
        auto src = place(c.getSource(), c), dst = place(c.getDest(), c);
        if (failed(src) || failed(dst) || failed(refOr(c.getLength(), st.length)))
          return failure();
        std::tie(st.src_buffer, st.src_offset) = *src;
        std::tie(st.dst_buffer, st.dst_offset) = *dst;
        out.schedule.steps.push_back(st);
        return success();
      })
      .Case([&](TransferOp t) -> LogicalResult {
        TargetBackend *backend = lookupTargetBackend(t.getTarget());
        if (!backend || !backend->hasDeviceMemory())
          return t.emitOpError("target '") << t.getTarget() << "' is not a registered target with memory of its own";
        codec::Step st;
        st.kind = TSR_STEP_TRANSFER;
        st.code_section = backend->codeSection();
        st.direction = t.getDirection() == TransferDirection::to_host ? TSR_TRANSFER_TO_HOST : TSR_TRANSFER_TO_DEVICE;
        auto at = place(t.getBuffer(), t);
        if (failed(at) || failed(refOr(t.getLength(), st.length)))
          return failure();
        st.src_buffer = at->first;
        st.src_offset = at->second + static_cast<uint64_t>(t.getOffset());
        out.schedule.steps.push_back(st);
        return success();
      })
      .Case([&](ViewOp) { return success(); }) // addressed where bindings and copies use it
      .Case([&](BarrierOp) {
        codec::Step st;
        st.kind = TSR_STEP_BARRIER;
        out.schedule.steps.push_back(st);
        return success();
      })
      .Default([](Operation *op) { return op->emitOpError("has no meaning in a schedule"); });
}

/// The names in `loc` (NameLocs, as the importer gives each node), first occurrence first.
std::vector<std::string> nodeNames(Location loc) {
  std::vector<std::string> names;
  loc->walk([&](Location l) {
    if (auto name = dyn_cast<NameLoc>(l)) {
      std::string s = name.getName().str();
      if (!s.empty() && llvm::find(names, s) == names.end())
        names.push_back(std::move(s));
    }
    return WalkResult::advance();
  });
  return names;
}

FailureOr<SerializedSchedule> Serializer::run() {
  for (auto [list, names, dtypes] :
       {std::make_tuple(&out.metadata.inputs, program.getInputNames(), program.getInputDtypes()),
        std::make_tuple(&out.metadata.outputs, program.getOutputNames(), program.getOutputDtypes())}) {
    for (auto [name, dtype] : llvm::zip(names, dtypes)) {
      codec::TensorDesc t;
      t.name = cast<StringAttr>(name).str();
      t.dtype = static_cast<uint32_t>(dtype);
      list->push_back(std::move(t));
    }
  }
  for (Operation &op : program.getBody().front()) {
    if (failed(step(op)))
      return failure();
    // Barriers order steps; they compute nothing of their own.
    while (out.sources.size() < out.schedule.steps.size())
      out.sources.push_back(isa<BarrierOp>(op) ? std::vector<std::string>() : nodeNames(op.getLoc()));
  }
  out.schedule.arena_size = program.getArenaSize().value_or(0);
  out.schedule.arena_alignment = kArenaAlignment;
  return std::move(out);
}

} // namespace

FailureOr<SerializedSchedule> serializeSchedule(ModuleOp module, ProgramOp program) {
  return Serializer(module, program).run();
}

} // namespace tessera::host
