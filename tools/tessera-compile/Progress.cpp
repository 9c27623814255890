//===- Progress.cpp - compile progress on stderr --------------------------===//
#include "Progress.h"

#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera {

/// The --emit name of each stage, so progress and --emit speak of the same stages.
static const char *stageName(EmitStage stage) {
  switch (stage) {
  case EmitStage::Graph: return "graph";
  case EmitStage::Linalg: return "linalg";
  case EmitStage::Dispatch: return "dispatch";
  case EmitStage::TargetText: return "llvm-ir";
  case EmitStage::Schedule: return "schedule";
  case EmitStage::Artifact: return "artifact";
  case EmitStage::Static: return "static";
  }
  return "?";
}

StderrProgress::Mode StderrProgress::chooseMode(bool quiet, bool forceLines) {
  if (quiet)
    return Mode::Off;
  if (forceLines)
    return Mode::Lines;
  return llvm::sys::Process::StandardErrIsDisplayed() ? Mode::Terminal : Mode::Off;
}

StderrProgress::StderrProgress(Mode mode, EmitStage last) : mode(mode), stageCount(unsigned(last) + 1) {}

void StderrProgress::beginStage(EmitStage stage, llvm::StringRef what) {
  if (mode == Mode::Off)
    return;
  current = ("[" + llvm::Twine(unsigned(stage) + 1) + "/" + llvm::Twine(stageCount) + "] " + stageName(stage) +
             ": " + what)
                .str();
  if (mode == Mode::Lines)
    llvm::errs() << current << "\n";
  else
    show(current);
}

void StderrProgress::advance(size_t done, size_t total) {
  if (mode == Mode::Terminal)
    show(current + " (" + std::to_string(done) + "/" + std::to_string(total) + ")");
}

void StderrProgress::show(const std::string &text) {
  // A line wider than the terminal would wrap, and "\r" would then rewrite only its last row.
  unsigned columns = llvm::sys::Process::StandardErrColumns();
  llvm::StringRef shown = text;
  if (columns > 1)
    shown = shown.take_front(columns - 1);
  llvm::errs() << "\r" << shown << "\x1b[K";
  llvm::errs().flush();
  lineOpen = true;
}

void StderrProgress::endLine() {
  if (lineOpen)
    llvm::errs() << "\n";
  lineOpen = false;
}

void StderrProgress::clear() {
  if (lineOpen)
    llvm::errs() << "\r\x1b[K";
  lineOpen = false;
}

} // namespace tessera
