//===- NodeImportersEinsum.cpp - ONNX Einsum equations -> tgraph.einsum ----===//
//
// Parses the equation into loop dims: one per letter, plus the ellipsis dims (right-aligned across
// operands, size-1 ones broadcast). Without `->` the output is the ellipsis dims followed by the
// letters used once, in alphabetical order (numpy's implicit mode).
//
#include "frontend/onnx/ImportContext.h"

#include <map>

using namespace mlir;

namespace tessera::onnx {

/// One term of the equation: its letters, with '.' standing for the whole ellipsis.
static std::optional<std::string> parseTerm(StringRef term) {
  std::string out;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.substr(i).starts_with("...")) {
      if (out.find('.') != std::string::npos)
        return std::nullopt;
      out.push_back('.');
      i += 2;
    } else if (isalpha(term[i])) {
      out.push_back(term[i]);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

static Results importEinsum(NodeContext &c) {
  std::string eq;
  for (char ch : c.getString("equation", ""))
    if (!isspace(ch))
      eq.push_back(ch);
  StringRef lhs = eq, rhs;
  bool explicitOutput = false;
  if (size_t arrow = eq.find("->"); arrow != std::string::npos) {
    lhs = StringRef(eq).take_front(arrow);
    rhs = StringRef(eq).drop_front(arrow + 2);
    explicitOutput = true;
  }
  SmallVector<StringRef> termRefs;
  lhs.split(termRefs, ',');
  if (termRefs.size() != c.numInputs())
    return c.error() << "equation '" << eq << "' has " << termRefs.size() << " terms for " << c.numInputs() << " inputs";
  SmallVector<std::string> terms;
  for (StringRef t : termRefs) {
    auto parsed = parseTerm(t);
    if (!parsed)
      return c.error() << "cannot parse equation '" << eq << "'";
    terms.push_back(*parsed);
  }
  // Ellipsis dims: right-aligned, broadcast like numpy.
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(terms)) {
    auto type = c.inputType(i);
    if (!type.hasStaticShape())
      return c.error() << "dynamic shapes are not supported yet";
    int64_t letters = llvm::count_if(term, [](char ch) { return ch != '.'; });
    bool hasEllipsis = term.find('.') != std::string::npos;
    if ((!hasEllipsis && letters != type.getRank()) || (hasEllipsis && letters > type.getRank()))
      return c.error() << "term '" << term << "' does not match an input of rank " << type.getRank();
    if (hasEllipsis)
      ellipsisRank = std::max(ellipsisRank, type.getRank() - letters);
  }
  SmallVector<int64_t> ellipsisSizes(ellipsisRank, 1);
  for (auto [i, term] : llvm::enumerate(terms)) {
    size_t pos = term.find('.');
    if (pos == std::string::npos)
      continue;
    auto type = c.inputType(i);
    int64_t own = type.getRank() - (term.size() - 1);
    for (int64_t j = 0; j < own; ++j) {
      int64_t size = type.getDimSize(pos + j), &slot = ellipsisSizes[ellipsisRank - own + j];
      if (size != 1 && slot != 1 && size != slot)
        return c.error() << "ellipsis dims do not broadcast";
      if (size != 1)
        slot = size;
    }
  }
  // Loop dims: ellipsis dims first, then letters in order of appearance.
  std::map<char, int64_t> loopOf, sizeOf, uses;
  int64_t loops = ellipsisRank;
  SmallVector<Attribute> operandDims;
  for (auto [i, term] : llvm::enumerate(terms)) {
    auto type = c.inputType(i);
    SmallVector<int64_t> dims;
    int64_t dim = 0;
    for (char ch : term) {
      if (ch == '.') {
        int64_t own = type.getRank() - (term.size() - 1);
        for (int64_t j = 0; j < own; ++j, ++dim) {
          int64_t loop = ellipsisRank - own + j;
          dims.push_back(type.getDimSize(dim) == 1 && ellipsisSizes[loop] != 1 ? -1 : loop);
        }
        continue;
      }
      int64_t size = type.getDimSize(dim++);
      if (!loopOf.count(ch)) {
        loopOf[ch] = loops++;
        sizeOf[ch] = size;
      } else if (sizeOf[ch] != size) {
        return c.error() << "label '" << ch << "' has sizes " << sizeOf[ch] << " and " << size;
      }
      ++uses[ch];
      dims.push_back(loopOf[ch]);
    }
    operandDims.push_back(c.b.getDenseI64ArrayAttr(dims));
  }
  std::string out;
  if (explicitOutput) {
    auto parsed = parseTerm(rhs);
    if (!parsed)
      return c.error() << "cannot parse equation '" << eq << "'";
    out = *parsed;
  } else {
    out = ellipsisRank ? "." : "";
    for (auto [ch, n] : uses)
      if (n == 1)
        out.push_back(ch);
  }
  SmallVector<int64_t> outDims;
  for (char ch : out) {
    if (ch == '.') {
      for (int64_t j = 0; j < ellipsisRank; ++j)
        outDims.push_back(j);
      continue;
    }
    if (!loopOf.count(ch) || llvm::is_contained(outDims, loopOf[ch]))
      return c.error() << "output label '" << ch << "' is not an input label or repeats";
    outDims.push_back(loopOf[ch]);
  }
  // Ellipsis dims missing from an explicit output are summed like letters.
  return one(c.make<graph::EinsumOp>(ValueRange(c.inputs), c.b.getArrayAttr(operandDims),
                                     c.b.getDenseI64ArrayAttr(outDims)));
}

void addEinsumImporter(llvm::StringMap<NodeImporter> &t) { t["Einsum"] = importEinsum; }

} // namespace tessera::onnx
