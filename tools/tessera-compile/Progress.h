//===- Progress.h - compile progress on stderr ----------------*- C++ -*-===//
#ifndef TESSERA_TOOLS_TESSERA_COMPILE_PROGRESS_H
#define TESSERA_TOOLS_TESSERA_COMPILE_PROGRESS_H

#include "codegen/driver/CompilerDriver.h"

#include <string>

namespace tessera {

/// Shows which stage a compile is in as "[3/6] dispatch: forming dispatches", counted up to the --emit stage.
/// On a terminal it rewrites one line (and counts kernels as they compile); in line mode each stage gets a
/// line of its own, for logs and tests.
class StderrProgress : public CompileProgress {
public:
  enum class Mode { Off, Lines, Terminal };

  /// Off when `quiet`; lines when `forceLines`; otherwise rewritten in place when stderr is a terminal.
  static Mode chooseMode(bool quiet, bool forceLines);

  StderrProgress(Mode mode, EmitStage last);
  ~StderrProgress() override { endLine(); }

  void beginStage(EmitStage stage, llvm::StringRef what) override;
  void advance(size_t done, size_t total) override;
  /// Ends the line being rewritten, so what is printed next (a diagnostic) starts on a line of its own.
  void endLine();
  /// The compile succeeded: the line being rewritten is cleared.
  void clear();

private:
  void show(const std::string &text);

  Mode mode;
  unsigned stageCount;
  std::string current; // the current stage's line, without a kernel count
  bool lineOpen = false;
};

} // namespace tessera

#endif
