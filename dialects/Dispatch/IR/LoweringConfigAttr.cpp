//===- LoweringConfigAttr.cpp - #tdisp.lowering_config ---------------------===//
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::dispatch;

#include "dialects/Dispatch/IR/DispatchStrategyEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Dispatch/IR/DispatchAttrs.cpp.inc"

void DispatchDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Dispatch/IR/DispatchAttrs.cpp.inc"
      >();
}

namespace {
/// An integer, or `?` for ShapedType::kDynamic.
ParseResult parseSize(AsmParser &parser, int64_t &value) {
  if (succeeded(parser.parseOptionalQuestion())) {
    value = ShapedType::kDynamic;
    return success();
  }
  return parser.parseInteger(value);
}

ParseResult parseIntegerList(AsmParser &parser, SmallVectorImpl<int64_t> &values) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square,
                                        [&] { return parseSize(parser, values.emplace_back()); });
}

void printIntegerList(AsmPrinter &printer, ArrayRef<int64_t> values) {
  printer << '[';
  llvm::interleaveComma(values, printer, [&](int64_t v) {
    if (ShapedType::isDynamic(v))
      printer << '?';
    else
      printer << v;
  });
  printer << ']';
}
} // namespace

// #tdisp.lowering_config<STRATEGY, workgroups = N, tiles = [...], register_tile = [...], vector_bits = N>
Attribute LoweringConfigAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  int64_t workgroups = 0, vectorBits = 0;
  SmallVector<int64_t> tiles, registerTile;
  SMLoc at = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<KernelStrategy> strategy = symbolizeKernelStrategy(keyword);
  if (!strategy) {
    parser.emitError(at, "unknown kernel strategy '") << keyword << "'";
    return {};
  }
  if (parser.parseComma() || parser.parseKeyword("workgroups") || parser.parseEqual() ||
      parser.parseInteger(workgroups) || parser.parseComma() || parser.parseKeyword("tiles") ||
      parser.parseEqual() || parseIntegerList(parser, tiles) || parser.parseComma() ||
      parser.parseKeyword("register_tile") || parser.parseEqual() || parseIntegerList(parser, registerTile) ||
      parser.parseComma() || parser.parseKeyword("vector_bits") || parser.parseEqual() ||
      parser.parseInteger(vectorBits) || parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(at); }, parser.getContext(), *strategy, workgroups, tiles,
                    registerTile, vectorBits);
}

void LoweringConfigAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyKernelStrategy(getStrategy()) << ", workgroups = " << getWorkgroups() << ", tiles = ";
  printIntegerList(printer, getTiles());
  printer << ", register_tile = ";
  printIntegerList(printer, getRegisterTile());
  printer << ", vector_bits = " << getVectorBits() << '>';
}

LogicalResult LoweringConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError, KernelStrategy strategy,
                                         int64_t workgroups, ArrayRef<int64_t> tiles, ArrayRef<int64_t> registerTile,
                                         int64_t vectorBits) {
  if (workgroups < 1)
    return emitError() << "needs at least one workgroup, not " << workgroups;
  // A `?` tile: the loop is split into a number of workgroups the kernel's dims decide when it runs
  // (at most `workgroups`); it is the only loop split.
  int64_t runTimeTiles = llvm::count_if(tiles, [](int64_t t) { return ShapedType::isDynamic(t); });
  if (runTimeTiles > 1 || (runTimeTiles == 1 && llvm::any_of(tiles, [](int64_t t) { return t > 0; })))
    return emitError() << "splits a loop at run time (?) and another one too";
  if (llvm::any_of(tiles, [](int64_t t) { return t < 0 && !ShapedType::isDynamic(t); }))
    return emitError() << "has a negative tile size";
  if (workgroups > 1 && llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return emitError() << "splits into " << workgroups << " workgroups but tiles no loop";
  if (llvm::any_of(registerTile, [](int64_t t) { return t < 1; }))
    return emitError() << "has a register tile dim below 1";
  if (strategy == KernelStrategy::loops && !registerTile.empty())
    return emitError() << "has a register tile, but loops have none";
  if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512)
    return emitError() << "vector_bits must be 128, 256 or 512, not " << vectorBits;
  return success();
}
