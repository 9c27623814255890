//===- NodeImportersTfIdf.cpp - TfIdfVectorizer ----------------------------===//
//
// Counts, per row of token ids, the n-grams of a compile-time pool. A gram of length n with skip k
// starts at i and reads tokens i, i + (k + 1), ..., i + (n - 1)(k + 1); every start and every skip up to
// max_skip_count counts (unigrams once). Each (length, skip) compares n shifted slices of the row with
// the pool's columns, ANDs them and sums over the starts, so the work is
// rows x positions x grams per (length, skip): fine for vocabulary pools of a few thousand grams.
// Pools of strings are not supported (Tessera has no string tensors yet).
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

/// A constant of `elem` (an integer type) and `shape` holding `values`.
Value integerConstant(NodeContext &c, Type elem, ArrayRef<int64_t> values, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, elem);
  SmallVector<APInt> bits;
  for (int64_t v : values)
    bits.push_back(APInt(elem.getIntOrFloatBitWidth(), v, /*isSigned=*/true, /*implicitTrunc=*/true));
  return graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(type, bits));
}

Value floatConstant(NodeContext &c, ArrayRef<float> values, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, c.b.getF32Type());
  return graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(type, values));
}

FailureOr<SmallVector<Value>> importTfIdfVectorizer(NodeContext &c) {
  if (c.attr("pool_strings"))
    return c.error() << "pools of strings are not supported (no string tensors yet)";
  auto in = c.inputType(0);
  Type elem = in.getElementType();
  if (!in.hasStaticShape() || (in.getRank() != 1 && in.getRank() != 2) ||
      !(elem.isInteger(32) || elem.isInteger(64)))
    return c.error() << "expects a static int32 or int64 input of rank 1 or 2, got " << in;
  std::string mode = c.getString("mode", "");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return c.error() << "mode '" << mode << "' is not TF, IDF or TFIDF";
  int64_t minLength = c.getInt("min_gram_length", 0), maxLength = c.getInt("max_gram_length", 0),
          maxSkip = c.getInt("max_skip_count", 0);
  auto starts = c.getInts("ngram_counts"), indexes = c.getInts("ngram_indexes"), pool = c.getInts("pool_int64s");
  if (!starts || !indexes || !pool)
    return c.error() << "needs ngram_counts, ngram_indexes and pool_int64s";
  int64_t lengths = static_cast<int64_t>(starts->size()), poolSize = static_cast<int64_t>(pool->size());
  if (minLength < 1 || maxLength < minLength || maxLength > lengths || maxSkip < 0)
    return c.error() << "needs 1 <= min_gram_length <= max_gram_length <= " << lengths
                     << " (the lengths ngram_counts covers) and max_skip_count >= 0";

  // The pool's grams per length: ngram_counts[n - 1] is where the n-grams start.
  SmallVector<int64_t> gramsPerLength;
  for (int64_t n = 1; n <= lengths; ++n) {
    int64_t begin = (*starts)[n - 1], end = n < lengths ? (*starts)[n] : poolSize;
    if (begin < 0 || end < begin || end > poolSize || (end - begin) % n)
      return c.error() << "ngram_counts " << (*starts)[n - 1] << " does not start a whole number of " << n
                       << "-grams in a pool of " << poolSize;
    gramsPerLength.push_back((end - begin) / n);
  }
  int64_t grams = llvm::sum_of(gramsPerLength);
  if (static_cast<int64_t>(indexes->size()) != grams)
    return c.error() << "ngram_indexes has " << indexes->size() << " entries for " << grams << " grams";
  int64_t width = 0;
  for (int64_t i : *indexes) {
    if (i < 0)
      return c.error() << "ngram_indexes has a negative entry";
    width = std::max(width, i + 1);
  }
  SmallVector<int64_t> gramOfColumn(width, grams); // `grams`: the zero column
  for (auto [gram, column] : llvm::enumerate(*indexes)) {
    if (gramOfColumn[column] != grams)
      return c.error() << "ngram_indexes maps two grams to column " << column;
    gramOfColumn[column] = static_cast<int64_t>(gram);
  }
  SmallVector<float> weights(grams, 1.0f);
  if (const auto *w = c.attr("weights")) {
    if (w->floats_size() != grams)
      return c.error() << "weights has " << w->floats_size() << " entries for " << grams << " grams";
    weights.assign(w->floats().begin(), w->floats().end());
  }

  int64_t rows = in.getRank() == 2 ? in.getDimSize(0) : 1, tokens = in.getShape().back();
  Value x = reshape(c, c.input(0), {rows, tokens});
  auto f32 = c.b.getF32Type();
  SmallVector<Value> counts;
  for (int64_t n = 1; n <= lengths; ++n) {
    int64_t count = gramsPerLength[n - 1], offset = (*starts)[n - 1];
    if (count == 0)
      continue;
    Value total = floatConstant(c, SmallVector<float>(rows * count, 0.0f), {rows, count});
    for (int64_t skip = 0; n >= minLength && n <= maxLength && skip <= (n == 1 ? 0 : maxSkip); ++skip) {
      int64_t gap = skip + 1, positions = tokens - (n - 1) * gap;
      if (positions <= 0)
        break;
      Value match;
      for (int64_t t = 0; t < n; ++t) {
        SmallVector<int64_t> column;
        for (int64_t g = 0; g < count; ++g)
          column.push_back((*pool)[offset + g * n + t]);
        Value shifted = reshape(c, slice(c, x, {0, t * gap}, {rows, positions}, {1, 1}), {rows, positions, 1});
        Value equal = binary<graph::EqualOp>(c, shifted, integerConstant(c, elem, column, {1, 1, count}));
        match = match ? binary<graph::AndOp>(c, match, equal) : equal;
      }
      Value found = graph::ReduceOp::create(c.b, c.loc, castTo(c, match, f32), graph::ReduceKind::sum,
                                            c.b.getDenseI64ArrayAttr({1}), false, false);
      total = binary<graph::AddOp>(c, total, found);
    }
    counts.push_back(total);
  }
  counts.push_back(floatConstant(c, SmallVector<float>(rows, 0.0f), {rows, 1}));
  Value tf = counts.size() == 1 ? counts[0] : graph::ConcatOp::create(c.b, c.loc, counts, 1).getResult();
  weights.push_back(0.0f);
  Value weight = floatConstant(c, weights, {1, grams + 1});
  Value scores = tf;
  if (mode == "TFIDF")
    scores = binary<graph::MulOp>(c, tf, weight);
  else if (mode == "IDF")
    scores = graph::WhereOp::create(c.b, c.loc, binary<graph::GreaterOp>(c, tf, floatConstant(c, {0.0f}, {})), weight,
                                    floatConstant(c, {0.0f}, {}));
  Value y = graph::GatherOp::create(c.b, c.loc, scores, i64Constant(c, gramOfColumn, {width}), 1);
  return SmallVector<Value>{in.getRank() == 2 ? y : reshape(c, y, {width})};
}

} // namespace

void addTfIdfImporter(llvm::StringMap<NodeImporter> &t) { t["TfIdfVectorizer"] = importTfIdfVectorizer; }

} // namespace tessera::onnx
